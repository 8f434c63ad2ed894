import type { AccountEntity } from '@claudemesh/database';

/** Who is calling: set on `req.auth` by AuthGuard (cookie session or PAT bearer). */
export interface AuthContext {
  account: AccountEntity;
  via: 'session' | 'token';
  /** auth_session.id for cookie sessions, null for PATs. */
  sessionId: string | null;
  /** personal_access_token.id for PATs, null for sessions. */
  tokenId?: string | null;
  /** The session's stored CSRF token (sessions only), for refreshing the XSRF-TOKEN cookie. */
  csrfToken?: string | null;
}

/** The audit actor for a web/API action (data-model.md §4). */
export const accountActor = (auth: AuthContext): { kind: 'account'; id: string; displayName: string } => ({
  kind: 'account',
  id: auth.account.id,
  displayName: auth.account.displayName,
});
