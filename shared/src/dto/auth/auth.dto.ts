import { IsOptional, ValidateIf } from 'class-validator';
import { IsEmailAddress, IsSecretString, IsStrictInt, IsTrimmedString } from '../common/validators';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
export const DISPLAY_NAME_MAX_LEN = 64;
export const TOKEN_NAME_MAX = 64;

/** POST /api/auth/signup (api.md §2). */
export class SignupDto {
  @IsEmailAddress()
  email!: string;

  @IsSecretString({ min: PASSWORD_MIN, max: PASSWORD_MAX })
  password!: string;

  @IsTrimmedString({ min: 1, max: DISPLAY_NAME_MAX_LEN })
  displayName!: string;

  /** Required while the instance needs setup; checked by the service (403 setup_token_invalid, not 400, even when empty). */
  @IsOptional()
  @IsSecretString({ min: 0, max: 256 })
  setupToken?: string;
}

/** POST /api/auth/login. Only shape is checked here: a bad email/password pair is 401 invalid_credentials. */
export class LoginDto {
  @IsEmailAddress()
  email!: string;

  @IsSecretString({ min: 1, max: PASSWORD_MAX })
  password!: string;
}

/** POST /api/auth/password. */
export class ChangePasswordDto {
  @IsSecretString({ min: 1, max: PASSWORD_MAX })
  currentPassword!: string;

  @IsSecretString({ min: PASSWORD_MIN, max: PASSWORD_MAX })
  newPassword!: string;
}

/** POST /api/tokens (api.md §2.1). `expiresInDays` null or absent = no expiry. */
export class CreateTokenDto {
  @IsTrimmedString({ min: 1, max: TOKEN_NAME_MAX })
  name!: string;

  @ValidateIf((o: CreateTokenDto) => o.expiresInDays !== undefined && o.expiresInDays !== null)
  @IsStrictInt(1, 365)
  expiresInDays?: number | null;
}
