import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { unknownFieldErrors, validationFailed } from './pipes';

/** Set by ApiDtoQuery: the handler declares (and the validation pipe checks) a query DTO. */
export const QUERY_DTO = 'claudemesh:query-dto';
export const DeclaresQuery = (dto: unknown): MethodDecorator => SetMetadata(QUERY_DTO, dto);

/**
 * api.md §1.1: unknown query parameters give 400 validation_failed. Handlers with a query DTO get that from the
 * validation pipe; every other REST handler takes no query at all, so any parameter there is unknown. Runs after the
 * guards, so a missing credential still answers 401 first.
 */
@Injectable()
export class UnknownQueryInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      if (/^\/(api|invites)\//.test(req.path) && this.reflector.get(QUERY_DTO, context.getHandler()) === undefined) {
        const keys = Object.keys(req.query ?? {});
        if (keys.length) throw validationFailed(unknownFieldErrors(keys));
      }
    }
    return next.handle();
  }
}
