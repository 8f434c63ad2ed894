import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AckFailure } from '@claudemesh/shared/errors';
import type { AckResult, MessageEvent } from '@claudemesh/shared/protocol';
import type { TargetKind } from '@claudemesh/shared/dto';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { PeerSocket, RealtimeService } from '../realtime/realtime.service';
import { ClaimedRow, DeliveryRepository } from './delivery.repository';
import type { WriteClaimCandidate } from './message.repository';
import { MicroBatcher } from './micro-batcher';

const CLAIM_BATCH = 100;
const CLAIM_CONCURRENCY = 3;
const CLAIM_SESSIONS_PER_STATEMENT = 200;

interface DrainState {
  /** A claim for this socket is in flight. */
  running: boolean;
  /** Nudged while running: claim again afterwards. */
  again: boolean;
  /** Waiting for the next claim statement. */
  queued: boolean;
  /** Ids pushed to this socket and not acked by it: a cheap estimate of its inflight claims. */
  pushed: Set<string>;
  /** Rows claimed on write while a claim was running: pushed after that claim's rows, in seq order. */
  deferred: MessageEvent[];
}

interface AckItem {
  memberId: string;
  messageIds: string[];
}

/**
 * Pushing deliveries to the sessions this node holds (protocol.md §6 items 4–7): one drain at a time per socket,
 * re-run when nudged meanwhile, so pushes to a socket follow claim (seq) order. Acks are batched across sockets.
 */
