import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const INCOMING_ID = /^[A-Za-z0-9-]{8,64}$/;

// `req.id` (typed by pino-http as string | number | object) is always our string request id (api.md §1.1).
/** Takes a well-formed incoming X-Request-Id, else makes a UUID; echoes it on every response. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.headers['x-request-id'];
  req.id = typeof incoming === 'string' && INCOMING_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', req.id);
  next();
}

/** Path segments longer than 64 chars become `…` (security.md §3 item 4); the query string is dropped. */
export function redactPath(url: string): string {
  const path = url.split('?')[0];
  return path
    .split('/')
    .map((s) => (s.length > 64 ? '…' : s))
    .join('/');
}
