import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AdminAccountResponse, CreateAccountDto, ListAccountsQueryDto, Page, UpdateAccountDto } from '@claudemesh/shared/dto';
import { PAGE_LIMIT_DEFAULT } from '@claudemesh/shared/dto';
import { generateId } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { AccountRepository } from './account.repository';
import type { AuthContext } from './auth-context';
import { toAdminAccountResponse } from './auth.mapper';
import { decodeCursor, pageOf } from './cursor';
import { PasswordService } from './password.service';
import { SessionRepository } from './session.repository';
import { TokenRepository } from './token.repository';

/** Instance administration (api.md §2.2). Non-admins get 404, as if the endpoints did not exist. */
@Injectable()
export class AdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly accounts: AccountRepository,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionRepository,
    private readonly tokens: TokenRepository,
  ) {}

  requireInstanceAdmin(auth: AuthContext): void {
    if (!auth.account.isAdmin) throw new AppError('not_found', 'No such resource');
  }

  async list(auth: AuthContext, q: ListAccountsQueryDto): Promise<Page<AdminAccountResponse>> {
    this.requireInstanceAdmin(auth);
    const limit = q.limit ?? PAGE_LIMIT_DEFAULT;
    const rows = await this.accounts.list({ q: q.q || undefined, limit: limit + 1, afterId: decodeCursor(q.cursor) });
    return pageOf(rows, limit, toAdminAccountResponse);
  }

  async create(auth: AuthContext, dto: CreateAccountDto): Promise<AdminAccountResponse> {
    this.requireInstanceAdmin(auth);
    const passwordHash = await this.passwords.hash(dto.password);
    const account = await this.dataSource.transaction(async (manager) => {
      await this.accounts.lockAccountCreation(manager);
      if (await this.accounts.findByEmail(dto.email, manager)) throw new AppError('email_taken', 'An account already uses that email.');
      return this.accounts.insert(manager, {
        id: generateId(),
        email: dto.email,
        displayName: dto.displayName,
        passwordHash,
        isAdmin: dto.isAdmin ?? false,
      });
    });
    return toAdminAccountResponse(account);
  }

  /** Disabling revokes every session and PAT; the instance can never be left without an active admin. */
  async update(auth: AuthContext, id: string, dto: UpdateAccountDto): Promise<AdminAccountResponse> {
    this.requireInstanceAdmin(auth);
    const account = await this.dataSource.transaction(async (manager) => {
      await this.accounts.lockAccountCreation(manager);
      const target = await this.accounts.findById(id, manager);
      if (!target) throw new AppError('not_found', 'No such resource');
      const isAdmin = dto.isAdmin ?? target.isAdmin;
      const disabled = dto.disabled ?? target.disabledAt !== null;
      const changes = isAdmin !== target.isAdmin || disabled !== (target.disabledAt !== null);
      if (changes && target.id === auth.account.id) {
        throw new AppError('cannot_modify_self', 'You cannot change your own admin flag or disable yourself.');
      }
      const wasActiveAdmin = target.isAdmin && target.disabledAt === null;
      const staysActiveAdmin = isAdmin && !disabled;
      if (wasActiveAdmin && !staysActiveAdmin && (await this.accounts.countActiveAdmins(manager)) <= 1) {
        throw new AppError('last_admin', 'This change would leave the instance without an active admin.');
      }
      const disabledAt = disabled ? (target.disabledAt ?? new Date()) : null;
      await this.accounts.update(id, { isAdmin, disabledAt }, manager);
      if (disabled && target.disabledAt === null) {
        await this.sessions.revokeAllOf(id, null, manager);
        await this.tokens.revokeAllOf(id, manager);
      }
      return { ...target, isAdmin, disabledAt };
    });
    return toAdminAccountResponse(account);
  }
}
