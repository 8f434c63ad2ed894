/** An account as its owner sees it (api.md §2). */
export interface AccountResponse {
  id: string;
  email: string;
  displayName: string;
  isAdmin: boolean;
  createdAt: string;
}

/** 201 signup / 200 login. */
export interface AccountEnvelope {
  account: AccountResponse;
}

/** GET /api/auth/me. */
export interface MeResponse {
  account: AccountResponse;
  auth: 'session' | 'token';
}

/** An item of GET /api/tokens; the plaintext token is never listed. */
export interface TokenResponse {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** 201 POST /api/tokens: `token` appears only here. */
export interface CreatedTokenResponse {
  id: string;
  name: string;
  prefix: string;
  token: string;
  createdAt: string;
  expiresAt: string | null;
}

/** GET /api/public/config. */
export interface PublicConfigResponse {
  version: string;
  allowSignup: boolean;
  needsSetup: boolean;
  v1InvitesEnabled: boolean;
  publicUrl: string;
}
