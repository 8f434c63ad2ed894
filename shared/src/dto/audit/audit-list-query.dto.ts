import { IsOptional, Matches } from 'class-validator';
import { AUDIT_TYPE_PREFIX_PATTERN } from '../../protocol/audit';

/** Query of `GET /api/meshes/:id/audit` (api.md §6). Query integers arrive as strings and must be decimal digits. */
export class AuditListQueryDto {
  @IsOptional()
  @Matches(/^(?:[1-9]|[1-9][0-9]|1[0-9][0-9]|200)$/, { message: 'limit must be an integer from 1 to 200' })
  limit?: string;

  @IsOptional()
  @Matches(/^[1-9][0-9]{0,9}$/, { message: 'before must be a positive integer sequence number' })
  before?: string;

  @IsOptional()
  @Matches(AUDIT_TYPE_PREFIX_PATTERN, { message: 'type must be a prefix of 1 to 40 characters from a-z, _ and .' })
  type?: string;
}
