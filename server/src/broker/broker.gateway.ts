import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AckFailure, isAppError, type AckError } from '@claudemesh/shared/errors';
import { MAX_UNANSWERED_EVENTS, PEER_CLIENT_EVENTS, type PeerClientEventName } from '@claudemesh/shared/protocol';
import { ShutdownService } from '../common/shutdown.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { PresenceService } from '../presence/presence.service';
import { MemoryBuckets } from '../rate-limit/token-bucket';
import { PeerSocket, RealtimeService } from '../realtime/realtime.service';
import { NodeService } from '../tasks/node.service';
import { BrokerService } from './broker.service';
import { DeliveryService } from './delivery.service';
import { HandshakeError, HandshakeOk, HandshakeService } from './handshake.service';

/** security.md §5: events other than `send` (own bucket) and `ack` (bounded by the inflight window), per socket. */
const OTHER_EVENTS_PER_MIN = 600;

interface QueuedEvent {
  event: PeerClientEventName | null;
  payload: unknown;
  ack: (r: unknown) => void;
}

interface SocketState {
  queue: QueuedEvent[];
  running: boolean;
  unanswered: number;
  dropped: number;
}

type Pending = PeerSocket & { cmHandshake?: HandshakeOk; cmConnected?: boolean };

/**
 * The /peer namespace (protocol.md §3–§5): the handshake runs in namespace middleware (failures are connect_error),
 * welcome is the first event, then events of one socket are processed one at a time, in arrival order.
 */
@Injectable()
export class BrokerGateway implements OnModuleInit {
  private readonly logger = new Logger('peer');
  private readonly buckets = new MemoryBuckets();
  private readonly states = new WeakMap<PeerSocket, SocketState>();

  constructor(
    private readonly realtime: RealtimeService,
    private readonly handshakes: HandshakeService,
    private readonly broker: BrokerService,
    private readonly delivery: DeliveryService,
    private readonly presence: PresenceService,
    private readonly node: NodeService,
    private readonly shutdown: ShutdownService,
    private readonly metrics: MetricsService,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.logEvents = config.logLevel === 'debug';
  }

  /** operations.md §5: socket events log at debug (metadata only: names, ids, codes, durations). Checked once, off the hot path. */
  private readonly logEvents: boolean;

  async onModuleInit(): Promise<void> {
    await this.realtime.attach();
    const nsp = this.realtime.peerNamespace;
    nsp.use((socket, next) => {
      void this.authenticate(socket as Pending).then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    nsp.on('connection', (socket) => this.onConnection(socket as Pending));
    this.shutdown.onDrain(() => this.drainForShutdown(), 'peer-sockets');
  }

  private async authenticate(socket: Pending): Promise<void> {
    if (this.shutdown.isShuttingDown) throw new HandshakeError('internal', 'the server is shutting down', { retryAfterMs: 1000 });
    const ok = await this.handshakes.handshake(socket.handshake.auth, this.clientIp(socket.request), socket.id, this.node.nodeId);
    socket.data = ok.ctx;
    socket.cmHandshake = ok;
    if (ok.registration?.replacedSocketId) this.realtime.replaceSocket(ok.registration.replacedSocketId, ok.ctx.sessionId);
    // If the transport closes before the connection handler runs, no disconnect event will come: start grace here.
    // Capture only the presence id: this listener lives as long as the connection, and `ok` holds the whole welcome
    // (up to 500 peers), which would otherwise stay in memory for every socket (~200 KB each, bench idle-10000).
    const presenceId = ok.ctx.presenceId;
    socket.conn.once('close', () => {
      if (!socket.cmConnected && presenceId) void this.presence.onDisconnect(presenceId, socket.id, 'grace').catch(() => undefined);
    });
  }

  private onConnection(socket: Pending): void {
    const ok = socket.cmHandshake!;
    socket.cmConnected = true;
    delete socket.cmHandshake;
    const ctx = ok.ctx;
    // Rooms and welcome in the same tick, with no await in between (§5.1): welcome is the first event.
    void socket.join(ctx.passive ? [`member:${ctx.memberId}`] : [`mesh:${ctx.meshId}`, `member:${ctx.memberId}`]);
    (socket as unknown as { emit(e: string, p: unknown): void }).emit('welcome', ok.welcome);
    this.realtime.track(socket);
    this.metrics.peerConnections.inc({ passive: String(ctx.passive) });
    const state: SocketState = { queue: [], running: false, unanswered: 0, dropped: 0 };
    this.states.set(socket, state);
    socket.onAny((event: unknown, ...args: unknown[]) => this.onEvent(socket, state, event, args));
    socket.on('error', (e: Error) => this.logger.debug({ socketId: socket.id, err: e.message }, 'socket error'));
    socket.on('disconnect', (reason: string) => this.onDisconnect(socket, reason));
    if (ok.registration) this.presence.announceRegistration(ok.registration);
    this.delivery.drain(socket);
  }

  private onEvent(socket: PeerSocket, state: SocketState, event: unknown, args: unknown[]): void {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: unknown) => void) : null;
    if (!ack) {
      state.dropped++;
      this.logger.debug({ socketId: socket.id, dropped: state.dropped }, 'event without ack callback dropped');
      return;
    }
    if (state.unanswered >= MAX_UNANSWERED_EVENTS) {
      this.metrics.rateLimitedTotal.inc({ scope: 'socket_unanswered' });
      safeAck(ack, failure({ code: 'rate_limited', message: `more than ${MAX_UNANSWERED_EVENTS} events are unanswered`, retryAfterMs: 1000 }));
      return;
    }
    state.unanswered++;
    const name = typeof event === 'string' && (PEER_CLIENT_EVENTS as string[]).includes(event) ? (event as PeerClientEventName) : null;
    state.queue.push({ event: name, payload: args[0], ack });
    if (!state.running) void this.pump(socket, state);
  }

