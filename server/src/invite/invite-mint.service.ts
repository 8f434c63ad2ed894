import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { advisoryKey, type MeshEntity } from '@claudemesh/database';
import {
  buildInviteV1Token,
  generateId,
  generateShortCode,
  inviteTokenHash,
  inviteV2Canonical,
  signDetached,
  toBase64Url,
  AtRestContext,
} from '@claudemesh/shared/crypto';
import type { CreateInviteDto, CreateInviteResponse } from '@claudemesh/shared/dto';
import { AppError } from '@claudemesh/shared/errors';
import { AuditService } from '../audit/audit.service';
import { accountActor, type AuthContext } from '../auth/auth-context';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyringService } from '../crypto/keyring.service';
import { MailOutboxService } from '../mail/mail-outbox.service';
import { toMailInfo } from '../mail/mail.mapper';
import { MeshAccessService } from '../mesh/mesh-access.service';
import { MeshKeysService } from '../mesh/mesh-keys.service';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { RealtimeService } from '../realtime/realtime.service';
import { cliCommandOf, installCommandOf, joinUrlOf, shortUrlOf } from './invite-links';
import { toInviteResponse } from './invite.mapper';
import { InviteRepository, type NewInviteRow } from './invite.repository';
import { PendingInviteRepository } from './pending-invite.repository';


/** invites.md §2: a colliding code is redrawn up to 5 times in the same transaction. */
export const CODE_ATTEMPTS = 5;
const DAY_SECONDS = 86_400;
/** api.md §5 / security.md §5: 60 invites per hour per account, 50 emails per hour per mesh. */
const MINT_PER_HOUR = 60;
const EMAILS_PER_HOUR = 50;

