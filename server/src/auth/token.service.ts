import { Injectable } from '@nestjs/common';
import type { AccountEntity, PersonalAccessTokenEntity } from '@claudemesh/database';
import type { CreatedTokenResponse, CreateTokenDto, Page, TokenResponse } from '@claudemesh/shared/dto';
import { generateId, randomBase62, sha256Hex } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { decodeCursor, pageOf } from './cursor';
import { toTokenResponse } from './auth.mapper';
import { TokenRepository } from './token.repository';

export const PAT_PATTERN = /^cmpat_[0-9A-Za-z]{40}$/;

/** Personal access tokens: `cmpat_` + 40 base62, stored as SHA-256 with a 12-char prefix (api.md §2.1). */
@Injectable()
export class TokenService {
  constructor(private readonly tokens: TokenRepository) {}

  async create(accountId: string, dto: CreateTokenDto): Promise<CreatedTokenResponse> {
    const token = `cmpat_${randomBase62(40)}`;
    const days = dto.expiresInDays ?? null;
    const row = await this.tokens.insert({
      id: generateId(),
      accountId,
      name: dto.name,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, 12),
      expiresAt: days === null ? null : new Date(Date.now() + days * 86_400_000),
    });
    return { ...toTokenResponse(row), token, expiresAt: row.expiresAt?.toISOString() ?? null } as CreatedTokenResponse;
  }

  async list(accountId: string, limit: number, cursor?: string): Promise<Page<TokenResponse>> {
    const rows = await this.tokens.list(accountId, limit + 1, decodeCursor(cursor));
    return pageOf(rows, limit, toTokenResponse);
  }

  /** Idempotent for the owner; another account's or an unknown token is 404. */
  async revoke(accountId: string, id: string): Promise<void> {
    const row = await this.tokens.findOwned(id, accountId);
    if (!row) throw new AppError('not_found', 'No such resource');
    await this.tokens.revoke(id);
  }

  /** The live token and its account, or null. */
  async resolve(token: string): Promise<{ token: PersonalAccessTokenEntity; account: AccountEntity } | null> {
    if (!PAT_PATTERN.test(token)) return null;
    const found = await this.tokens.findLive(sha256Hex(token));
    if (found) await this.tokens.touch(found.token.id);
    return found;
  }

  revokeAllOf(accountId: string): Promise<void> {
    return this.tokens.revokeAllOf(accountId);
  }
}
