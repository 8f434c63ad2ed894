import { IsOptional } from 'class-validator';
import { PageQueryDto } from '../common/page';
import { IsOneOf } from '../common/validators';

export const INVITE_STATUS_FILTERS = ['valid', 'expired', 'revoked', 'exhausted', 'all'] as const;
export type InviteStatusFilter = (typeof INVITE_STATUS_FILTERS)[number];

/** `GET /api/meshes/:id/invites?status=&limit=&cursor=` (default status `all`, newest first). */
export class ListInvitesQueryDto extends PageQueryDto {
  @IsOptional()
  @IsOneOf(INVITE_STATUS_FILTERS)
  status?: InviteStatusFilter;
}
