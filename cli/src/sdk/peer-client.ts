import { EventEmitter } from 'node:events';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { fromBase64Url, generateUuid, openSealedForMember } from '@claudemesh/shared/crypto';
import {
  ACK_TIMEOUT_MS,
  PEER_NAMESPACE,
  SOCKET_PATH,
  type Peer,
  type PeerClientEventName,
  type PeerClientEvents,
  type PeerLeftEvent,
  type PeerStatus,
  type PeerStatusEvent,
  type Priority,
  type SealedRootKey,
  type SendResult,
  type SessionReplacedEvent,
  type TerminatedEvent,
  type WelcomeEvent,
  type MessageEvent,
} from '@claudemesh/shared/protocol';
import type { ConnectErrorData } from '@claudemesh/shared/errors';
import { buildHelloAuth, type HelloOptions, type PeerIdentity } from './auth';
import { backoffDelay } from './backoff';
import { FATAL_CONNECT_CODES, PeerClientError, type PeerClientErrorCode } from './errors';
import { decryptMessage, encryptFor, targetKind, type DecryptedMessage } from './messages';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PeerClientOptions {
  /** Server origin, e.g. https://mesh.example.com (any path is ignored). */
  serverUrl: string;
  meshId: string;
  identity: PeerIdentity;
  /** Stable for one Claude Code session; kept across reconnects. Default: a new UUID. */
  sessionId?: string;
  /** Optional hello fields (displayName, cwd, pid, groups, client). */
  hello?: Omit<HelloOptions, 'passive'>;
  /** A passive control connection (protocol.md §5.4): no presence, no messages. */
  passive?: boolean;
  /** Root keys already known, by epoch (raw bytes or base64url). */
  rootKeys?: Record<string, Uint8Array | string>;
  /** Reconnect after drops (default true). */
  reconnect?: boolean;
  /** connect() gives up after this many failed attempts before the first welcome (default: unlimited). */
  maxConnectAttempts?: number;
  ackTimeoutMs?: number;
  /** How many times an unanswered request is retried (default 3). */
  retries?: number;
  /** Called for every received message (decrypted or not) before it is acked; a throw leaves it unacked. */
  onMessage?: (m: DecryptedMessage) => void | Promise<void>;
  /** Extra Socket.IO client options (for example extraHeaders in tests). */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export interface SendOptions {
  priority?: Priority;
  toSession?: string;
  replyTo?: string;
  clientId?: string;
}

export interface PeerClientEventMap {
  welcome: WelcomeEvent;
  message: DecryptedMessage;
  undecryptable: DecryptedMessage;
  peer_joined: Peer;
  peer_left: PeerLeftEvent;
  peer_status: PeerStatusEvent;
  root_key: { epoch: number; key: Uint8Array };
  status: ConnectionStatus;
  terminated: TerminatedEvent;
  session_replaced: SessionReplacedEvent;
  connect_failed: PeerClientError;
  stopped: PeerClientError;
  warning: string;
}

type Waiter = { resolve: (s: Socket) => void; reject: (e: Error) => void };
type AckResponse = { ok: true; [k: string]: unknown } | { ok: false; error: { code: PeerClientErrorCode; message: string; retryAfterMs?: number; details?: Record<string, unknown> } };

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One peer session on one mesh: signed handshake, encryption, acks, and reconnects that keep the sessionId. */
export class PeerClient extends EventEmitter {
  readonly sessionId: string;
  readonly meshId: string;
  welcome: WelcomeEvent | null = null;
  private readonly opts: PeerClientOptions;
  private readonly rootKeys = new Map<number, Uint8Array>();
  private currentEpoch = 0;
  private socket: Socket | null = null;
  private live: Socket | null = null;
  private waiters: Waiter[] = [];
  private failures = 0;
  private everConnected = false;
  private clockOffset = 0;
  private skewRetried = false;
  private started = false;
  private closed = false;
  private stoppedBy: PeerClientError | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private pendingAcks: string[] = [];
  private ackFlush: Promise<void> | null = null;

  constructor(opts: PeerClientOptions) {
    super();
    this.opts = opts;
    this.meshId = opts.meshId;
    this.sessionId = opts.sessionId ?? generateUuid();
    for (const [epoch, key] of Object.entries(opts.rootKeys ?? {})) {
      const bytes = typeof key === 'string' ? fromBase64Url(key) : key;
      if (bytes && bytes.length === 32) this.storeRootKey(Number(epoch), bytes, false);
    }
  }

  get connected(): boolean {
    return this.live !== null;
  }

  get rootKeyEpoch(): number {
    return this.currentEpoch;
  }

  /** Connects (once) and resolves with the first welcome; rejects when the server refuses for good. */
  async connect(): Promise<WelcomeEvent> {
    if (this.welcome && this.live) return this.welcome;
    if (!this.started) {
      this.started = true;
      this.emit('status', 'connecting');
      this.open();
    }
    await this.whenConnected(Infinity);
    return this.welcome!;
  }

  /** Closes on purpose: pending acks are flushed first, and the presence ends at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushAcks().catch(() => undefined);
    await this.chain.catch(() => undefined);
    await this.flushAcks().catch(() => undefined);
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.disconnect();
    this.socket = null;
    this.live = null;
    this.rejectWaiters(new PeerClientError('closed', 'the client was closed'));
    this.emit('status', 'closed');
  }

  // ---- requests ----

  async send(to: string, text: string, opts: SendOptions = {}): Promise<SendResult & { clientId: string }> {
    const kind = targetKind(to);
    if (!kind) throw new PeerClientError('malformed', `invalid target "${to}"`);
    const body = opts.replyTo ? { v: 1 as const, text, replyTo: opts.replyTo } : { v: 1 as const, text };
    let clientId = opts.clientId ?? generateUuid();
    for (let round = 0; ; round++) {
      let rootKey: { epoch: number; key: Uint8Array } | undefined;
      if (kind !== 'direct') rootKey = await this.currentRootKey();
      const env = encryptFor(to, body, { meshId: this.meshId, secretKey: this.opts.identity.secretKey, rootKey });
      const payload: PeerClientEvents['send'][0] = { clientId, to, nonce: env.nonce, ciphertext: env.ciphertext };
      if (opts.toSession && kind === 'direct') payload.toSession = opts.toSession;
      if (opts.priority) payload.priority = opts.priority;
      if (env.keyEpoch !== undefined) payload.keyEpoch = env.keyEpoch;
      try {
        const res = await this.request('send', payload, { retryInternal: true });
        return { ...res, clientId };
      } catch (e) {
        if (!(e instanceof PeerClientError) || e.code !== 'stale_key_epoch' || round >= 2) throw e;
        const epoch = Number((e.data.details as { currentEpoch?: number } | undefined)?.currentEpoch);
        await this.fetchRootKey(Number.isInteger(epoch) && epoch > 0 ? epoch : undefined);
        clientId = generateUuid(); // new ciphertext: the old clientId would be an idempotency conflict
      }
    }
  }

  /** Every peer page by page; `includeOffline` adds members with no session. */
  async listPeers(opts: { includeOffline?: boolean } = {}): Promise<Peer[]> {
    const out: Peer[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const payload: PeerClientEvents['list_peers'][0] = { limit: 1000 };
      if (opts.includeOffline) payload.includeOffline = true;
      if (cursor) payload.cursor = cursor;
      const res = await this.request('list_peers', payload);
      out.push(...res.peers);
      if (!res.nextCursor) break;
      cursor = res.nextCursor;
    }
    return out;
  }

  setStatus(status: PeerStatus, sessionId?: string) {
    return this.request('set_status', sessionId ? { status, sessionId } : { status });
  }

  setSummary(summary: string, sessionId?: string) {
    return this.request('set_summary', sessionId ? { summary, sessionId } : { summary });
  }

  setGroups(groups: string[]) {
    return this.request('set_groups', { groups });
  }

  leave() {
    return this.request('leave', {} as Record<string, never>);
  }

  async ack(messageIds: string[]): Promise<void> {
    for (let i = 0; i < messageIds.length; i += 500) await this.request('ack', { messageIds: messageIds.slice(i, i + 500) });
  }

  /** Fetches, opens and stores a root key (default: the current epoch). */
  async fetchRootKey(epoch?: number): Promise<{ epoch: number; key: Uint8Array }> {
    const res = await this.request('get_root_key', epoch ? { epoch } : {});
    const key = this.learnRootKey(res);
    if (!key) throw new PeerClientError('no_root_key', `the root key of epoch ${res.epoch} did not open to 32 bytes`);
    return { epoch: res.epoch, key };
  }

  /** One request with a 10 s ack timeout, retried on timeouts and drops (and `internal` when asked). */
  async request<E extends PeerClientEventName>(
    event: E,
    payload: PeerClientEvents[E][0],
    opts: { retries?: number; retryInternal?: boolean } = {},
  ): Promise<PeerClientEvents[E][1]> {
    const retries = opts.retries ?? this.opts.retries ?? 3;
    const timeoutMs = this.opts.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    let last: Error = new PeerClientError('timeout', `no answer to ${event}`);
    for (let attempt = 0; attempt <= retries; attempt++) {
      const socket = await this.whenConnected(timeoutMs);
      let res: AckResponse;
      try {
        res = (await socket.timeout(timeoutMs).emitWithAck(event, payload)) as AckResponse;
      } catch {
        last = new PeerClientError('timeout', `no answer to ${event} within ${timeoutMs} ms`);
        continue;
      }
      if (res && res.ok === true) {
        const { ok: _ok, ...rest } = res;
        return rest as unknown as PeerClientEvents[E][1];
      }
      const err = res && res.ok === false ? res.error : { code: 'internal' as const, message: 'malformed ack' };
      last = new PeerClientError(err.code, err.message, { retryAfterMs: err.retryAfterMs, details: err.details });
      if (err.code === 'internal' && opts.retryInternal && attempt < retries) {
        await sleep(backoffDelay(attempt));
        continue;
      }
      throw last;
    }
    throw last;
  }

  // ---- connection ----

  private origin(): string {
    return new URL(this.opts.serverUrl).origin;
  }

  private open(): void {
    if (this.closed || this.stoppedBy) return;
    const socket = io(this.origin() + PEER_NAMESPACE, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 10_000,
      ...this.opts.socketOptions,
      auth: (cb: (auth: object) => void) =>
        cb(
          buildHelloAuth(
            this.meshId,
            this.opts.identity,
            this.sessionId,
            { ...this.opts.hello, ...(this.opts.passive ? { passive: true } : {}) },
            Date.now() + this.clockOffset,
          ),
        ),
    });
    this.socket = socket;
    socket.on('welcome', (w: WelcomeEvent) => this.onWelcome(socket, w));
    socket.on('connect_error', (err: Error & { data?: ConnectErrorData }) => this.onConnectError(socket, err));
    socket.on('disconnect', (reason: string) => this.onDisconnect(socket, reason));
    socket.on('message', (m: MessageEvent) => this.enqueueMessage(m));
    socket.on('peer_joined', (p: Peer) => this.emit('peer_joined', p));
    socket.on('peer_left', (p: PeerLeftEvent) => this.emit('peer_left', p));
    socket.on('peer_status', (p: PeerStatusEvent) => this.emit('peer_status', p));
    socket.on('root_key_rotated', (r: SealedRootKey) => this.learnRootKey(r));
    socket.on('terminated', (t: TerminatedEvent) => {
      this.emit('terminated', t);
      this.stop(new PeerClientError('terminated', t?.message || `membership ended (${t?.reason})`, { reason: t?.reason }));
    });
    socket.on('session_replaced', (s: SessionReplacedEvent) => {
      this.emit('session_replaced', s);
      this.stop(new PeerClientError('session_replaced', 'this session was taken over by another connection'));
    });
  }

  private onWelcome(socket: Socket, w: WelcomeEvent): void {
    if (socket !== this.socket) return;
    this.welcome = w;
    this.failures = 0;
    this.skewRetried = false;
    if (w.rootKey) this.learnRootKey(w.rootKey);
    this.live = socket;
    this.everConnected = true;
    this.emit('status', 'connected');
    this.emit('welcome', w);
    const waiters = this.waiters.splice(0);
    for (const w2 of waiters) w2.resolve(socket);
    if (this.pendingAcks.length) void this.flushAcks();
  }

  private onConnectError(socket: Socket, err: Error & { data?: ConnectErrorData }): void {
    if (socket !== this.socket) return;
    socket.removeAllListeners();
    socket.close();
    this.socket = null;
    const data = err?.data;
    const code = (data?.code ?? 'unreachable') as PeerClientErrorCode;
    const failure = new PeerClientError(code, data?.message ?? `cannot reach ${this.origin()}: ${err?.message ?? 'connection failed'}`, { ...data });
    this.emit('connect_failed', failure);
    if (FATAL_CONNECT_CODES.has(code)) return this.stop(failure);
    this.failures++;
    if (!this.everConnected && this.opts.maxConnectAttempts && this.failures >= this.opts.maxConnectAttempts) {
      return this.stop(failure);
    }
    let delay = backoffDelay(this.failures - 1);
    if (code === 'replay') delay = 0;
    if (code === 'timestamp_skew' && typeof data?.serverTime === 'number') {
      this.clockOffset = data.serverTime - Date.now();
      this.emit('warning', `local clock is ${Math.round(-this.clockOffset / 1000)} s off the server's; correcting`);
      if (!this.skewRetried) delay = 0;
      this.skewRetried = true;
    }
    if (typeof data?.retryAfterMs === 'number') delay = Math.max(delay, data.retryAfterMs);
    this.scheduleReconnect(delay);
  }

  private onDisconnect(socket: Socket, reason: string): void {
    if (socket !== this.socket) return;
    this.live = null;
    this.socket = null;
    socket.removeAllListeners();
    if (this.closed || this.stoppedBy || reason === 'io client disconnect') return;
    if (this.opts.reconnect === false) {
      return this.stop(new PeerClientError('closed', `disconnected (${reason})`));
    }
    this.emit('status', 'reconnecting');
    this.scheduleReconnect(backoffDelay(this.failures++));
  }

  private scheduleReconnect(delay: number): void {
    if (this.closed || this.stoppedBy) return;
    if (this.everConnected) this.emit('status', 'reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open();
    }, delay);
  }

  /** Ends the client without reconnecting (fatal connect error, terminated, session_replaced). */
  private stop(err: PeerClientError): void {
    if (this.stoppedBy || this.closed) return;
    this.stoppedBy = err;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.live = null;
    this.rejectWaiters(err);
    this.emit('stopped', err);
    this.emit('status', 'closed');
  }

  get stopReason(): PeerClientError | null {
    return this.stoppedBy;
  }

  private rejectWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private whenConnected(timeoutMs: number): Promise<Socket> {
    if (this.live) return Promise.resolve(this.live);
    if (this.stoppedBy) return Promise.reject(this.stoppedBy);
    if (this.closed) return Promise.reject(new PeerClientError('closed', 'the client was closed'));
    if (!this.started) return Promise.reject(new PeerClientError('closed', 'connect() was not called'));
    return new Promise<Socket>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      let timer: NodeJS.Timeout | null = null;
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== waiter);
          reject(new PeerClientError('unreachable', `not connected to ${this.origin()}`));
        }, timeoutMs);
      }
      waiter.resolve = (s) => (timer && clearTimeout(timer), resolve(s));
      waiter.reject = (e) => (timer && clearTimeout(timer), reject(e));
      this.waiters.push(waiter);
    });
  }

  // ---- root keys ----

  private storeRootKey(epoch: number, key: Uint8Array, announce: boolean): void {
    const known = this.rootKeys.has(epoch);
    this.rootKeys.set(epoch, key);
    if (epoch > this.currentEpoch) this.currentEpoch = epoch;
    if (announce && !known) this.emit('root_key', { epoch, key });
  }

  private learnRootKey(r: SealedRootKey): Uint8Array | null {
    if (!r || typeof r.sealed !== 'string' || !Number.isInteger(r.epoch)) return null;
    const key = openSealedForMember(r.sealed, this.opts.identity.secretKey);
    if (!key) {
      this.emit('warning', `the sealed root key of epoch ${r.epoch} did not open to 32 bytes; ignored`);
      return null;
    }
    this.storeRootKey(r.epoch, key, true);
    if (r.epoch > this.currentEpoch) this.currentEpoch = r.epoch;
    return key;
  }

  private async currentRootKey(): Promise<{ epoch: number; key: Uint8Array }> {
    if (this.welcome && this.welcome.rootKey.epoch > this.currentEpoch) await this.fetchRootKey();
    const key = this.rootKeys.get(this.currentEpoch);
    if (key) return { epoch: this.currentEpoch, key };
    return this.fetchRootKey();
  }

  // ---- receiving: decrypt → onMessage (store) → ack ----

  private enqueueMessage(m: MessageEvent): void {
    this.chain = this.chain.then(() => this.handleMessage(m)).catch((e) => {
      this.emit('warning', `message ${m?.id} not stored: ${(e as Error).message}`);
    });
  }

  private async handleMessage(m: MessageEvent): Promise<void> {
    if (!m || typeof m.id !== 'string' || !m.from) return;
    if (typeof m.keyEpoch === 'number' && !this.rootKeys.has(m.keyEpoch)) {
      await this.fetchRootKey(m.keyEpoch).catch(() => undefined);
    }
    const decrypted = decryptMessage(m, this.opts.identity.secretKey, (e) => this.rootKeys.get(e));
    if (this.opts.onMessage) await this.opts.onMessage(decrypted);
    this.emit(decrypted.body ? 'message' : 'undecryptable', decrypted);
    this.pendingAcks.push(m.id);
    void this.flushAcks();
  }

  private flushAcks(): Promise<void> {
    if (this.ackFlush) return this.ackFlush.then(() => (this.pendingAcks.length ? this.flushAcks() : undefined));
    if (!this.pendingAcks.length || !this.live) return Promise.resolve();
    this.ackFlush = (async () => {
      await Promise.resolve();
      while (this.pendingAcks.length && this.live) {
        const batch = this.pendingAcks.splice(0, 500);
        try {
          await this.request('ack', { messageIds: batch }, { retries: 2 });
        } catch (e) {
          // Unacked rows are redelivered after the lease; receivers de-duplicate by id.
          this.emit('warning', `ack failed: ${(e as Error).message}`);
        }
      }
    })().finally(() => {
      this.ackFlush = null;
    });
    return this.ackFlush;
  }
}

export interface PeerClient {
  on<K extends keyof PeerClientEventMap>(event: K, listener: (payload: PeerClientEventMap[K]) => void): this;
  once<K extends keyof PeerClientEventMap>(event: K, listener: (payload: PeerClientEventMap[K]) => void): this;
  off<K extends keyof PeerClientEventMap>(event: K, listener: (payload: PeerClientEventMap[K]) => void): this;
  emit<K extends keyof PeerClientEventMap>(event: K, payload: PeerClientEventMap[K]): boolean;
}
