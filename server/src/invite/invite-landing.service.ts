import { Inject, Injectable } from '@nestjs/common';
import type { InviteEntity, MeshEntity } from '@claudemesh/database';
import { AtRestContext, CODE_PATTERN, fromUtf8 } from '@claudemesh/shared/crypto';
import type { InviteCodeResolution, InviteLandingResponse } from '@claudemesh/shared/dto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyringService } from '../crypto/keyring.service';
import { assertCode } from './invite-input';
import { inviteError, landingStatus, lifecycleError } from './invite-lifecycle';
import { InviteJoinService } from './invite-join.service';
import { toLandingResponse } from './invite.mapper';
import { InviteRepository } from './invite.repository';
import { PublicRateLimitService } from './public-rate-limit.service';

/** The public reads (invites.md §5, §8): consent landing data, the code resolver and the /i/:code redirect. */
@Injectable()
export class InviteLandingService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invites: InviteRepository,
    private readonly join: InviteJoinService,
    private readonly keyring: KeyringService,
    private readonly rateLimit: PublicRateLimitService,
  ) {}

  /** `ref` is a code when it matches the code pattern, otherwise a v1 token (§3.3 steps 1 token only, 2, 3, 5). */
  async landing(ref: string, ip: string | undefined): Promise<InviteLandingResponse> {
    await this.rateLimit.publicGet(ip);
    const { invite, mesh } = CODE_PATTERN.test(ref) ? await this.byCode(ref) : await this.byToken(ref);
    const [inviterName, counts] = await Promise.all([
      this.invites.accountDisplayName(invite.createdByAccountId),
      this.invites.memberCounts(mesh.id),
    ]);
    return toLandingResponse(invite, mesh, inviterName, counts, this.config.publicUrl);
  }

  /** `GET /api/public/invite-code/:code`: the v1 token (or the code for v2) of a valid invite; never a dead token. */
  async resolveCode(code: string, ip: string | undefined): Promise<InviteCodeResolution> {
    await this.rateLimit.publicGet(ip);
    const { invite, mesh } = await this.byCode(assertCode(code));
    const status = landingStatus(invite, mesh);
    if (status !== 'valid') throw lifecycleError(status);
    return Number(invite.version) === 1
      ? { token: this.v1Token(invite), version: 1 }
      : { token: invite.code as string, version: 2 };
  }

  /** `GET /i/:code` target: a valid v1 goes to its token, anything else to the landing with the code. */
  async redirectTarget(code: string, ip: string | undefined): Promise<string> {
    await this.rateLimit.publicGet(ip);
    const fallback = `/join/${encodeURIComponent(code)}`;
    if (!CODE_PATTERN.test(code)) return fallback;
    const invite = await this.invites.findByCode(code);
    const mesh = invite ? await this.invites.findMesh(invite.meshId) : null;
    if (!invite || !mesh || Number(invite.version) !== 1 || landingStatus(invite, mesh) !== 'valid') return fallback;
    return `/join/${this.v1Token(invite)}`;
  }

  private async byCode(code: string): Promise<{ invite: InviteEntity; mesh: MeshEntity }> {
    const invite = await this.invites.findByCode(code);
    const mesh = invite ? await this.invites.findMesh(invite.meshId) : null;
    if (!invite || !mesh) throw inviteError('invite_not_found', 'not_found');
    return { invite, mesh };
  }

  private async byToken(token: string): Promise<{ invite: InviteEntity; mesh: MeshEntity }> {
    const payload = this.join.parseToken(token);
    const found = await this.join.lookup(token, payload);
    this.join.checkConsistency(payload, found.invite, found.mesh);
    return found;
  }

  private v1Token(invite: InviteEntity): string {
    return fromUtf8(this.keyring.decrypt(AtRestContext.v1Token(invite.id), invite.tokenEnc as string));
  }
}
