import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { dtoJsonSchema } from '@claudemesh/shared/dto';
import { ERROR_STATUS, type ErrorCode } from '@claudemesh/shared/errors';
import { DeclaresQuery } from '../common/query-params';

/**
 * OpenAPI helpers shared by every controller. DTO schemas are generated from the class-validator metadata of
 * the shared DTOs (dtoJsonSchema), so shared/ carries no swagger decorators; response schemas are declared here
 * and beside each controller as plain OpenAPI objects.
 */

type Schema = Record<string, unknown>;
type DtoClass = new (...args: never[]) => unknown;

export const ERROR_RESPONSE_SCHEMA: Schema = {
  type: 'object',
  required: ['error', 'statusCode', 'timestamp', 'path', 'requestId'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'object',
          properties: {
            fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
            retryAfterMs: { type: 'integer' },
            reason: { type: 'string' },
          },
        },
      },
    },
    statusCode: { type: 'integer' },
    timestamp: { type: 'string', format: 'date-time' },
    path: { type: 'string' },
    requestId: { type: 'string' },
  },
};

/** One documented response per HTTP status, listing the contract codes it may carry. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of codes) byStatus.set(ERROR_STATUS[c], [...(byStatus.get(ERROR_STATUS[c]) ?? []), c]);
  return applyDecorators(
    ...[...byStatus].map(([status, cs]) =>
      ApiResponse({ status, description: `Error code${cs.length > 1 ? 's' : ''}: ${cs.map((c) => `\`${c}\``).join(', ')}`, schema: ERROR_RESPONSE_SCHEMA as never }),
    ),
  );
}

/** Cookie session or PAT, plus the errors every authenticated endpoint may give (api.md §1.4). */
export function ApiAuth(opts: { sessionOnly?: boolean } = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiCookieAuth('cookie'),
    ...(opts.sessionOnly ? [] : [ApiBearerAuth('bearer')]),
    ApiErrors('unauthenticated', 'csrf_failed', 'account_disabled', 'rate_limited', 'internal_error'),
  );
}

/** The errors of any request that carries a body (api.md §1.1): not JSON, not an object, too large, another type. */
export const ApiBodyErrors = (): MethodDecorator & ClassDecorator => ApiErrors('validation_failed', 'invalid_json', 'payload_too_large', 'unsupported_media_type');

/** The request body schema of a shared DTO class, with the body errors. */
export const ApiDtoBody = (dto: DtoClass, description?: string): MethodDecorator =>
  applyDecorators(ApiBody({ schema: dtoJsonSchema(dto) as never, description }), ApiBodyErrors()) as MethodDecorator;

/** One ApiQuery per property of a shared query DTO; it also marks the handler as taking that query (UnknownQueryInterceptor). */
export function ApiDtoQuery(dto: DtoClass): MethodDecorator {
  const schema = dtoJsonSchema(dto);
  const required = new Set(schema.required ?? []);
  return applyDecorators(
    DeclaresQuery(dto),
    ...Object.entries(schema.properties ?? {}).map(([name, s]) => ApiQuery({ name, required: required.has(name), schema: s as never })),
  ) as MethodDecorator;
}

export const ApiJson = (status: number, description: string, schema: Schema): MethodDecorator =>
  ApiResponse({ status, description, schema: schema as never }) as MethodDecorator;

export const iso = { type: 'string', format: 'date-time' } as const;
export const isoNullable = { type: 'string', format: 'date-time', nullable: true } as const;
export const pageOf = (item: Schema): Schema => ({
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: { data: { type: 'array', items: item }, nextCursor: { type: 'string', nullable: true } },
});
