import type { BenchPeer } from './peers';
import { newClientId } from './peers';
import { LatencyRecorder, nowMs, round, type Percentiles } from './stats';

export interface TrafficOptions {
  messages: number;
  pattern: 'direct' | 'broadcast';
  rate: number | null;
  window: number;
  size: number;
  drainTimeoutSec: number;
  maxSeconds: number;
  log: (s: string) => void;
}

export interface TrafficResult {
  messagesOffered: number;
  messagesAcked: number;
  sendErrors: Record<string, number>;
  expectedDeliveries: number;
  deliveries: number;
  duplicates: number;
  deliveredPct: number;
  offeredRate: number;
  throughputMsgsPerSec: number;
  throughputDeliveriesPerSec: number;
  sendPhaseSeconds: number;
  totalSeconds: number;
  e2eMs: Percentiles;
  sendAckMs: Percentiles;
  timedOut: boolean;
}

/** The receive side of every peer feeds this; it is the same for raw and mesh modes. */
export class DeliveryTracker {
  readonly e2e = new LatencyRecorder();
  private seen = new Set<string>();
  deliveries = 0;
  duplicates = 0;
  lastDeliveryAt = 0;
  foreign = 0;

  constructor(private readonly runId: string) {}

  onReceive = (receiver: number, text: string): void => {
    const at = nowMs();
    let m: { r?: string; s?: number; i?: number; t?: number };
    try {
      m = JSON.parse(text);
    } catch {
      this.foreign += 1;
      return;
    }
    if (m.r !== this.runId || typeof m.t !== 'number') {
      this.foreign += 1;
      return;
    }
    const key = `${receiver}:${m.s}:${m.i}`;
    if (this.seen.has(key)) {
      this.duplicates += 1;
      return;
    }
    this.seen.add(key);
    this.deliveries += 1;
    this.lastDeliveryAt = at;
    this.e2e.add(at - m.t);
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends `messages` per peer (direct: each to a random other peer; broadcast: to `*`), either closed loop (each peer
 * keeps `window` sends in flight) or open loop at `rate` messages/s over all peers, then waits for the deliveries.
 */
export async function runTraffic(
  peers: BenchPeer[],
  groupOf: number[],
  tracker: DeliveryTracker,
  runId: string,
  o: TrafficOptions,
): Promise<TrafficResult> {
  const n = peers.length;
  const total = n * o.messages;
  const groups = new Map<number, number[]>();
  groupOf.forEach((g, p) => groups.set(g, [...(groups.get(g) ?? []), p]));
  const expectedPerMessage = (p: number): number => (o.pattern === 'broadcast' ? groups.get(groupOf[p])!.length - 1 : 1);
  const expected = peers.reduce((sum, _, p) => sum + o.messages * expectedPerMessage(p), 0);
  const fanout = expected / Math.max(1, total);
  const sendAck = new LatencyRecorder();
  const errors: Record<string, number> = {};
  const sentPerPeer = new Array<number>(n).fill(0);
  let issued = 0;
  let acked = 0;
  const pad = 'x'.repeat(Math.max(0, o.size - 90));
  const deadline = nowMs() + o.maxSeconds * 1000;

  const sendOne = async (p: number): Promise<void> => {
    const i = sentPerPeer[p]++;
    issued += 1;
    let to = '*';
    if (o.pattern === 'direct') {
      const group = groups.get(groupOf[p])!;
      let r = group[Math.floor(Math.random() * group.length)];
      while (r === p) r = group[Math.floor(Math.random() * group.length)];
      to = peers[r].address;
    }
    const t = nowMs();
    const text = JSON.stringify({ r: runId, s: p, i, t, p: pad });
    const clientId = newClientId();
    for (let attempt = 0; ; attempt++) {
      const res = await peers[p].send(to, text, clientId);
      if (res.ok) {
        acked += 1;
        sendAck.add(nowMs() - t);
        return;
      }
      if (res.code === 'rate_limited' && attempt < 20 && nowMs() < deadline) {
        await sleep(Math.max(5, res.retryAfterMs ?? 50));
        continue;
      }
      errors[res.code] = (errors[res.code] ?? 0) + 1;
      return;
    }
  };

  const start = nowMs();
  let lastIssueAt = start;
  const progress = setInterval(() => {
    o.log(`sent ${issued}/${total}, acked ${acked}, delivered ${tracker.deliveries}/${expected}`);
  }, 5000);
  try {
    if (o.rate === null) {
      await Promise.all(
        peers.map(async (_, p) => {
          await Promise.all(
            Array.from({ length: Math.min(o.window, o.messages) }, async () => {
              while (sentPerPeer[p] < o.messages && nowMs() < deadline) await sendOne(p);
            }),
          );
        }),
      );
      lastIssueAt = nowMs();
    } else {
      const inflight: Promise<void>[] = [];
      let cursor = 0;
      while (issued < total && nowMs() < deadline) {
        const due = Math.min(total, Math.floor(((nowMs() - start) * o.rate) / 1000) + 1) - issued;
        for (let k = 0; k < due; k++) {
          while (sentPerPeer[cursor] >= o.messages) cursor = (cursor + 1) % n;
          inflight.push(sendOne(cursor));
          cursor = (cursor + 1) % n;
        }
        lastIssueAt = nowMs();
        await sleep(1);
      }
      await Promise.all(inflight);
    }
    const sendsDone = nowMs();
    const expectedNow = () => Math.round(acked * fanout);
    const drainDeadline = Math.min(deadline, sendsDone + o.drainTimeoutSec * 1000);
    while (tracker.deliveries < expectedNow() && nowMs() < drainDeadline) await sleep(20);
    const end = tracker.deliveries > 0 ? tracker.lastDeliveryAt : nowMs();
    const sendPhase = Math.max(1e-3, (lastIssueAt - start) / 1000);
    const totalSec = Math.max(1e-3, (end - start) / 1000);
    return {
      messagesOffered: issued,
      messagesAcked: acked,
      sendErrors: errors,
      expectedDeliveries: expected,
      deliveries: tracker.deliveries,
      duplicates: tracker.duplicates,
      deliveredPct: expected ? round((100 * tracker.deliveries) / expected, 3) : 100,
      offeredRate: round(issued / sendPhase, 1),
      throughputMsgsPerSec: round(tracker.deliveries / fanout / totalSec, 1),
      throughputDeliveriesPerSec: round(tracker.deliveries / totalSec, 1),
      sendPhaseSeconds: round(sendPhase, 3),
      totalSeconds: round(totalSec, 3),
      e2eMs: tracker.e2e.summary(),
      sendAckMs: sendAck.summary(),
      timedOut: tracker.deliveries < expected,
    };
  } finally {
    clearInterval(progress);
  }
}
