import { isIP } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import type { AccountEntity, AuthSessionEntity } from '@claudemesh/database';
import { constantTimeEqual, generateId, sha256Hex, sodium, toBase64Url } from '@claudemesh/shared/crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { CookieSettings } from './cookies';
import { SessionRepository } from './session.repository';

const DAY_MS = 86_400_000;

export interface NewSession {
  /** The cookie value (32 random bytes, base64url); only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
  id: string;
}

/** Server-side web sessions behind the cm_session cookie (api.md §1.2). */
@Injectable()
export class SessionService {
  constructor(
    private readonly sessions: SessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get cookieSettings(): CookieSettings {
    return { secure: this.config.publicUrl.startsWith('https:'), maxAgeMs: this.config.sessionTtlDays * DAY_MS };
  }

  /** A new session id at every login; the previous cookie's session (if any) is revoked. */
  async create(accountId: string, meta: { ip?: string | null; userAgent?: string | null; previousToken?: string }): Promise<NewSession> {
    if (meta.previousToken) await this.sessions.revokeByTokenHash(sha256Hex(meta.previousToken));
    const token = toBase64Url(sodium().randombytes_buf(32));
    const csrfToken = toBase64Url(sodium().randombytes_buf(32));
    const id = generateId();
    await this.sessions.insert({
      id,
      accountId,
      tokenHash: sha256Hex(token),
      csrfToken,
      expiresAt: new Date(Date.now() + this.config.sessionTtlDays * DAY_MS),
      ip: meta.ip && isIp(meta.ip) ? meta.ip : null,
      userAgent: meta.userAgent ? meta.userAgent.slice(0, 256) : null,
    });
    return { token, csrfToken, id };
  }

  /** The live session for a cookie value, or null. */
  async resolve(token: string): Promise<{ session: AuthSessionEntity; account: AccountEntity } | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const found = await this.sessions.findLive(sha256Hex(token), this.config.sessionIdleDays);
    if (found) await this.sessions.touch(found.session.id);
    return found;
  }

  /** X-XSRF-TOKEN must equal the XSRF-TOKEN cookie and the session's stored token (constant time). */
  csrfMatches(storedCsrfToken: string, header: string | undefined, cookie: string | undefined): boolean {
    if (!header || !cookie) return false;
    return constantTimeEqual(header, cookie) && constantTimeEqual(header, storedCsrfToken);
  }

  delete(id: string): Promise<void> {
    return this.sessions.delete(id);
  }

  revokeAllOf(accountId: string, exceptId?: string | null): Promise<void> {
    return this.sessions.revokeAllOf(accountId, exceptId);
  }
}

// X-Forwarded-For is client input under TRUST_PROXY: only a real address may reach the inet column.
const isIp = (s: string): boolean => isIP(s) !== 0;
