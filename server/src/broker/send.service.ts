import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { generateId } from '@claudemesh/shared/crypto';
import { parseSend } from '@claudemesh/shared/dto';
import { AckFailure } from '@claudemesh/shared/errors';
import type { MessageEvent, SendResult } from '@claudemesh/shared/protocol';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { RealtimeService } from '../realtime/realtime.service';
import { DeliveryService } from './delivery.service';
import { ExistingMessage, InsertOutcome, MessageInsert, MessageRepository } from './message.repository';
import { MicroBatcher } from './micro-batcher';
import type { PeerContext } from './peer-context';

interface CachedSend {
  messageId: string;
  seq: number;
  recipients: number;
  contentHash: string;
  until: number;
}

const IDEMPOTENCY_CACHE_MAX = 200_000;
const IDEMPOTENCY_CACHE_MS = 10 * 60_000;

/**
 * `send` (protocol.md §6, §7.1), checks in contract order: malformed → too_large → idempotency → rate_limited →
 * unknown_recipient → stale_key_epoch → internal. Inserts are batched across sockets into one statement; the ack goes
 * out only after that statement committed; recipients' drains are nudged right after.
 */
@Injectable()
export class SendService {
  private readonly logger = new Logger('send');
  private readonly batcher: MicroBatcher<MessageInsert, InsertOutcome>;
  /** Recent results per (sender member, clientId): repeats answer without touching the database or the bucket. */
  private readonly recent = new Map<string, CachedSend>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly rateLimiter: RateLimiterService,
    private readonly realtime: RealtimeService,
    private readonly delivery: DeliveryService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.batcher = new MicroBatcher((items) => this.flush(items), { maxItems: 250, maxConcurrent: 4, lingerMs: 2 });
  }

  async send(ctx: PeerContext, raw: unknown): Promise<SendResult> {
    const started = process.hrtime.bigint();
    try {
      const result = await this.run(ctx, raw);
      this.metrics.sendAckSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      return result;
    } catch (e) {
      this.metrics.messagesRejectedTotal.inc({ code: e instanceof AckFailure ? e.code : 'internal' });
      throw e;
    }
  }

  private async run(ctx: PeerContext, raw: unknown): Promise<SendResult> {
    const p = parseSend(raw);
    if (p.size > this.config.maxMessageBytes) {
      throw new AckFailure('too_large', `ciphertext is ${p.size} bytes; the limit is ${this.config.maxMessageBytes}`);
    }
    const contentHash = createHash('sha256').update(p.hashInput, 'utf8').digest('hex');
    const key = `${ctx.memberId}:${p.clientId}`;
    const cached = this.recent.get(key);
    if (cached && cached.until > Date.now()) return repeat(cached, contentHash);

    const rl = await this.rateLimiter.consume('send', ctx.memberId, this.config.sendRateBurst, this.config.sendRatePerMin);
    if (!rl.ok) {
      // An idempotent repeat is never limited (§6 item 14): look it up before refusing.
      const existing = await this.messages.findByClientId(ctx.memberId, p.clientId);
      if (existing) return repeat(this.remember(key, existing), contentHash);
      throw new AckFailure('rate_limited', 'Send rate limit reached', { retryAfterMs: Math.max(1, rl.retryAfterMs) });
    }

    const item: MessageInsert = {
      id: generateId(),
      meshId: ctx.meshId,
      senderMemberId: ctx.memberId,
      senderPubkey: ctx.pubkey,
      senderDisplayName: ctx.displayName,
      senderSessionId: ctx.sessionId,
      clientId: p.clientId,
      target: p.to,
      targetKind: p.targetKind,
      toSessionId: p.toSession,
      priority: p.priority,
      keyEpoch: p.keyEpoch,
      nonce: p.nonce,
      ciphertext: p.ciphertext,
      sizeBytes: p.size,
      contentHash,
    };
    let out = await this.batcher.submit(item);
    if (out.kind === 'raced') {
      const existing = await this.messages.findByClientId(ctx.memberId, p.clientId);
      if (!existing) throw new AckFailure('internal', 'The message could not be stored; retry with the same clientId');
      out = { kind: 'existing', messageId: existing.id, seq: existing.seq, recipientCount: existing.recipientCount, contentHash: existing.contentHash };
    }
    switch (out.kind) {
      case 'inserted':
        this.remember(key, { id: item.id, seq: out.seq, recipientCount: out.recipients.length, contentHash });
        this.metrics.messagesSentTotal.inc({ kind: p.targetKind, priority: p.priority });
        return { messageId: item.id, seq: out.seq, recipients: out.recipients.length, duplicate: false };
      case 'existing':
        return repeat(this.remember(key, { id: out.messageId, seq: out.seq, recipientCount: out.recipientCount, contentHash: out.contentHash }), contentHash);
      case 'unknown_recipient':
        throw new AckFailure('unknown_recipient', 'The target is not a member of this mesh');
      case 'stale_key_epoch':
        throw new AckFailure('stale_key_epoch', `keyEpoch ${p.keyEpoch} is not the current epoch ${out.currentEpoch}`, {
          details: { currentEpoch: out.currentEpoch },
        });
      case 'forbidden':
        throw new AckFailure('forbidden', 'This membership or mesh no longer accepts messages');
      default:
        throw new AckFailure('internal', 'The message could not be stored; retry with the same clientId');
    }
  }

  private async flush(items: MessageInsert[]): Promise<InsertOutcome[]> {
    const sockets = this.delivery.writeClaimCandidates(items);
    const out = await this.messages.insertBatch(items, this.config.messageTtlSeconds, {
      candidates: DeliveryService.toCandidates(sockets),
      maxInflight: this.config.maxInflightPerSession,
      leaseSeconds: this.config.claimLeaseSeconds,
    });
    // Rows claimed on write go out right after the commit; every other recipient is nudged (local drain + other nodes).
    const nudge = new Set<string>();
    out.forEach((o, idx) => {
      if (o.kind !== 'inserted') return;
      const claimed = o.claimed.length ? new Set(o.claimed) : null;
      for (const r of o.recipients) {
        const s = claimed?.has(r) ? sockets.get(r) : undefined;
        if (s) this.delivery.pushClaimedOnWrite(s, toEvent(items[idx], o.seq, o.createdAt));
        else nudge.add(r);
      }
    });
    if (nudge.size) this.realtime.nudge([...nudge]);
    return out;
  }

  private remember(key: string, m: ExistingMessage): CachedSend {
    const c: CachedSend = {
      messageId: m.id,
      seq: m.seq,
      recipients: m.recipientCount,
      contentHash: m.contentHash,
      until: Date.now() + Math.min(IDEMPOTENCY_CACHE_MS, this.config.messageTtlSeconds * 1000),
    };
    this.recent.delete(key);
    this.recent.set(key, c);
    if (this.recent.size > IDEMPOTENCY_CACHE_MAX) this.recent.delete(this.recent.keys().next().value as string);
    return c;
  }
}

function repeat(c: CachedSend, contentHash: string): SendResult {
  if (c.contentHash !== contentHash) {
    throw new AckFailure('idempotency_conflict', 'This clientId was already used for a different message');
  }
  return { messageId: c.messageId, seq: c.seq, recipients: c.recipients, duplicate: true };
}

/** The `message` event of a row claimed on write: the payload strings as received (the stored bytes decode from them). */
function toEvent(i: MessageInsert, seq: number, createdAt: Date): MessageEvent {
  return {
    id: i.id,
    seq,
    meshId: i.meshId,
    from: { memberId: i.senderMemberId, pubkey: i.senderPubkey, displayName: i.senderDisplayName, sessionId: i.senderSessionId },
    to: i.target,
    toSession: i.toSessionId,
    priority: i.priority,
    keyEpoch: i.keyEpoch,
    nonce: i.nonce,
    ciphertext: i.ciphertext,
    sentAt: new Date(createdAt).toISOString(),
    attempt: 1,
  };
}