  private async pump(socket: PeerSocket, state: SocketState): Promise<void> {
    state.running = true;
    while (state.queue.length > 0) {
      const item = state.queue.shift()!;
      const started = this.logEvents ? performance.now() : 0;
      let afterAck: (() => void) | undefined;
      let reply: { ok: boolean; error?: AckError };
      try {
        const r = await this.dispatch(socket, item);
        afterAck = r.afterAck;
        reply = { ok: true, ...r.body };
      } catch (e) {
        reply = this.toFailure(socket, item.event, e);
      }
      state.unanswered--;
      safeAck(item.ack, reply);
      if (this.logEvents) {
        const durationMs = Math.round((performance.now() - started) * 10) / 10;
        const code = reply.ok ? undefined : reply.error?.code;
        this.logger.debug({ socketId: socket.id, presenceId: socket.data.presenceId, event: item.event ?? 'unknown', ok: reply.ok, code, durationMs }, 'socket event');
      }
      afterAck?.();
    }
    state.running = false;
  }

  private async dispatch(socket: PeerSocket, item: QueuedEvent): Promise<{ body: object; afterAck?: () => void }> {
    if (item.event === null) throw new AckFailure('unknown_event', 'unknown event');
    if (item.event !== 'send' && item.event !== 'ack') {
      const b = this.buckets.consume(socket.id, OTHER_EVENTS_PER_MIN, OTHER_EVENTS_PER_MIN);
      if (!b.ok) {
        this.metrics.rateLimitedTotal.inc({ scope: 'socket_events' });
        throw new AckFailure('rate_limited', 'too many events on this connection', { retryAfterMs: b.retryAfterMs });
      }
    }
    return this.broker.handlers[item.event](socket, item.payload);
  }

  private toFailure(socket: PeerSocket, event: string | null, e: unknown): { ok: false; error: AckError } {
    if (e instanceof AckFailure) return e.toAck();
    if (isAppError(e)) {
      const retryAfterMs = e.details?.retryAfterMs;
      switch (e.code) {
        case 'not_found':
          return failure({ code: 'not_found', message: e.message });
        case 'forbidden':
        case 'mesh_archived':
        case 'member_removed':
          return failure({ code: 'forbidden', message: e.message });
        case 'rate_limited':
          return failure({ code: 'rate_limited', message: e.message, ...(retryAfterMs ? { retryAfterMs } : {}) });
        default:
          break;
      }
    }
    const reference = randomUUID();
    this.logger.error({ socketId: socket.id, event, reference, err: e instanceof Error ? e.stack : String(e) }, 'socket handler failed');
    return failure({ code: 'internal', message: `Internal error; reference ${reference}` });
  }

  private onDisconnect(socket: PeerSocket, reason: string): void {
    this.realtime.untrack(socket);
    this.metrics.peerConnections.dec({ passive: String(socket.data.passive) });
    const presenceId = socket.data.presenceId;
    if (socket.data.passive || !presenceId) return;
    const mode = reason === 'client namespace disconnect' ? 'closed' : 'grace';
    this.presence.onDisconnect(presenceId, socket.id, mode).catch((e: Error) => {
      this.logger.error({ socketId: socket.id, err: e.message }, 'disconnect bookkeeping failed');
    });
  }

  /** Graceful shutdown step 3: grace for this node's presences (claims released), then disconnect every /peer socket. */
  private async drainForShutdown(): Promise<void> {
    await this.presence.graceAllOfNode(this.node.nodeId);
    this.realtime.peerNamespace.local.disconnectSockets(true);
  }

  private clientIp(req: IncomingMessage): string {
    // Express's own req.ip (its `trust proxy` setting), computed on the upgrade request (security.md §5).
    try {
      const app = this.adapterHost.httpAdapter.getInstance() as { request: object };
      const r = Object.create(app.request) as { headers: unknown; socket: unknown; connection: unknown; ip?: string };
      r.headers = req.headers;
      r.socket = req.socket;
      r.connection = req.socket;
      return r.ip ?? req.socket.remoteAddress ?? 'unknown';
    } catch {
      return req.socket.remoteAddress ?? 'unknown';
    }
  }
}

function failure(error: AckError): { ok: false; error: AckError } {
  return { ok: false, error };
}

function safeAck(ack: (r: unknown) => void, reply: unknown): void {
  try {
    ack(reply);
  } catch {
    // the socket went away; nothing to answer
  }
}
