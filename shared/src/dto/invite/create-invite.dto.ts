import { IsOptional } from 'class-validator';
import type { MemberRole } from '../../protocol/constants';
import { IsEmailAddress, IsOneOf, IsStrictInt } from '../common/validators';

/** `POST /api/meshes/:id/invites` (api.md §5). */
export class CreateInviteDto {
  @IsOptional()
  @IsStrictInt(1, 2, { message: 'version must be 1 or 2' })
  version?: 1 | 2;

  @IsOptional()
  @IsOneOf(['member', 'admin'])
  role?: MemberRole;

  @IsOptional()
  @IsStrictInt(1, 1000)
  maxUses?: number;

  @IsOptional()
  @IsStrictInt(1, 365)
  expiresInDays?: number;

  /** Trimmed and lowercased; turns the invite into an email invite (invites.md §9). */
  @IsOptional()
  @IsEmailAddress()
  email?: string;
}