/** Minting (invites.md §4.2, §3, §9): signed, stored, mailed and audited in one transaction. */
@Injectable()
export class InviteMintService {
  /** Tests replace this to force code collisions. */
  codeGenerator: () => string = generateShortCode;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly invites: InviteRepository,
    private readonly pending: PendingInviteRepository,
    private readonly meshAccess: MeshAccessService,
    private readonly meshKeys: MeshKeysService,
    private readonly keyring: KeyringService,
    private readonly audit: AuditService,
    private readonly mail: MailOutboxService,
    private readonly limiter: RateLimiterService,
    private readonly realtime: RealtimeService,
  ) {}

  async create(auth: AuthContext, meshId: string, dto: CreateInviteDto): Promise<CreateInviteResponse> {
    const { mesh } = await this.meshAccess.require(auth, meshId, 'admin', { write: true });
    const version = dto.version ?? 2;
    const email = dto.email ?? null;
    if (version === 1 && email !== null) {
      const message = 'email invites are always v2';
      throw new AppError('validation_failed', message, { fields: [{ field: 'version', message }] });
    }
    if (version === 1 && !this.config.allowV1Invites) throw new AppError('v1_invites_disabled', 'Minting v1 invites is turned off.');
    await this.take('invite-mint', auth.account.id, MINT_PER_HOUR);
    if (email !== null) await this.take('invite-mail', mesh.id, EMAILS_PER_HOUR);

    const input: MintInput = {
      mesh,
      version,
      role: dto.role ?? 'member',
      maxUses: dto.maxUses ?? 1,
      expiresAtUnix: Math.floor(Date.now() / 1000) + (dto.expiresInDays ?? 7) * DAY_SECONDS,
      email,
      auth,
    };
    const rootKey = version === 1 ? await this.meshKeys.currentRootKey(mesh.id) : null;
    const minted = await this.dataSource.transaction((m) => this.mintInTransaction(m, input, rootKey?.key ?? null));
    this.realtime.emitUi(mesh.id, 'invites_changed', { meshId: mesh.id }, { adminOnly: true });
    return minted;
  }

  private async mintInTransaction(m: EntityManager, x: MintInput, rootKey: Uint8Array | null): Promise<CreateInviteResponse> {
    const { mesh } = x;
    if (x.email !== null) {
      await this.pending.lockAddress(m, advisoryKey(`claudemesh:pending-invite:${mesh.id}:${x.email}`));
      const live = await this.pending.findLive(m, mesh.id, x.email);
      if (live) throw new AppError('invite_already_pending', 'An invite is already pending for this address.', { inviteId: live });
    }
    const id = generateId();
    const ownerSk = this.meshKeys.ownerSecretKeyHex(mesh);
    const row: NewInviteRow = {
      id,
      meshId: mesh.id,
      version: x.version,
      role: x.role,
      maxUses: x.maxUses,
      expiresAt: new Date(x.expiresAtUnix * 1000),
      canonicalV2: null,
      signatureV2: null,
      tokenHash: null,
      tokenEnc: null,
      createdByAccountId: x.auth.account.id,
    };
    let token: string | null = null;
    if (x.version === 2) {
      row.canonicalV2 = inviteV2Canonical({ meshId: mesh.id, inviteId: id, expiresAtUnix: x.expiresAtUnix, role: x.role, ownerPubkey: mesh.ownerPubkey });
      row.signatureV2 = signDetached(row.canonicalV2, ownerSk);
    } else {
      token = await this.uniqueV1Token(m, x, rootKey as Uint8Array, ownerSk, row);
      row.tokenHash = inviteTokenHash(token);
      row.tokenEnc = this.keyring.encrypt(AtRestContext.v1Token(id), token);
    }
    const code = await this.invites.insertWithFreshCode(m, row, this.codeGenerator, CODE_ATTEMPTS);
    if (code === null) throw new AppError('internal_error', 'Could not allocate an invite code.');
    const shortUrl = shortUrlOf(this.config.publicUrl, code);

    let mailRow = null;
    if (x.email !== null) {
      const pendingId = generateId();
      await this.pending.insert(m, { id: pendingId, meshId: mesh.id, inviteId: id, email: x.email, createdByAccountId: x.auth.account.id });
      mailRow = await this.mail.queueInviteMail(m, {
        meshId: mesh.id,
        inviteId: id,
        pendingInviteId: pendingId,
        to: x.email,
        meshName: mesh.name,
        inviterName: x.auth.account.displayName,
        role: x.role,
        expiresAt: row.expiresAt,
        shortUrl,
        cliCommand: cliCommandOf(shortUrl),
        installCommand: installCommandOf(this.config.publicUrl),
      });
    }
    await this.audit.append(m, mesh.id, [
      {
        type: 'invite.created',
        actor: accountActor(x.auth),
        data: { inviteId: id, version: x.version, role: x.role, maxUses: x.maxUses, expiresAt: row.expiresAt.toISOString(), byEmail: x.email !== null },
      },
    ]);

    const listRow = await this.invites.findListRow(mesh.id, id, m);
    const base = toInviteResponse(listRow!, this.config.publicUrl);
    const out: CreateInviteResponse = { ...base, cliCommand: cliCommandOf(shortUrl) };
    if (x.version === 2) {
      out.canonicalV2 = row.canonicalV2!;
      out.signature = row.signatureV2!;
      out.ownerPubkey = mesh.ownerPubkey;
    } else {
      out.token = token!;
      out.joinUrl = joinUrlOf(this.config.publicUrl, token!);
    }
    if (mailRow) out.mail = toMailInfo(mailRow);
    return out;
  }

  /**
   * A v1 token has no nonce: two v1 invites of one mesh with the same role and expiry second would be the same token.
   * Under a per-mesh lock, a colliding expiry is moved one second earlier until the token is new.
   */
  private async uniqueV1Token(m: EntityManager, x: MintInput, rootKey: Uint8Array, ownerSk: string, row: NewInviteRow): Promise<string> {
    await this.pending.lockAddress(m, advisoryKey(`claudemesh:v1-mint:${x.mesh.id}`));
    for (let shift = 0; shift < 60; shift++) {
      const expiresAt = x.expiresAtUnix - shift;
      const { token } = buildInviteV1Token(
        {
          v: 1,
          mesh_id: x.mesh.id,
          mesh_slug: x.mesh.slug,
          broker_url: this.config.publicUrl,
          expires_at: expiresAt,
          mesh_root_key: toBase64Url(rootKey),
          role: x.role,
          owner_pubkey: x.mesh.ownerPubkey,
        },
        ownerSk,
      );
      if (!(await this.invites.tokenHashExists(m, inviteTokenHash(token)))) {
        row.expiresAt = new Date(expiresAt * 1000);
        return token;
      }
    }
    throw new AppError('internal_error', 'Could not mint a unique v1 token.');
  }

  private async take(scope: string, key: string, perHour: number): Promise<void> {
    const r = await this.limiter.consume(scope, key, perHour, perHour / 60);
    if (!r.ok) throw new AppError('rate_limited', 'Too many invites; try again later', { retryAfterMs: r.retryAfterMs });
  }
}

interface MintInput {
  mesh: MeshEntity;
  version: 1 | 2;
  role: 'admin' | 'member';
  maxUses: number;
  expiresAtUnix: number;
  email: string | null;
  auth: AuthContext;
}
