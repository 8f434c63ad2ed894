import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AppError } from '@claudemesh/shared/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { AuthContext } from './auth-context';
import { AuthService } from './auth.service';
import { readCookie, SESSION_COOKIE, XSRF_COOKIE, XSRF_HEADER } from './cookies';
import { SESSION_ONLY } from './current-auth.decorator';
import { originAllowed } from './origin';
import { SessionService } from './session.service';

const MUTATIONS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * Authenticates a REST request (api.md §1.2–§1.3): a bearer PAT wins over the cm_session cookie; cookie
 * mutations need the XSRF proof and a same-origin Origin; @SessionOnly endpoints refuse PATs.
 * Sets `req.auth` and `Cache-Control: no-store`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { auth?: AuthContext }>();
    context.switchToHttp().getResponse<Response>().setHeader('Cache-Control', 'no-store');
    const ctx = await this.auth.authenticate({ authorization: req.headers.authorization, sessionCookie: readCookie(req, SESSION_COOKIE) });
    if (ctx.via === 'session' && MUTATIONS.has(req.method)) this.checkCsrf(req, ctx);
    const sessionOnly = this.reflector.getAllAndOverride<boolean>(SESSION_ONLY, [context.getHandler(), context.getClass()]);
    if (sessionOnly && ctx.via !== 'session') throw new AppError('session_required', 'This endpoint needs a signed-in web session, not an access token.');
    await this.auth.limitRest(ctx);
    req.auth = ctx;
    return true;
  }

  private checkCsrf(req: Request, ctx: AuthContext): void {
    const header = req.headers[XSRF_HEADER];
    const ok =
      originAllowed(req.headers.origin, this.config.publicUrl) &&
      typeof header === 'string' &&
      typeof ctx.csrfToken === 'string' &&
      this.sessions.csrfMatches(ctx.csrfToken, header, readCookie(req, XSRF_COOKIE));
    if (!ok) throw new AppError('csrf_failed', 'The request failed the CSRF check; reload the page and try again.');
  }
}

/** For signup and login: refuses a foreign Origin (api.md §1.3). */
@Injectable()
export class OriginGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    if (!originAllowed(req.headers.origin, this.config.publicUrl)) {
      throw new AppError('csrf_failed', 'The request came from another origin.');
    }
    return true;
  }
}
