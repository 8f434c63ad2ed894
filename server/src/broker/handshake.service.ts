import { Inject, Injectable, Logger } from '@nestjs/common';
import { helloSigningString, sha256Hex, verifyDetached } from '@claudemesh/shared/crypto';
import { parseHelloAuth, type ParsedHelloAuth } from '@claudemesh/shared/dto';
import { AckFailure, type ConnectErrorCode, type ConnectErrorData } from '@claudemesh/shared/errors';
import { PROTOCOL_VERSION, WELCOME_PEERS_MAX, type WelcomeEvent } from '@claudemesh/shared/protocol';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { KeyringService } from '../crypto/keyring.service';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceService, RegisterResult } from '../presence/presence.service';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { DeliveryService } from './delivery.service';
import { HandshakeRepository } from './handshake.repository';
import type { PeerContext } from './peer-context';
import { RootKeyService } from './root-key.service';

/** A failed handshake: surfaces as `connect_error` with `data = {code, message, …extra}` (protocol.md §4). */
export class HandshakeError extends Error {
  readonly data: ConnectErrorData;
  constructor(code: ConnectErrorCode, message: string, extra: { retryAfterMs?: number; serverTime?: number } = {}) {
    super(message);
    this.data = { code, message, ...extra };
  }
}

export interface HandshakeOk {
  ctx: PeerContext;
  welcome: WelcomeEvent;
  registration: RegisterResult | null;
}

const CAPACITY_RETRY_MS = 5_000;

/** The ordered checks 0–8 of protocol.md §4, then registration (§5.1) and the welcome payload. */
@Injectable()
export class HandshakeService {
  private readonly logger = new Logger('handshake');

