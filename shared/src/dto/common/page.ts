import { IsOptional } from 'class-validator';
import { IsAbsent, IsOmittable, IsQueryInt, IsTrimmedString } from './validators';

export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 200;

/** A page of a list endpoint (api.md §1.5). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** `limit` (1–200, default 50) and the opaque `cursor` of the previous page. Extend it for list queries. */
export class PageQueryDto {
  @IsOptional()
  @IsQueryInt(1, PAGE_LIMIT_MAX)
  limit?: number;

  @IsOptional()
  @IsTrimmedString({ min: 1, max: 200 })
  cursor?: string;
}

/**
 * The body of endpoints that take no fields: an empty body or `{}`; any field is 400 (api.md §1.1).
 * The hidden property only gives the class validation metadata (the pipe uses forbidUnknownValues); it can never be set.
 */
export class EmptyBodyDto {
  @IsOmittable()
  @IsAbsent()
  __none?: never;
}
