import { io, type Socket } from 'socket.io-client';
import { buildHelloAuth, PeerClient, type DecryptedMessage } from '@claudemesh/peer-sdk';
import type { Peer, PeerLeftEvent, PeerStatusEvent, WelcomeEvent } from '@claudemesh/shared/protocol';
import { generateUuid } from '@claudemesh/shared/crypto';
import type { MeshMember } from './mesh';

/**
 * A real peer (the SDK: signed handshake, libsodium, acks, reconnects with backoff) that records what the
 * application sees: messages de-duplicated by id (protocol.md §6 item 6), raw pushes, and peer events.
 */
export class TrackedPeer {
  readonly client: PeerClient;
  /** id → decrypted text, first delivery only. */
  readonly received = new Map<string, { text: string | null; at: number; from: string; attempt: number }>();
  rawPushes = 0;
  readonly joined: { peer: Peer; at: number }[] = [];
  readonly left: { ev: PeerLeftEvent; at: number }[] = [];
  readonly statuses: { ev: PeerStatusEvent; at: number }[] = [];
  readonly welcomes: WelcomeEvent[] = [];
  readonly welcomeTimes: number[] = [];
  terminatedAt: number | null = null;
  replacedAt: number | null = null;
  private waiters: { pred: () => boolean; resolve: () => void }[] = [];

  constructor(
    readonly member: MeshMember,
    readonly meshId: string,
    serverUrl: string | (() => string),
    opts: { sessionId?: string; groups?: string[]; passive?: boolean; reconnect?: boolean } = {},
  ) {
    // A getter lets a test move the reconnect target (client-side failover when no load balancer is used).
    const target = typeof serverUrl === 'function' ? serverUrl : () => serverUrl;
    const clientOpts = {
      get serverUrl() {
        return target();
      },
      meshId,
      identity: { pubkey: member.pubkey, secretKey: member.secretKey },
      sessionId: opts.sessionId ?? generateUuid(),
      hello: { displayName: member.displayName, ...(opts.groups ? { groups: opts.groups } : {}) },
      passive: opts.passive,
      reconnect: opts.reconnect,
      rootKeys: member.rootKeys,
      onMessage: (m: DecryptedMessage) => {
        this.rawPushes++;
        if (!this.received.has(m.id)) this.received.set(m.id, { text: m.body?.text ?? null, at: Date.now(), from: m.from.pubkey, attempt: m.attempt });
        this.check();
      },
    };
    this.client = new PeerClient(clientOpts);
    this.client.on('peer_joined', (peer) => (this.joined.push({ peer, at: Date.now() }), this.check()));
    this.client.on('peer_left', (ev) => (this.left.push({ ev, at: Date.now() }), this.check()));
    this.client.on('peer_status', (ev) => (this.statuses.push({ ev, at: Date.now() }), this.check()));
    this.client.on('welcome', (w) => (this.welcomes.push(w), this.welcomeTimes.push(Date.now()), this.check()));
    this.client.on('terminated', () => ((this.terminatedAt = Date.now()), this.check()));
    this.client.on('session_replaced', () => ((this.replacedAt = Date.now()), this.check()));
    this.client.on('warning', () => undefined);
  }

  get sessionId(): string {
    return this.client.sessionId;
  }

  connect(): Promise<WelcomeEvent> {
    return this.client.connect();
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** Resolves when `pred` holds (checked on every recorded event), or rejects after the timeout. */
  until(what: string, pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`${this.member.displayName}: ${what} not within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  textsReceived(): string[] {
    return [...this.received.values()].map((r) => r.text ?? '');
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      if (w.pred()) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve();
      }
    }
  }
}

export async function connectAll(peers: TrackedPeer[], concurrency = 20): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, peers.length) }, async () => {
      while (next < peers.length) await peers[next++].connect();
    }),
  );
}

export async function closeAll(peers: TrackedPeer[]): Promise<void> {
  await Promise.all(peers.map((p) => p.close().catch(() => undefined)));
}

/** A bare Socket.IO /peer connection (no SDK), for tests that must see the server's own disconnects. */
export interface RawPeer {
  socket: Socket;
  welcome: WelcomeEvent;
  events: { event: string; payload: unknown; at: number }[];
  disconnectedAt: number | null;
  disconnectReason: string | null;
}

export async function rawPeer(
  url: string,
  meshId: string,
  member: MeshMember,
  sessionId: string,
  auth?: Record<string, unknown>,
): Promise<RawPeer> {
  const socket = io(`${url}/peer`, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: auth ?? buildHelloAuth(meshId, { pubkey: member.pubkey, secretKey: member.secretKey }, sessionId, { displayName: member.displayName }),
  });
  const events: RawPeer['events'] = [];
  const out: Partial<RawPeer> = { socket, events, disconnectedAt: null, disconnectReason: null };
  socket.onAny((event: string, payload: unknown) => events.push({ event, payload, at: Date.now() }));
  socket.on('disconnect', (reason: string) => {
    out.disconnectedAt = Date.now();
    out.disconnectReason = reason;
  });
  out.welcome = await new Promise<WelcomeEvent>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no welcome within 10 s')), 10_000);
    socket.once('welcome', (w: WelcomeEvent) => (clearTimeout(t), resolve(w)));
    socket.once('connect_error', (e: Error & { data?: unknown }) => {
      clearTimeout(t);
      socket.close();
      reject(Object.assign(new Error(`connect_error ${JSON.stringify(e.data ?? e.message)}`), { data: e.data }));
    });
  });
  return out as RawPeer;
}
