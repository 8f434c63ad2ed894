import { io, type Socket } from 'socket.io-client';
import { PeerClient, PeerClientError } from '@claudemesh/peer-sdk';
import { generateUuid } from '@claudemesh/shared/crypto';

/** What a send came back with. */
export type SendOutcome = { ok: true } | { ok: false; code: string; retryAfterMs?: number };
/** Called for every message a peer receives (already decrypted and verified in mesh modes). */
export type OnReceive = (receiver: number, text: string, messageId: string) => void;

/**
 * One bench peer. The harness drives raw and mesh peers through this one interface, so both modes share the
 * scheduling and measuring code path and differ only in what a peer does on the wire.
 */
export interface BenchPeer {
  readonly index: number;
  /** What other peers put in `to` to reach this one. */
  readonly address: string;
  connect(): Promise<void>;
  /** Resolves with the server's ack. `clientId` makes a retry idempotent. */
  send(to: string, text: string, clientId: string): Promise<SendOutcome>;
  close(): Promise<void>;
}

const ACK_TIMEOUT_MS = 10000;

/** A real claudemesh peer through the peer SDK: signed handshake, libsodium encryption, decryption, acks. */
export class MeshBenchPeer implements BenchPeer {
  private readonly client: PeerClient;

  constructor(
    readonly index: number,
    opts: { serverUrl: string; meshId: string; pubkey: string; secretKey: string; rootKeys?: Record<string, string> },
    onReceive: OnReceive,
  ) {
    this.address = opts.pubkey;
    this.client = new PeerClient({
      serverUrl: opts.serverUrl,
      meshId: opts.meshId,
      identity: { pubkey: opts.pubkey, secretKey: opts.secretKey },
      rootKeys: opts.rootKeys,
      hello: { displayName: `bench-${index}`, client: 'claudemesh-bench/1.0.0' },
      reconnect: true,
      maxConnectAttempts: 20,
      retries: 2,
      onMessage: (m) => {
        if (m.body) onReceive(index, m.body.text, m.id);
      },
    });
  }

  readonly address: string;

  async connect(): Promise<void> {
    await this.client.connect();
  }

  async send(to: string, text: string, clientId: string): Promise<SendOutcome> {
    try {
      await this.client.send(to, text, { clientId });
      return { ok: true };
    } catch (e) {
      if (e instanceof PeerClientError) return { ok: false, code: e.code, retryAfterMs: (e.data as { retryAfterMs?: number })?.retryAfterMs };
      return { ok: false, code: 'error' };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** A raw-relay peer: same events and ack discipline, but the text travels as is (no crypto, no database). */
export class RawBenchPeer implements BenchPeer {
  private socket: Socket | null = null;
  private pendingAcks: string[] = [];
  private flushScheduled = false;
  readonly address: string;

  constructor(
    readonly index: number,
    private readonly serverUrl: string,
    private readonly onReceive: OnReceive,
    private readonly group = 0,
  ) {
    this.address = `peer${index}`;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = io(`${this.serverUrl}/peer`, {
        path: '/socket.io',
        transports: ['websocket'],
        reconnection: false,
        auth: { peerId: this.address, group: this.group },
        forceNew: true,
      });
      this.socket = socket;
      socket.once('welcome', () => resolve());
      socket.once('connect_error', (e) => reject(e));
      socket.on('message', (m: { id: string; ciphertext: string }) => {
        this.onReceive(this.index, m.ciphertext, m.id);
        this.pendingAcks.push(m.id);
        if (!this.flushScheduled) {
          this.flushScheduled = true;
          setImmediate(() => this.flushAcks());
        }
      });
    });
  }

  private flushAcks(): void {
    this.flushScheduled = false;
    const ids = this.pendingAcks.splice(0, 500);
    if (ids.length) this.socket?.timeout(ACK_TIMEOUT_MS).emit('ack', { messageIds: ids }, () => undefined);
    if (this.pendingAcks.length) this.flushAcks();
  }

  async send(to: string, text: string, clientId: string): Promise<SendOutcome> {
    if (!this.socket) return { ok: false, code: 'not_connected' };
    try {
      const res = (await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('send', { clientId, to, nonce: '', ciphertext: text })) as {
        ok: boolean;
        error?: { code: string; retryAfterMs?: number };
      };
      return res.ok ? { ok: true } : { ok: false, code: res.error?.code ?? 'error', retryAfterMs: res.error?.retryAfterMs };
    } catch {
      return { ok: false, code: 'timeout' };
    }
  }

  async close(): Promise<void> {
    this.socket?.disconnect();
    this.socket = null;
  }
}

export const newClientId = (): string => generateUuid();
