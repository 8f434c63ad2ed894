import { PeerClientError } from '@claudemesh/peer-sdk';
import { waitFor } from './cluster';
import type { TrackedPeer } from './peers';

/** One message the test tried to send: who to whom, its unique text, and what the sender learned. */
export interface SentRecord {
  from: number;
  to: number;
  text: string;
  clientId: string | null;
  messageId: string | null;
  /** Ack error codes seen before the final outcome (e.g. `internal` during a database outage). */
  errors: string[];
  acked: boolean;
}

export interface StreamOptions {
  /** Messages in total, spread evenly over the senders. */
  total: number;
  /** Sends in flight per peer. */
  window?: number;
  /** How one message is sent; default: the SDK's send (its own retries with the same clientId). */
  sendOne?: (from: TrackedPeer, to: TrackedPeer, text: string, rec: SentRecord) => Promise<void>;
  /** Called after each completed send with the number completed so far. */
  onProgress?: (done: number) => void;
  tag: string;
}

/** Every peer sends direct messages to other peers (a fixed, spread pattern) until `total` have been attempted. */
export async function runStream(peers: TrackedPeer[], opts: StreamOptions): Promise<SentRecord[]> {
  const n = peers.length;
  const perPeer = Math.ceil(opts.total / n);
  const window = opts.window ?? 2;
  const records: SentRecord[] = [];
  let done = 0;
  const sendOne =
    opts.sendOne ??
    (async (from, to, text, rec) => {
      const r = await from.client.send(to.member.pubkey, text);
      rec.clientId = r.clientId;
      rec.messageId = r.messageId;
      rec.acked = true;
    });
  await Promise.all(
    peers.map(async (from, i) => {
      let k = 0;
      const count = Math.min(perPeer, opts.total - i * perPeer > 0 ? opts.total - i * perPeer : 0);
      await Promise.all(
        Array.from({ length: window }, async () => {
          while (k < count) {
            const j = k++;
            // Recipient: a different peer, spread over all of them (stride coprime-ish with n).
            const to = (i + 1 + ((j * 7) % (n - 1))) % n;
            const target = to === i ? (i + 1) % n : to;
            const rec: SentRecord = { from: i, to: target, text: `${opts.tag}|${i}|${j}`, clientId: null, messageId: null, errors: [], acked: false };
            records.push(rec);
            try {
              await sendOne(from, peers[target], rec.text, rec);
            } catch (e) {
              rec.errors.push(e instanceof PeerClientError ? e.code : String((e as Error).message ?? e));
            }
            opts.onProgress?.(++done);
          }
        }),
      );
    }),
  );
  return records;
}

export interface StreamFigures {
  peers: number;
  attempted: number;
  acked: number;
  notAcked: number;
  /** Acked messages the recipient never got (must be 0). */
  lost: number;
  /** Distinct message ids delivered to the applications, after de-duplication by id. */
  deliveredUnique: number;
  /** Pushes the clients de-duplicated away (at-least-once redeliveries). */
  redeliveriesDeduplicated: number;
  /** The same message text under two different ids at one recipient (must be 0): a send applied twice. */
  doubleApplied: number;
  /** Delivered messages that the test never sent (must be 0). */
  unexpected: number;
  /** Unacked sends that were nevertheless delivered (committed, ack lost). */
  deliveredButNotAcked: number;
  errorCodes: Record<string, number>;
}

function expectedTexts(records: SentRecord[], tag: string) {
  const byText = new Map<string, SentRecord>();
  for (const r of records) byText.set(r.text, r);
  return { byText, prefix: `${tag}|` };
}

/** Checks the delivery invariants of issue 8 over what every recipient application saw. */
export function streamFigures(peers: TrackedPeer[], records: SentRecord[], tag: string): StreamFigures {
  const { byText, prefix } = expectedTexts(records, tag);
  let lost = 0;
  let deliveredUnique = 0;
  let raw = 0;
  let doubleApplied = 0;
  let unexpected = 0;
  let deliveredButNotAcked = 0;
  const errorCodes: Record<string, number> = {};
  for (const r of records) for (const e of r.errors) errorCodes[e] = (errorCodes[e] ?? 0) + 1;
  peers.forEach((p, idx) => {
    const textsToIds = new Map<string, Set<string>>();
    for (const [id, m] of p.received) {
      if (!m.text || !m.text.startsWith(prefix)) continue;
      deliveredUnique++;
      const rec = byText.get(m.text);
      if (!rec || rec.to !== idx) unexpected++;
      else if (!rec.acked) deliveredButNotAcked++;
      let ids = textsToIds.get(m.text);
      if (!ids) textsToIds.set(m.text, (ids = new Set()));
      ids.add(id);
    }
    for (const ids of textsToIds.values()) if (ids.size > 1) doubleApplied += ids.size - 1;
    raw += p.rawPushes;
  });
  for (const r of records) {
    if (r.acked && (!r.messageId || !peers[r.to].received.has(r.messageId))) lost++;
  }
  const allUnique = peers.reduce((s, p) => s + p.received.size, 0);
  const acked = records.filter((r) => r.acked).length;
  return {
    peers: peers.length,
    attempted: records.length,
    acked,
    notAcked: records.length - acked,
    lost,
    deliveredUnique,
    redeliveriesDeduplicated: raw - allUnique,
    doubleApplied,
    unexpected,
    deliveredButNotAcked,
    errorCodes,
  };
}

/** Waits until every acked message reached its recipient (or the timeout), then returns the figures. */
export async function settle(peers: TrackedPeer[], records: SentRecord[], tag: string, timeoutMs: number): Promise<StreamFigures> {
  await waitFor(
    'every acked message delivered',
    async () => records.every((r) => !r.acked || (r.messageId !== null && peers[r.to].received.has(r.messageId))),
    timeoutMs,
    250,
  ).catch(() => undefined);
  return streamFigures(peers, records, tag);
}
