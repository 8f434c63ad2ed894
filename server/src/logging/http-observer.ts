import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { MetricsService } from '../metrics/metrics.service';

/** The route label of a request: the matched route template, never the raw path (operations.md §4, §5). */
export function routeTemplate(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  // A wildcard route is a middleware's catch-all (e.g. nestjs-pino's), not a matched handler.
  if (route && typeof route.path === 'string' && !route.path.includes('*')) return `${req.baseUrl ?? ''}${route.path}`;
  const label = (req as Request & { routeLabel?: string }).routeLabel;
  return label ?? 'unmatched';
}

/** Lets non-Nest handlers (SPA, static files) name their route for logs and metrics. */
export function setRouteLabel(req: Request, label: string): void {
  (req as Request & { routeLabel?: string }).routeLabel = label;
}

/** One access line per request (method, route template, status, durationMs, requestId) and the HTTP metrics. */
export function httpObserver(logger: Logger, metrics: MetricsService) {
  const access = logger.child({ component: 'http' });
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = routeTemplate(req);
      const status = res.headersSent ? res.statusCode : 499;
      const labels = { method: req.method, route, status: String(status) };
      metrics.httpRequestsTotal.inc(labels);
      metrics.httpRequestSeconds.observe(labels, seconds);
      const line = { requestId: req.id, method: req.method, route, status, durationMs: Math.round(seconds * 10000) / 10 };
      if (status >= 500) access.error(line, 'request completed');
      else access.info(line, 'request completed');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
