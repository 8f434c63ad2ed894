import { Inject, Injectable } from '@nestjs/common';
import type { InviteEntity, MeshEntity } from '@claudemesh/database';
import {
  inviteTokenHash,
  inviteV1Canonical,
  joinSigningString,
  parseInviteV1Token,
  verifyDetached,
  type InviteV1Payload,
} from '@claudemesh/shared/crypto';
import { JoinV1Dto, type JoinV1Response } from '@claudemesh/shared/dto';
import { AuthService } from '../auth/auth.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MeshKeysService } from '../mesh/mesh-keys.service';
import { AdmissionService } from './admission.service';
import { validatePublicBody } from './invite-input';
import { inviteError, liveCheck } from './invite-lifecycle';
import { InviteRepository } from './invite.repository';
import { PublicRateLimitService } from './public-rate-limit.service';

export interface JoinRequest {
  body: unknown;
  ip: string | undefined;
  authorization: string | undefined;
}

/** A v1 token resolved to its row: signature checked first, then lookup (invites.md §3.3 steps 1–3, 5). */
export interface ResolvedV1 {
  token: string;
  payload: InviteV1Payload;
  invite: InviteEntity;
  mesh: MeshEntity;
}

/** v1 redemption, `POST /api/public/join` (invites.md §3.3). */
@Injectable()
export class InviteJoinService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly invites: InviteRepository,
    private readonly admission: AdmissionService,
    private readonly meshKeys: MeshKeysService,
    private readonly auth: AuthService,
    private readonly rateLimit: PublicRateLimitService,
  ) {}

  join(req: JoinRequest): Promise<JoinV1Response> {
    return this.admission.countRefusals('v1', () => this.run(req));
  }

  /** Step 1 (token only): the token decodes to a well-formed payload, else invite_malformed. */
  parseToken(token: unknown): InviteV1Payload {
    const payload = parseInviteV1Token(token);
    if (!payload) throw inviteError('invite_malformed', 'malformed');
    return payload;
  }

  /** Steps 2 and 3: the self-contained signature, then the lookup by token hash (v2 rows never match). */
  async lookup(token: string, payload: InviteV1Payload): Promise<{ invite: InviteEntity; mesh: MeshEntity }> {
    const { signature, ...unsigned } = payload;
    if (!verifyDetached(inviteV1Canonical(unsigned), signature, payload.owner_pubkey)) {
      throw inviteError('invite_bad_signature', 'signature');
    }
    const invite = await this.invites.findByTokenHash(inviteTokenHash(token));
    const mesh = invite ? await this.invites.findMesh(invite.meshId) : null;
    if (!invite || !mesh) throw inviteError('invite_not_found', 'not_found');
    return { invite, mesh };
  }

  /** Step 5: the payload must agree with the mesh and the row. */
  checkConsistency(payload: InviteV1Payload, invite: InviteEntity, mesh: MeshEntity): void {
    if (payload.owner_pubkey !== mesh.ownerPubkey) throw inviteError('invite_bad_signature', 'owner_mismatch');
    if (payload.mesh_id !== invite.meshId) throw inviteError('invite_bad_signature', 'mesh_mismatch');
    if (payload.role !== invite.role || payload.expires_at !== Math.floor(invite.expiresAt.getTime() / 1000)) {
      throw inviteError('invite_bad_signature', 'field_mismatch');
    }
  }

  private async run(req: JoinRequest): Promise<JoinV1Response> {
    const rawToken = isRecord(req.body) ? req.body['invite_token'] : undefined;
    await this.rateLimit.claim(req.ip, rawToken);
    const caller = await this.auth.authenticateOptionalBearer(req.authorization);

    // 1. input: token, other fields, proof
    if (!isRecord(req.body)) validatePublicBody(JoinV1Dto, req.body);
    const payload = this.parseToken(rawToken);
    const token = rawToken as string;
    const body = validatePublicBody(JoinV1Dto, req.body);
    const displayName = body.display_name.trim();
    if (!verifyDetached(joinSigningString(inviteTokenHash(token), body.peer_pubkey), body.proof, body.peer_pubkey)) {
      throw inviteError('invalid_proof', 'malformed');
    }

    // 2–3. signature, lookup
    const { invite, mesh } = await this.lookup(token, payload);

    // 4. lifecycle
    const dead = liveCheck(invite, mesh);
    if (dead) throw dead;
    const active = await this.admission.checkAdmissible(invite, body.peer_pubkey);

    // 5. consistency
    this.checkConsistency(payload, invite, mesh);

    const accountId = caller?.account.id ?? null;
    // 6. idempotency
    if (active) {
      await this.admission.linkIfUnlinked(active, accountId);
      return this.response(mesh, active.id, active.role, true, mesh.rootKeyEpoch);
    }
    // 7. admit
    const result = await this.admission.admit({ invite, mesh, peerPubkey: body.peer_pubkey, displayName, accountId, via: 'v1' });
    if (result.kind === 'already_member') {
      await this.admission.linkIfUnlinked(result.member, accountId);
      const { epoch } = await this.meshKeys.currentRootKey(mesh.id);
      return this.response(mesh, result.member.id, result.member.role, true, epoch);
    }
    return this.response(mesh, result.memberId, result.role, false, result.epoch);
  }

  private response(mesh: MeshEntity, memberId: string, role: 'admin' | 'member', already: boolean, epoch: number): JoinV1Response {
    return {
      member_id: memberId,
      mesh_id: mesh.id,
      mesh_name: mesh.name,
      role,
      already_member: already,
      broker_url: this.config.publicUrl,
      owner_pubkey: mesh.ownerPubkey,
      root_key_epoch: epoch,
    };
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
