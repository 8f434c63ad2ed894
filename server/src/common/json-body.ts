import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppError } from '@claudemesh/shared/errors';

export const BODY_LIMIT_BYTES = 64 * 1024;
/** The hook endpoint's smaller cap (security.md §6 item 2). */
export const HOOK_BODY_LIMIT_BYTES = 4 * 1024;

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const len = req.headers['content-length'];
  return len !== undefined && len !== '0';
}

function isJson(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * Body rules of api.md §1.1 for every route: JSON only, at most 64 KiB (4 KiB under /hook), checked before parsing
 * (Content-Length first, then while streaming). A request without a body needs no Content-Type.
 * Errors: 413 payload_too_large, 415 unsupported_media_type, 400 invalid_json, all in the contract shape.
 */
export function jsonBodyMiddleware(): RequestHandler {
  const parseMain = json({ limit: BODY_LIMIT_BYTES, strict: true, type: () => true });
  const parseHook = json({ limit: HOOK_BODY_LIMIT_BYTES, strict: true, type: () => true });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD') return next();
    const isHook = req.path.startsWith('/hook/') || req.path === '/hook';
    const limit = isHook ? HOOK_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return next(tooLarge(limit));
    if (!isJson(req)) return next(new AppError('unsupported_media_type', 'The request body must be application/json'));
    (isHook ? parseHook : parseMain)(req, res, (err?: unknown) => next(err ? mapBodyError(err, limit) : undefined));
  };
}

function tooLarge(limit: number): AppError {
  return new AppError('payload_too_large', `The request body is larger than ${limit / 1024} KiB`);
}

function mapBodyError(err: unknown, limit: number): unknown {
  const type = (err as { type?: string }).type;
  switch (type) {
    case 'entity.too.large':
      return tooLarge(limit);
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'The request body is not valid JSON');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError('unsupported_media_type', 'The request body must be UTF-8 JSON');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('invalid_json', 'The request body is incomplete');
    default:
      return err;
  }
}
