import type { MemberRole } from '../../protocol/constants';
import { IsEmailAddress, IsOmittable, IsOneOf, IsStrictInt } from '../common/validators';

/** `POST /api/meshes/:id/invites` (api.md §5). */
export class CreateInviteDto {
  @IsOmittable()
  @IsStrictInt(1, 2, { message: 'version must be 1 or 2' })
  version?: 1 | 2;

  @IsOmittable()
  @IsOneOf(['member', 'admin'])
  role?: MemberRole;

  @IsOmittable()
  @IsStrictInt(1, 1000)
  maxUses?: number;

  @IsOmittable()
  @IsStrictInt(1, 365)
  expiresInDays?: number;

  /** Trimmed and lowercased; turns the invite into an email invite (invites.md §9). */
  @IsOmittable()
  @IsEmailAddress()
  email?: string;
}
