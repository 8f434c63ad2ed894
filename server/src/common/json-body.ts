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
 * Errors: 413 payload_too_large, 415 unsupported_media_type, 400 invalid_json (also for bytes that are not UTF-8), and
 * 400 validation_failed for a body nested deeper than any DTO could be; all in the contract shape.
 */
export function jsonBodyMiddleware(): RequestHandler {
  // strict: false — `null`, `"text"` or `42` are JSON (not invalid_json); the validation pipe refuses non-objects.
  const parseMain = json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true, verify: verifyUtf8 });
  const parseHook = json({ limit: HOOK_BODY_LIMIT_BYTES, strict: false, type: () => true, verify: verifyUtf8 });
  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req) || req.method === 'GET' || req.method === 'HEAD') return next();
    const isHook = req.path.startsWith('/hook/') || req.path === '/hook';
    const limit = isHook ? HOOK_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES;
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return next(tooLarge(limit));
    if (!isJson(req)) return next(new AppError('unsupported_media_type', 'The request body must be application/json'));
    (isHook ? parseHook : parseMain)(req, res, (err?: unknown) => {
      if (err) return next(mapBodyError(err, limit));
      if (nestedDeeperThan(req.body, MAX_DEPTH)) {
        const message = `The request body is nested more than ${MAX_DEPTH} levels deep`;
        return next(new AppError('validation_failed', message, { fields: [{ field: 'body', message }] }));
      }
      next();
    });
  };
}

/** No REST body nests beyond a few levels; a deeper one would only exhaust the stack of the recursive transformers. */
const MAX_DEPTH = 32;

/** Iterative, so checking cannot overflow the stack itself. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bodies are UTF-8 (api.md §1.1, security.md §6 item 3). body-parser would silently turn invalid bytes into U+FFFD,
 * so the raw bytes are checked first; another declared charset is an unsupported media type.
 */
function verifyUtf8(_req: Request, _res: Response, buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') throw Object.assign(new Error('charset'), { type: 'charset.unsupported' });
  try {
    UTF8.decode(buf);
  } catch {
    throw Object.assign(new Error('utf-8'), { type: 'entity.verify.failed' });
  }
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
    case 'entity.verify.failed':
      return new AppError('invalid_json', 'The request body is not valid UTF-8 JSON');
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
