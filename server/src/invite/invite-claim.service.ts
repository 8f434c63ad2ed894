import { Inject, Injectable } from '@nestjs/common';
import type { MemberEntity } from '@claudemesh/database';
import {
  claimSigningString,
  fromBase64Url,
  inviteV2Canonical,
  sealToX25519,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import { ClaimInviteDto, type ClaimInviteResponse } from '@claudemesh/shared/dto';
import { AuthService } from '../auth/auth.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MeshKeysService } from '../mesh/mesh-keys.service';
import { MetricsService } from '../metrics/metrics.service';
import { AdmissionService } from './admission.service';
import { assertCode, validatePublicBody } from './invite-input';
import { inviteError, liveCheck } from './invite-lifecycle';
import { InviteRepository } from './invite.repository';
import { PublicRateLimitService } from './public-rate-limit.service';

type ClaimBase = Omit<ClaimInviteResponse, 'sealed_root_key' | 'member_id' | 'role' | 'already_member' | 'root_key_epoch'>;

export interface ClaimRequest {
  code: string;
  body: unknown;
  ip: string | undefined;
  authorization: string | undefined;
}

/** The v2 claim (invites.md §4.3), checks in the contract's order; no use is counted before all of them pass. */
@Injectable()
export class InviteClaimService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invites: InviteRepository,
    private readonly admission: AdmissionService,
    private readonly meshKeys: MeshKeysService,
    private readonly auth: AuthService,
    private readonly rateLimit: PublicRateLimitService,
    private readonly metrics: MetricsService,
  ) {}

  claim(req: ClaimRequest): Promise<ClaimInviteResponse> {
    return this.admission.countRefusals('v2', () => this.run(req));
  }

  private async run(req: ClaimRequest): Promise<ClaimInviteResponse> {
    await this.rateLimit.claim(req.ip, req.code);
    const caller = await this.auth.authenticateOptionalBearer(req.authorization);

    // 1. input: code, body, proof
    const code = assertCode(req.code);
    const body = validatePublicBody(ClaimInviteDto, req.body);
    const displayName = body.display_name.trim();
    if (!verifyDetached(claimSigningString(code, body.recipient_x25519_pubkey), body.proof, body.peer_pubkey)) {
      throw inviteError('invalid_proof', 'malformed');
    }
    const recipient = fromBase64Url(body.recipient_x25519_pubkey) as Uint8Array;

    // 2. lookup
    const invite = await this.invites.findByCode(code);
    if (!invite) throw inviteError('invite_not_found', 'not_found');
    const mesh = await this.invites.findMesh(invite.meshId);
    if (!mesh) throw inviteError('invite_not_found', 'not_found');

    // 3. lifecycle outranks the signature
    const dead = liveCheck(invite, mesh);
    if (dead) throw dead;
    if (Number(invite.version) !== 2) throw inviteError('invite_version_mismatch', 'version_mismatch');
    const active = await this.admission.checkAdmissible(invite, body.peer_pubkey);

    // 4. the stored canonical must match the row and the current owner key, and verify
    const rebuilt = inviteV2Canonical({
      meshId: mesh.id,
      inviteId: invite.id,
      expiresAtUnix: Math.floor(invite.expiresAt.getTime() / 1000),
      role: invite.role,
      ownerPubkey: mesh.ownerPubkey,
    });
    const canonical = invite.canonicalV2 ?? '';
    if (canonical !== rebuilt || !verifyDetached(canonical, invite.signatureV2 ?? '', mesh.ownerPubkey)) {
      throw inviteError('invite_bad_signature', 'bad_signature');
    }

    const base: ClaimBase = {
      mesh_id: mesh.id,
      mesh_name: mesh.name,
      owner_pubkey: mesh.ownerPubkey,
      canonical_v2: canonical,
      signature: invite.signatureV2 as string,
      broker_url: this.config.publicUrl,
    };
    const accountId = caller?.account.id ?? null;

    // 5. idempotent for an active member: no slot, sealed to the new recipient key
    if (active) return this.alreadyMember(active, recipient, accountId, base);

    // 6. admit
    const result = await this.admission.admit({
      invite,
      mesh,
      peerPubkey: body.peer_pubkey,
      displayName,
      accountId,
      via: 'v2',
      seal: (rootKey) => sealToX25519(rootKey, recipient),
    });
    if (result.kind === 'already_member') return this.alreadyMember(result.member, recipient, accountId, base);
    return this.response(result.sealed as string, base, result.memberId, result.role, false, result.epoch);
  }

  private async alreadyMember(
    member: MemberEntity,
    recipient: Uint8Array,
    accountId: string | null,
    base: ClaimBase,
  ): Promise<ClaimInviteResponse> {
    await this.admission.linkIfUnlinked(member, accountId);
    const { epoch, key } = await this.meshKeys.currentRootKey(member.meshId);
    this.metrics.inviteClaimsTotal.inc({ version: 'v2', result: 'already_member' });
    return this.response(sealToX25519(key, recipient), base, member.id, member.role, true, epoch);
  }

  /** The 200 body, keys in the contract's order. */
  private response(sealed: string, base: ClaimBase, memberId: string, role: 'admin' | 'member', already: boolean, epoch: number): ClaimInviteResponse {
    return {
      sealed_root_key: sealed,
      mesh_id: base.mesh_id,
      mesh_name: base.mesh_name,
      member_id: memberId,
      role,
      already_member: already,
      root_key_epoch: epoch,
      owner_pubkey: base.owner_pubkey,
      canonical_v2: base.canonical_v2,
      signature: base.signature,
      broker_url: base.broker_url,
    };
  }
}
