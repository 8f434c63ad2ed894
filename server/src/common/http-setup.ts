import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import type { NextFunction, Request, Response } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppRuntime } from '../app.module';
import { appVersion, repoRoot } from '../config/version';
import { httpObserver } from '../logging/http-observer';
import { MetricsService } from '../metrics/metrics.service';
import { findSpaRoot, spaMiddleware } from '../spa/spa.middleware';
import { AppExceptionFilter } from './app-exception.filter';
import { jsonBodyMiddleware } from './json-body';
import { AppValidationPipe } from './pipes';
import { UnknownQueryInterceptor } from './query-params';
import { requestIdMiddleware } from './request-id';
import { ShutdownService } from './shutdown.service';

/** security.md §7, byte for byte. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

function securityHeaders(https: boolean) {
  const h = helmet({
    contentSecurityPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 31536000, includeSubDomains: false } : false,
  });
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    h(req, res, next);
  };
}

/** api.md §1.1: responses to authenticated requests are not cached; every /api and /hook response qualifies conservatively. */
function noStoreForApi(req: Request, res: Response, next: NextFunction): void {
  if (/^\/(api|hook)(\/|$)/.test(req.path)) res.setHeader('Cache-Control', 'no-store');
  next();
}

function setupSwagger(app: NestExpressApplication): void {
  const doc = new DocumentBuilder()
    .setTitle('claudemesh')
    .setDescription('The claudemesh REST API (api.md). Errors use the shape of api.md §1.4.')
    .setVersion(appVersion())
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Personal access token: cmpat_<40 base62>' }, 'bearer')
    .addCookieAuth('cm_session', { type: 'apiKey', in: 'cookie', description: 'Web session cookie; mutations need X-XSRF-TOKEN' }, 'cookie')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'cmh1', description: 'Hook token from welcome: cmh1.<presenceId>.<mac>' }, 'hookToken')
    .build();
  const document = SwaggerModule.createDocument(app, doc);
  // api.md §9 lists the documentation endpoints too; they are served by SwaggerModule, not by a controller
  document.paths['/api/docs'] = {
    get: { tags: ['docs'], summary: 'Swagger UI', responses: { '200': { description: 'HTML', content: { 'text/html': { schema: { type: 'string' } } } } } },
  };
  document.paths['/api/docs-json'] = {
    get: { tags: ['docs'], summary: 'This OpenAPI 3 document', responses: { '200': { description: 'OpenAPI 3', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json', yamlDocumentUrl: 'api/docs-yaml' });
}

/**
 * The HTTP pipeline, in order: request id → in-flight counter → access log + metrics → security headers → cookies →
 * no-store → JSON body rules → SPA (outside the excluded prefixes) → Nest routes → 404 → the exception filter.
 */
export function configureHttp(app: NestExpressApplication, runtime: AppRuntime): void {
  const { config, logger } = runtime;
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(app.get(ShutdownService).trackRequests);
  app.use(httpObserver(logger, app.get(MetricsService)));
  app.use(securityHeaders(config.publicUrl.startsWith('https:')));
  app.use(cookieParser());
  app.use(noStoreForApi);
  app.use(jsonBodyMiddleware());
  app.use(spaMiddleware(findSpaRoot(repoRoot())));
  app.useGlobalPipes(new AppValidationPipe());
  app.useGlobalInterceptors(new UnknownQueryInterceptor(app.get(Reflector)));
  app.useGlobalFilters(new AppExceptionFilter());
  if (config.apiDocs) setupSwagger(app);
}
