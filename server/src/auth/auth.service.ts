import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AccountEntity } from '@claudemesh/database';
import type { ChangePasswordDto, LoginDto, PublicConfigResponse, SignupDto } from '@claudemesh/shared/dto';
import { constantTimeEqual, generateId, sha256Hex } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { AccountRepository } from './account.repository';
import type { AuthContext } from './auth-context';
import { PasswordService } from './password.service';
import { NewSession, SessionService } from './session.service';
import { TokenService } from './token.service';

export interface ClientMeta {
  ip: string;
  userAgent?: string | null;
  /** The cm_session cookie the client already had, revoked at login (session rotation). */
  previousToken?: string;
}

export interface CredentialInput {
  authorization?: string;
  sessionCookie?: string;
}

// security.md §5
const SIGNUP_PER_IP = { capacity: 5, perMin: 5 / 60 };
const LOGIN_PER_IP = { capacity: 30, perMin: 2 };
const LOGIN_FAILURES_PER_EMAIL = { capacity: 10, perMin: 10 / 15 };
const REST_PER_PRINCIPAL = { capacity: 600, perMin: 600 };

const VERSION = '1.0.0';

/** Accounts, logins and credential resolution (api.md §1.2, §2). */
@Injectable()
export class AuthService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountRepository,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly tokens: TokenService,
    private readonly rateLimiter: RateLimiterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async publicConfig(): Promise<PublicConfigResponse> {
    return {
      version: VERSION,
      allowSignup: this.config.allowSignup,
      needsSetup: (await this.accounts.count()) === 0,
      v1InvitesEnabled: this.config.allowV1Invites,
      publicUrl: this.config.publicUrl,
    };
  }

  /** The first account needs the setup token and becomes instance admin, decided under an advisory lock. */
  async signup(dto: SignupDto, meta: ClientMeta): Promise<{ account: AccountEntity; session: NewSession }> {
    await this.limit('signup', meta.ip, SIGNUP_PER_IP);
    const passwordHash = await this.passwords.hash(dto.password);
    const account = await this.dataSource.transaction(async (manager) => {
      await this.accounts.lockAccountCreation(manager);
      const first = (await this.accounts.count(manager)) === 0;
      if (first) {
        const stored = await this.accounts.setupTokenHash(manager);
        if (!stored || !dto.setupToken || !constantTimeEqual(sha256Hex(dto.setupToken), stored)) {
          throw new AppError('setup_token_invalid', 'The setup token is missing or wrong; use the one printed at server startup.');
        }
      } else if (!this.config.allowSignup) {
        throw new AppError('signup_disabled', 'Sign-up is closed on this server; ask an administrator for an account.');
      }
      if (await this.accounts.findByEmail(dto.email, manager)) throw new AppError('email_taken', 'An account already uses that email.');
      const created = await this.accounts.insert(manager, {
        id: generateId(),
        email: dto.email,
        passwordHash,
        displayName: dto.displayName,
        isAdmin: first,
        lastLoginAt: new Date(),
      });
      if (first) await this.accounts.clearSetupToken(manager);
      return created;
    });
    const session = await this.sessions.create(account.id, meta);
    return { account, session };
  }

  /** Unknown email and wrong password: the same 401 in the same time (argon2 runs against a dummy hash). */
  async login(dto: LoginDto, meta: ClientMeta): Promise<{ account: AccountEntity; session: NewSession }> {
    await this.limit('login-ip', meta.ip, LOGIN_PER_IP);
    // Every attempt takes a token from the email's failure bucket; a success gives it back (cost -1).
    await this.limit('login-email', dto.email, LOGIN_FAILURES_PER_EMAIL);
    const account = await this.accounts.findByEmail(dto.email);
    const ok = await this.passwords.verify(account?.passwordHash ?? null, dto.password);
    if (!account || !ok) throw new AppError('invalid_credentials', 'Wrong email or password.');
    await this.rateLimiter.consume('login-email', dto.email, LOGIN_FAILURES_PER_EMAIL.capacity, LOGIN_FAILURES_PER_EMAIL.perMin, -1);
    if (account.disabledAt) throw new AppError('account_disabled', 'This account is disabled.');
    await this.accounts.update(account.id, { lastLoginAt: new Date() });
    const session = await this.sessions.create(account.id, meta);
    return { account, session };
  }

  async logout(auth: AuthContext): Promise<void> {
    if (auth.sessionId) await this.sessions.delete(auth.sessionId);
  }

  /** Revokes every other session of the account. */
  async changePassword(auth: AuthContext, dto: ChangePasswordDto): Promise<void> {
    const account = await this.accounts.findById(auth.account.id);
    if (!account || !(await this.passwords.verify(account.passwordHash, dto.currentPassword))) {
      throw new AppError('invalid_credentials', 'The current password is wrong.');
    }
    await this.accounts.update(account.id, { passwordHash: await this.passwords.hash(dto.newPassword), passwordChangedAt: new Date() });
    await this.sessions.revokeAllOf(account.id, auth.sessionId);
  }

  /**
   * Resolves the caller from a bearer PAT (preferred when present) or the session cookie.
   * Throws 401 unauthenticated when the credential is missing or not usable.
   */
  async authenticate(input: CredentialInput): Promise<AuthContext> {
    if (input.authorization !== undefined) {
      const ctx = await this.authenticateOptionalBearer(input.authorization);
      if (ctx) return { ...ctx, csrfToken: null };
    }
    if (input.sessionCookie) {
      const found = await this.sessions.resolve(input.sessionCookie);
      if (found) return { account: found.account, via: 'session', sessionId: found.session.id, tokenId: null, csrfToken: found.session.csrfToken };
    }
    throw unauthenticated();
  }

  /** For claim/join: null when there is no Authorization header; 401 when there is one that is not a live PAT. */
  async authenticateOptionalBearer(authorizationHeader?: string): Promise<AuthContext | null> {
    if (authorizationHeader === undefined || authorizationHeader === '') return null;
    const m = /^Bearer (\S+)$/i.exec(authorizationHeader.trim());
    const found = m ? await this.tokens.resolve(m[1]) : null;
    if (!found) throw unauthenticated();
    return { account: found.account, via: 'token', sessionId: null, tokenId: found.token.id };
  }

  /** Other authenticated REST: 600/min per account (sessions) or per PAT. */
  async limitRest(auth: AuthContext): Promise<void> {
    const key = auth.via === 'token' ? `pat:${auth.tokenId}` : `account:${auth.account.id}`;
    await this.limit('rest', key, REST_PER_PRINCIPAL);
  }

  private async limit(scope: string, key: string, l: { capacity: number; perMin: number }): Promise<void> {
    const r = await this.rateLimiter.consume(scope, key, l.capacity, l.perMin);
    if (!r.ok) throw new AppError('rate_limited', 'Too many requests; try again later.', { retryAfterMs: r.retryAfterMs });
  }
}

const unauthenticated = (): AppError => new AppError('unauthenticated', 'Sign in or send a valid access token.');
