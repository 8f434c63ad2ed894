import { IsOptional } from 'class-validator';
import { IsEmailAddress, IsOmittable, IsSecretString, IsStrictBoolean, IsTrimmedString } from '../common/validators';
import { PageQueryDto } from '../common/page';
import { DISPLAY_NAME_MAX_LEN, PASSWORD_MAX, PASSWORD_MIN } from '../auth/auth.dto';

/** GET /api/admin/accounts?q= (api.md §2.2). */
export class ListAccountsQueryDto extends PageQueryDto {
  @IsOptional()
  @IsTrimmedString({ min: 0, max: 254 })
  q?: string;
}

/** POST /api/admin/accounts. */
export class CreateAccountDto {
  @IsEmailAddress()
  email!: string;

  @IsTrimmedString({ min: 1, max: DISPLAY_NAME_MAX_LEN })
  displayName!: string;

  @IsSecretString({ min: PASSWORD_MIN, max: PASSWORD_MAX })
  password!: string;

  @IsOmittable()
  @IsStrictBoolean()
  isAdmin?: boolean;
}

/** PATCH /api/admin/accounts/:id. */
export class UpdateAccountDto {
  @IsOmittable()
  @IsStrictBoolean()
  isAdmin?: boolean;

  @IsOmittable()
  @IsStrictBoolean()
  disabled?: boolean;
}