@Injectable()
export class DeliveryService implements OnModuleInit {
  private readonly logger = new Logger('delivery');
  private readonly states = new WeakMap<PeerSocket, DrainState>();
  private readonly acks: MicroBatcher<AckItem, AckResult>;
  private readonly waiting = new Set<PeerSocket>();
  private claimsInflight = 0;
  private claimScheduled = false;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly realtime: RealtimeService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.acks = new MicroBatcher((items) => this.flushAcks(items), { maxItems: 200, maxConcurrent: 2, lingerMs: 2 });
  }

  onModuleInit(): void {
    this.realtime.setHandlers({ drainMembers: (ids) => this.drainMembers(ids) });
  }

  /** Drain every local, non-passive socket of these members. */
  drainMembers(memberIds: string[]): void {
    for (const memberId of memberIds) {
      for (const s of this.realtime.localSocketsOfMember(memberId)) this.drain(s);
    }
  }

  /**
   * Requests a drain of one socket. Drains of many sockets are claimed together in one statement (at most one socket
   * per member per statement); a socket has at most one claim in flight, and a nudge meanwhile re-queues it after.
   */
  drain(socket: PeerSocket): void {
    if (socket.data.passive || !socket.data.presenceId || !socket.connected) return;
    let st = this.states.get(socket);
    if (!st) this.states.set(socket, (st = { running: false, again: false, queued: false, pushed: new Set(), deferred: [] }));
    if (st.running) {
      st.again = true;
      return;
    }
    if (st.queued) return;
    st.queued = true;
    this.waiting.add(socket);
    this.scheduleClaims();
  }

  private scheduleClaims(): void {
    if (this.claimScheduled || this.claimsInflight >= CLAIM_CONCURRENCY || this.waiting.size === 0) return;
    this.claimScheduled = true;
    setImmediate(() => {
      this.claimScheduled = false;
      while (this.claimsInflight < CLAIM_CONCURRENCY && this.waiting.size > 0) this.claimBatch();
    });
  }

  private claimBatch(): void {
    const batch = new Map<string, PeerSocket>();
    const members = new Set<string>();
    for (const s of this.waiting) {
      if (batch.size >= CLAIM_SESSIONS_PER_STATEMENT) break;
      if (members.has(s.data.memberId)) continue;
      this.waiting.delete(s);
      const st = this.states.get(s)!;
      st.queued = false;
      if (!s.connected) continue;
      st.running = true;
      members.add(s.data.memberId);
      batch.set(s.data.presenceId!, s);
    }
    if (batch.size === 0) return;
    this.claimsInflight++;
    const sessions = [...batch].map(([presenceId, s]) => ({ presenceId, socketId: s.id }));
    this.repo
      .claimMany(sessions, this.config.maxInflightPerSession, this.config.claimLeaseSeconds, CLAIM_BATCH)
      .then(
        (byPresence) => {
          for (const [presenceId, s] of batch) {
            const rows = byPresence.get(presenceId) ?? [];
            const st = this.states.get(s)!;
            if (s.connected) for (const r of rows) this.push(s, st, r);
            if (rows.length === CLAIM_BATCH) st.again = true;
          }
        },
        (e: Error) => this.logger.error({ err: e.message }, 'claim failed'),
      )
      .finally(() => {
        this.claimsInflight--;
        for (const s of batch.values()) {
          const st = this.states.get(s)!;
          st.running = false;
          if (st.deferred.length) {
            const evs = st.deferred.sort((a, b) => a.seq - b.seq);
            st.deferred = [];
            if (s.connected) for (const ev of evs) this.emitMessage(s, st, ev);
          }
          if (st.again) {
            st.again = false;
            this.drain(s);
          }
        }
        this.scheduleClaims();
      });
  }

  /**
   * Claim on write (protocol.md §6 item 15): one local, non-passive session per recipient member of these sends,
   * offered to the insert statement, which claims only if item 4 allows it and the member has no older claimable row.
   */
  writeClaimCandidates(items: { meshId: string; senderMemberId: string; target: string; targetKind: TargetKind }[]): Map<string, PeerSocket> {
    const out = new Map<string, PeerSocket>();
    const meshesDone = new Set<string>();
    for (const i of items) {
      if (i.targetKind === 'direct') {
        this.offer(out, this.realtime.localSocketsOfPubkey(i.meshId, i.target));
      } else if (!meshesDone.has(i.meshId)) {
        meshesDone.add(i.meshId);
        this.offer(out, this.realtime.localSocketSetOfMesh(i.meshId));
      }
    }
    return out;
  }

  private offer(out: Map<string, PeerSocket>, sockets: ReadonlySet<PeerSocket> | undefined): void {
    if (!sockets) return;
    for (const s of sockets) {
      const d = s.data;
      if (d.passive || !d.presenceId || !s.connected || out.has(d.memberId)) continue;
      out.set(d.memberId, s);
    }
  }

  static toCandidates(m: Map<string, PeerSocket>): WriteClaimCandidate[] {
    return [...m].map(([memberId, s]) => ({ memberId, presenceId: s.data.presenceId!, socketId: s.id }));
  }

  /** Pushes a row claimed on write for this socket, after the rows of a claim still in flight for it. */
  pushClaimedOnWrite(socket: PeerSocket, ev: MessageEvent): void {
    if (!socket.connected) return; // the lease runs out (or the disconnect releases it) and the row is claimed again
    let st = this.states.get(socket);
    if (!st) this.states.set(socket, (st = { running: false, again: false, queued: false, pushed: new Set(), deferred: [] }));
    if (st.running) st.deferred.push(ev);
    else this.emitMessage(socket, st, ev);
  }

  private push(socket: PeerSocket, st: DrainState, r: ClaimedRow): void {
    const ev: MessageEvent = {
      id: r.message_id,
      seq: Number(r.seq),
      meshId: r.mesh_id,
      from: { memberId: r.sender_member_id, pubkey: r.sender_pubkey, displayName: r.sender_display_name, sessionId: r.sender_session_id },
      to: r.target,
      toSession: r.to_session_id,
      priority: r.priority,
      keyEpoch: r.key_epoch,
      nonce: r.nonce.toString('base64'),
      ciphertext: r.ciphertext.toString('base64'),
      sentAt: new Date(r.created_at).toISOString(),
      attempt: r.attempts,
    };
    this.emitMessage(socket, st, ev);
  }

  private emitMessage(socket: PeerSocket, st: DrainState, ev: MessageEvent): void {
    const attempt = ev.attempt;
    (socket as unknown as { emit(e: string, p: unknown): void }).emit('message', ev);
    // Rows acked by a sibling session never leave this set; reset it rather than let it grow (drain-scan covers the rest).
    if (st.pushed.size > 4 * this.config.maxInflightPerSession) st.pushed.clear();
    st.pushed.add(ev.id);
    if (attempt <= 1) {
      this.metrics.deliveriesPushedTotal.inc({ attempt: 'first' });
      this.metrics.deliverySeconds.observe(Math.max(0, Date.now() - Date.parse(ev.sentAt)) / 1000);
    } else {
      this.metrics.deliveriesPushedTotal.inc({ attempt: 'retry' });
    }
  }

  /** `ack` from a session: marks the member's rows done (from any of its sessions). */
  async ack(socket: PeerSocket, messageIds: string[]): Promise<AckResult> {
    if (socket.data.passive) throw new AckFailure('forbidden', 'A passive connection receives no messages to ack');
    const res = await this.acks.submit({ memberId: socket.data.memberId, messageIds });
    const st = this.states.get(socket);
    if (st) {
      const wasFull = st.pushed.size >= this.config.maxInflightPerSession;
      for (const id of messageIds) st.pushed.delete(id);
      // The inflight cap may have held rows back: claim again now that room was made.
      if (wasFull) this.drain(socket);
    }
    return res;
  }

  private async flushAcks(items: AckItem[]): Promise<AckResult[]> {
    const pairs = items.flatMap((i) => i.messageIds.map((messageId) => ({ memberId: i.memberId, messageId })));
    const done = await this.repo.ack(pairs);
    if (done.size) this.metrics.deliveriesAckedTotal.inc(done.size);
    return items.map((i) => {
      const acked = i.messageIds.filter((id) => done.has(`${i.memberId}:${id}`)).length;
      return { acked, ignored: i.messageIds.length - acked };
    });
  }

  /** drain-scan (every node, 5 s): local sessions whose member has claimable rows (expired leases, missed nudges). */
  async scan(): Promise<void> {
    const members = await this.repo.membersWithClaimable(this.realtime.localMemberIds());
    this.drainMembers(members);
  }

  countQueued(memberId: string): Promise<number> {
    return this.repo.countQueued(memberId);
  }
}
