import type { Request } from 'express';
import type { ClientMeta } from './auth.service';
import { readCookie, SESSION_COOKIE } from './cookies';

/** The client facts the auth service needs, read from the request (req.ip honours TRUST_PROXY). */
export const clientMeta = (req: Request): ClientMeta => ({
  ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
  userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  previousToken: readCookie(req, SESSION_COOKIE),
});
