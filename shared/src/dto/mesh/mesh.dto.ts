import { IsOptional, ValidateIf } from 'class-validator';
import { IsEmailAddress, IsId, IsOmittable, IsOneOf, IsQueryBoolean, IsTrimmedString } from '../common/validators';
import { PageQueryDto } from '../common/page';
import { DISPLAY_NAME_MAX_LEN } from '../auth/auth.dto';

export const MESH_NAME_MAX = 80;

/** POST /api/meshes (api.md §3): a name only; there is no slug field. */
export class CreateMeshDto {
  @IsTrimmedString({ min: 1, max: MESH_NAME_MAX })
  name!: string;
}

/** PATCH /api/meshes/:id. */
export class UpdateMeshDto {
  @IsTrimmedString({ min: 1, max: MESH_NAME_MAX })
  name!: string;
}

/** POST /api/meshes/:id/transfer: exactly one of accountId and email (the service checks "exactly one"). */
export class TransferMeshDto {
  @IsOmittable()
  @IsId()
  accountId?: string;

  @IsOmittable()
  @IsEmailAddress()
  email?: string;
}

/** GET /api/meshes?q=&archived=false. */
export class ListMeshesQueryDto extends PageQueryDto {
  @IsOptional()
  @IsTrimmedString({ min: 0, max: MESH_NAME_MAX })
  q?: string;

  @IsOptional()
  @IsQueryBoolean()
  archived?: boolean;
}

/** GET /api/meshes/:id/members?includeRemoved=false. */
export class ListMembersQueryDto extends PageQueryDto {
  @IsOptional()
  @IsQueryBoolean()
  includeRemoved?: boolean;
}

/** PATCH /api/meshes/:id/members/:memberId: at least one field (the service answers 400 for an empty body). */
export class UpdateMemberDto {
  @IsOmittable()
  @IsOneOf(['admin', 'member'])
  role?: 'admin' | 'member';

  @IsOmittable()
  @IsTrimmedString({ min: 1, max: DISPLAY_NAME_MAX_LEN })
  displayName?: string;

  /** An active account's email links it; null unlinks. */
  @ValidateIf((o: UpdateMemberDto) => o.linkEmail !== undefined && o.linkEmail !== null)
  @IsEmailAddress()
  linkEmail?: string | null;
}
