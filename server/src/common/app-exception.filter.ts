import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, ErrorCode, ErrorDetails, ErrorResponse, ERROR_STATUS } from '@claudemesh/shared/errors';
import { routeTemplate } from '../logging/http-observer';
import { redactPath } from './request-id';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

const DEFAULT_MESSAGE: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'The request is invalid',
  unauthenticated: 'Authentication is required',
  forbidden: 'You are not allowed to do this',
  not_found: 'No such resource',
  payload_too_large: 'The request body is larger than 64 KiB',
  unsupported_media_type: 'The request body must be application/json',
  rate_limited: 'Too many requests; try again later',
  service_unavailable: 'The service is unavailable; try again later',
};

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/**
 * The one HTTP exception filter (api.md §1.4): AppError, Nest HttpExceptions, body-parser errors (already mapped to
 * AppError by the JSON middleware) and unknown errors. A 5xx never carries a stack, SQL or internal name.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = String(req.id ?? '');
    const m = this.map(exception, requestId);
    if (m.status >= 500) {
      // The route template, never the raw path: a path can hold an invite code or token (security.md §3 item 4).
      this.logger.error(
        { requestId, method: req.method, route: routeTemplate(req), err: exception instanceof Error ? exception.stack : String(exception) },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const body: ErrorResponse = {
      error: { code: m.code, message: m.message, ...(m.details ? { details: m.details } : {}) },
      statusCode: m.status,
      timestamp: new Date().toISOString(),
      // Long segments (a v1 token) are cut as in the logs (security.md §3 item 4): error bodies end up in client logs too.
      path: redactPath(req.originalUrl ?? req.url),
      requestId,
    };
    const retryAfterMs = m.details?.retryAfterMs;
    if (m.status === 429 && typeof retryAfterMs === 'number') res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    res.status(m.status).json(body);
  }

  private map(e: unknown, requestId: string): Mapped {
    if (e instanceof AppError) {
      if (e.status >= 500) return { status: e.status, code: e.code, message: e.code === 'service_unavailable' ? e.message : internal(requestId) };
      return { status: e.status, code: e.code, message: e.message, details: e.details };
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const code = CODE_BY_STATUS[status];
      if (!code || status >= 500) {
        return status === 503
          ? { status, code: 'service_unavailable', message: DEFAULT_MESSAGE.service_unavailable! }
          : { status: 500, code: 'internal_error', message: internal(requestId) };
      }
      // A URIError (bad percent-encoding in the path) is an unknown path, not a bad field.
      if (status === 400 && e.cause instanceof URIError) return { status: 404, code: 'not_found', message: DEFAULT_MESSAGE.not_found! };
      const mappedStatus = ERROR_STATUS[code];
      return { status: mappedStatus, code, message: this.messageOf(e, code) };
    }
    return { status: 500, code: 'internal_error', message: internal(requestId) };
  }

  /** Nest's own messages ("Cannot GET /x") can echo input: only short plain messages of our own exceptions pass. */
  private messageOf(e: HttpException, code: ErrorCode): string {
    const r = e.getResponse();
    const msg = typeof r === 'string' ? r : (r as { message?: unknown }).message;
    if (typeof msg === 'string' && msg.length <= 200 && !/^Cannot [A-Z]+ /.test(msg) && code !== 'not_found') return msg;
    return DEFAULT_MESSAGE[code] ?? 'The request failed';
  }
}

const internal = (requestId: string) => `Internal error; reference ${requestId}`;