  constructor(
    private readonly repo: HandshakeRepository,
    private readonly presence: PresenceService,
    private readonly delivery: DeliveryService,
    private readonly rootKeys: RootKeyService,
    private readonly rateLimiter: RateLimiterService,
    private readonly keyring: KeyringService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async handshake(rawAuth: unknown, ip: string, socketId: string, nodeId: string): Promise<HandshakeOk> {
    try {
      const ok = await this.run(rawAuth, ip, socketId, nodeId);
      this.metrics.peerHandshakesTotal.inc({ result: 'ok' });
      return ok;
    } catch (e) {
      const err = e instanceof HandshakeError ? e : this.internal(e);
      this.metrics.peerHandshakesTotal.inc({ result: err.data.code });
      throw err;
    }
  }

  private internal(e: unknown): HandshakeError {
    this.logger.error({ err: e instanceof Error ? e.stack : String(e) }, 'handshake failed unexpectedly');
    return new HandshakeError('internal', 'The connection could not be registered; retry later', { retryAfterMs: 1000 });
  }

  private async run(rawAuth: unknown, ip: string, socketId: string, nodeId: string): Promise<HandshakeOk> {
    // 0. rate limits per client IP and per pubkey
    const ipLimit = this.config.handshakeRatePerIpPerMin;
    const byIp = await this.rateLimiter.consume('handshake_ip', ip, ipLimit, ipLimit);
    if (!byIp.ok) throw new HandshakeError('rate_limited', 'Too many handshakes from this address', { retryAfterMs: byIp.retryAfterMs });
    const rawPubkey = (rawAuth as { pubkey?: unknown } | null)?.pubkey;
    if (typeof rawPubkey === 'string' && rawPubkey.length <= 128) {
      const pkLimit = this.config.handshakeRatePerPubkeyPerMin;
      const byKey = await this.rateLimiter.consume('handshake_pubkey', rawPubkey, pkLimit, pkLimit);
      if (!byKey.ok) throw new HandshakeError('rate_limited', 'Too many handshakes for this key', { retryAfterMs: byKey.retryAfterMs });
    }
    // 1. shape
    let auth: ParsedHelloAuth;
    try {
      auth = parseHelloAuth(rawAuth);
    } catch (e) {
      throw new HandshakeError('malformed', e instanceof AckFailure ? e.message : 'auth is malformed');
    }
    // 2. clock skew (the exact bound passes)
    const now = Date.now();
    if (Math.abs(now - auth.timestamp) > this.config.handshakeSkewSeconds * 1000) {
      const s = Math.round(Math.abs(now - auth.timestamp) / 1000);
      throw new HandshakeError('timestamp_skew', `timestamp is ${s} s away from server time`, { serverTime: now });
    }
    // 3. signature
    if (!verifyDetached(helloSigningString(auth.meshId, auth.pubkey, auth.sessionId, auth.timestamp), auth.signature, auth.pubkey)) {
      throw new HandshakeError('bad_signature', 'signature does not verify for pubkey');
    }
    // 4. replay (shared by all nodes through PostgreSQL); 5. mesh; 6. membership — read concurrently, judged in order
    const replayKey = sha256Hex(`${auth.pubkey}|${auth.timestamp}|${auth.signature}`);
    const [fresh, row] = await Promise.all([
      this.repo.insertReplay(replayKey, 2 * this.config.handshakeSkewSeconds),
      this.repo.findMeshMember(auth.meshId, auth.pubkey),
    ]);
    if (!fresh) throw new HandshakeError('replay', 'this auth was already used; sign a new timestamp');
    if (!row || row.archived_at) throw new HandshakeError('mesh_not_found', 'mesh not found');
    if (!row.member_id || row.revoked_at) throw new HandshakeError('unauthorized', 'this key is not a member of the mesh');
    const memberId = row.member_id;
    // 7. capacity (never for a live session's reattach, never for passive connections)
    if (!auth.passive) {
      const cap = await this.repo.capacity(auth.meshId, memberId, auth.sessionId);
      if (!cap.hasLive && (cap.mesh >= this.config.maxConnectionsPerMesh || cap.member >= this.config.maxSessionsPerMember)) {
        throw new HandshakeError('capacity', 'too many sessions are connected', { retryAfterMs: CAPACITY_RETRY_MS });
      }
    }
    // 8. registration
    const displayName = auth.displayName ?? row.member_display_name!;
    let registration: RegisterResult | null = null;
    if (!auth.passive) {
      registration = await this.presence.register(
        { meshId: auth.meshId, memberId, sessionId: auth.sessionId, nodeId, socketId, displayName, pid: auth.pid ?? null, cwd: auth.cwd ?? null },
        auth.groups,
      );
    } else if (auth.groups) {
      await this.presence.setGroups(memberId, auth.groups);
    }
    const presenceId = registration?.presence.id ?? null;
    let welcomeParts;
    try {
      welcomeParts = await Promise.all([
        this.rootKeys.sealed(auth.meshId, row.root_key_epoch, auth.pubkey),
        this.presence.listPeers(auth.meshId, memberId, { includeOffline: false, limit: WELCOME_PEERS_MAX, cursor: null }),
        this.delivery.countQueued(memberId),
      ]);
    } catch (e) {
      // The socket will never connect: do not leave a presence that claims to be connected.
      if (presenceId) await this.presence.onDisconnect(presenceId, socketId, 'grace').catch(() => undefined);
      throw e;
    }
    const [rootKey, list, queued] = welcomeParts;
    const ctx: PeerContext = {
      meshId: auth.meshId,
      memberId,
      pubkey: auth.pubkey,
      sessionId: auth.sessionId,
      presenceId,
      passive: auth.passive,
      displayName,
      role: row.role!,
      joinedKeyEpoch: row.joined_key_epoch ?? 1,
    };
    const welcome: WelcomeEvent = {
      protocol: PROTOCOL_VERSION as 1,
      meshId: auth.meshId,
      meshName: row.mesh_name,
      memberId,
      role: row.role!,
      presenceId,
      sessionId: auth.sessionId,
      reattached: registration !== null && registration.kind !== 'new',
      hookToken: presenceId ? this.keyring.makeHookToken(presenceId) : null,
      rootKey,
      peers: list.peers,
      peerCount: list.total,
      queued,
      limits: { maxMessageBytes: this.config.maxMessageBytes, claimLeaseSeconds: this.config.claimLeaseSeconds, maxInflight: this.config.maxInflightPerSession },
      serverTime: Date.now(),
    };
    return { ctx, welcome, registration };
  }
}
