import type { AccountEntity, PersonalAccessTokenEntity } from '@claudemesh/database';
import type { AccountResponse, AdminAccountResponse, TokenResponse } from '@claudemesh/shared/dto';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const toAccountResponse = (a: AccountEntity): AccountResponse => ({
  id: a.id,
  email: a.email,
  displayName: a.displayName,
  isAdmin: a.isAdmin,
  createdAt: a.createdAt.toISOString(),
});

export const toAdminAccountResponse = (a: AccountEntity): AdminAccountResponse => ({
  ...toAccountResponse(a),
  disabledAt: iso(a.disabledAt),
  lastLoginAt: iso(a.lastLoginAt),
});

/** Never includes the token or its hash. */
export const toTokenResponse = (t: PersonalAccessTokenEntity): TokenResponse => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: iso(t.lastUsedAt),
  expiresAt: iso(t.expiresAt),
});
