import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Server as HttpServer } from 'node:http';
import { Namespace, Server, Socket } from 'socket.io';
import type { PresenceEntity } from '@claudemesh/database';
import {
  PEER_NAMESPACE,
  PING_INTERVAL_MS,
  PING_TIMEOUT_MS,
  SOCKET_PATH,
  UI_NAMESPACE,
  type MemberRole,
  type PeerLeftEvent,
  type PeerServerEvents,
  type TerminateReason,
  type UiServerEvents,
} from '@claudemesh/shared/protocol';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RedisService } from '../database/redis.service';
import { RealtimeRepository } from './realtime.repository';

/** What the broker keeps on each /peer socket (socket.data). */
export interface PeerSocketData {
  meshId: string;
  memberId: string;
  pubkey: string;
  sessionId: string;
  presenceId: string | null;
  passive: boolean;
  /** The session's display name, stamped into message.from. */
  displayName: string;
  role: MemberRole;
  joinedKeyEpoch: number;
}

export type PeerSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, PeerSocketData>;

/** Handlers that the layers above plug in (arrows point down: realtime never imports broker/mesh code). */
export interface RealtimeHandlers {
  /** Drain the local sessions of these members (protocol.md §6 item 7). */
  drainMembers?: (memberIds: string[]) => void;
  /** Send each local socket of the mesh its sealed key of this epoch. */
  sendRootKey?: (meshId: string, epoch: number, sockets: PeerSocket[]) => Promise<void>;
  /** Re-check /ui subscriptions of the mesh on this node. */
  recheckUi?: (meshId: string) => void;
}

const TERMINATE_MESSAGES: Record<TerminateReason, string> = {
  removed: 'You were removed from this mesh',
  left: 'You left this mesh',
  mesh_archived: 'This mesh was archived',
};

/**
 * The only holder of the Socket.IO server (style.md R4 "peer-sockets"): both namespaces, the Redis streams adapter,
 * the per-node registry of /peer sockets, and every cross-node emit (rooms + serverSideEmit).
 */
@Injectable()
export class RealtimeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('realtime');
  private io: Server | null = null;
  private handlers: RealtimeHandlers = {};
  private readonly byMember = new Map<string, Set<PeerSocket>>();
  private readonly byMesh = new Map<string, Set<PeerSocket>>();
  /** `<meshId>:<pubkey>` → sockets: recipients of direct sends, for claim on write. */
  private readonly byPubkey = new Map<string, Set<PeerSocket>>();
  private clustered = false;
  private pendingNudge = new Set<string>();
  private nudgeTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly redis: RedisService,
    private readonly repo: RealtimeRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.attach();
  }

  private attaching: Promise<Server> | null = null;

  /** Creates the Socket.IO server on the app's HTTP server (idempotent). */
  attach(): Promise<Server> {
    this.attaching ??= this.create();
    return this.attaching;
  }

  private async create(): Promise<Server> {
    const httpServer = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    let adapter: ReturnType<typeof createAdapter> | undefined;
    if (this.config.redisUrl) {
      const client = await this.redis.duplicate();
      if (client) {
        survivesRedisOutage(client as unknown as RedisClientLike);
        adapter = createAdapter(client, { streamName: 'claudemesh:socket.io' });
        this.clustered = true;
      }
    }
    this.io = new Server(httpServer, {
      path: SOCKET_PATH,
      transports: ['websocket'],
      pingInterval: PING_INTERVAL_MS,
      pingTimeout: PING_TIMEOUT_MS,
      maxHttpBufferSize: 2 * this.config.maxMessageBytes + 65_536,
      serveClient: false,
      allowEIO3: false,
      cleanupEmptyChildNamespaces: false,
      ...(adapter ? { adapter } : {}),
    });
    const peer = this.io.of(PEER_NAMESPACE);
    peer.on('cm:nudge', (p: { memberIds?: unknown }) => {
      if (Array.isArray(p?.memberIds)) this.handlers.drainMembers?.(p.memberIds.filter((x): x is string => typeof x === 'string'));
    });
    peer.on('cm:root-key', (p: { meshId?: unknown; epoch?: unknown }) => {
      if (typeof p?.meshId === 'string' && typeof p?.epoch === 'number') void this.sendRootKeyLocal(p.meshId, p.epoch);
    });
    peer.on('cm:ui-recheck', (p: { meshId?: unknown }) => {
      if (typeof p?.meshId === 'string') this.handlers.recheckUi?.(p.meshId);
    });
    return this.io;
  }

  setHandlers(h: RealtimeHandlers): void {
    this.handlers = { ...this.handlers, ...h };
  }

  get peerNamespace(): Namespace {
    if (!this.io) throw new Error('Socket.IO not attached');
    return this.io.of(PEER_NAMESPACE);
  }

  get uiNamespace(): Namespace {
    if (!this.io) throw new Error('Socket.IO not attached');
    return this.io.of(UI_NAMESPACE);
  }

  get isClustered(): boolean {
    return this.clustered;
  }

  // ---- local registry of /peer sockets ----

  track(socket: PeerSocket): void {
    const d = socket.data;
    add(this.byMember, d.memberId, socket);
    add(this.byMesh, d.meshId, socket);
    add(this.byPubkey, `${d.meshId}:${d.pubkey}`, socket);
  }

  untrack(socket: PeerSocket): void {
    const d = socket.data;
    if (!d?.memberId) return;
    remove(this.byMember, d.memberId, socket);
    remove(this.byMesh, d.meshId, socket);
    remove(this.byPubkey, `${d.meshId}:${d.pubkey}`, socket);
  }

  localSocketsOfMember(memberId: string): PeerSocket[] {
    return [...(this.byMember.get(memberId) ?? [])];
  }

  localSocketsOfMesh(meshId: string): PeerSocket[] {
    return [...(this.byMesh.get(meshId) ?? [])];
  }

  /** Live view (do not mutate): the local sockets of the member with this public key in this mesh. */
  localSocketsOfPubkey(meshId: string, pubkey: string): ReadonlySet<PeerSocket> | undefined {
    return this.byPubkey.get(`${meshId}:${pubkey}`);
  }

  /** Live view (do not mutate): the local sockets of this mesh. */
  localSocketSetOfMesh(meshId: string): ReadonlySet<PeerSocket> | undefined {
    return this.byMesh.get(meshId);
  }

  localMemberIds(): string[] {
    return [...this.byMember.keys()];
  }

  allLocalSockets(): PeerSocket[] {
    const out: PeerSocket[] = [];
    for (const set of this.byMember.values()) out.push(...set);
    return out;
  }

  // ---- the cross-module contract (brief: "realtime") ----

  /** `terminated` to every socket of the member (any node), disconnect them, then `peer_left` for each ended presence. */
  async terminateMember(meshId: string, memberId: string, reason: TerminateReason, endedPresences: PresenceEntity[]): Promise<void> {
    if (!this.io) return;
    const room = `member:${memberId}`;
    const peer = this.peerNamespace;
    peer.to(room).emit('terminated', { reason, message: TERMINATE_MESSAGES[reason] });
    peer.in(room).disconnectSockets(true);
    if (endedPresences.length === 0) return;
    const pubkey = await this.repo.memberPubkey(memberId);
    for (const p of endedPresences) this.emitPeerLeft(meshId, leftEvent(p, pubkey ?? '', reason));
  }

  /** `terminated {mesh_archived}` to every socket of the mesh (passive ones included), then disconnect them. */
  async terminateMesh(meshId: string, endedPresences: PresenceEntity[]): Promise<void> {
    if (!this.io) return;
    // Passive sockets are only in their member room, so address every member room of the mesh.
    const members = await this.repo.meshMembers(meshId);
    const rooms = [`mesh:${meshId}`, ...members.map((m) => `member:${m.id}`)];
    const peer = this.peerNamespace;
    peer.to(rooms).emit('terminated', { reason: 'mesh_archived', message: TERMINATE_MESSAGES.mesh_archived });
    peer.in(rooms).disconnectSockets(true);
    const pubkeys = new Map(members.map((m) => [m.id, m.pubkey]));
    for (const p of endedPresences) {
      this.emitUi(meshId, 'presence', { meshId, kind: 'left', peer: leftEvent(p, pubkeys.get(p.memberId) ?? '', 'mesh_archived') });
    }
  }

  /** Each connected socket of the mesh (on every node) gets `root_key_rotated` with the key sealed to its member. */
  async rootKeyRotated(meshId: string, epoch: number): Promise<void> {
    if (!this.io) return;
    if (this.clustered) this.peerNamespace.serverSideEmit('cm:root-key', { meshId, epoch });
    await this.sendRootKeyLocal(meshId, epoch);
  }

  emitUi<E extends keyof UiServerEvents>(meshId: string, event: E, payload: UiServerEvents[E], opts?: { adminOnly?: boolean }): void {
    if (!this.io) return;
    const room = opts?.adminOnly ? `ui:mesh-admin:${meshId}` : `ui:mesh:${meshId}`;
    (this.uiNamespace.to(room) as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
    if (event === 'members_changed') {
      if (this.clustered) this.peerNamespace.serverSideEmit('cm:ui-recheck', { meshId });
      this.handlers.recheckUi?.(meshId);
    }
  }

  /** Trigger drains for these members: locally at once, on other nodes through `cm:nudge` (coalesced for a few ms). */
  nudge(memberIds: string[]): void {
    if (memberIds.length === 0 || this.closed) return;
    this.handlers.drainMembers?.(memberIds);
    if (!this.clustered || !this.io) return;
    for (const m of memberIds) this.pendingNudge.add(m);
    if (this.nudgeTimer) return;
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      const ids = [...this.pendingNudge];
      this.pendingNudge = new Set();
      if (ids.length && this.io && !this.closed) this.peerNamespace.serverSideEmit('cm:nudge', { memberIds: ids });
    }, 2);
  }

  // ---- peer events (protocol.md §5.3: to the mesh, except the member's own sessions) ----

  emitToMeshExceptMember<E extends keyof PeerServerEvents>(meshId: string, memberId: string, event: E, payload: PeerServerEvents[E]): void {
    if (!this.io) return;
    (this.peerNamespace.to(`mesh:${meshId}`).except(`member:${memberId}`) as unknown as { emit(e: string, p: unknown): void }).emit(
      event,
      payload,
    );
  }

  emitPeerLeft(meshId: string, ev: PeerLeftEvent): void {
    this.emitToMeshExceptMember(meshId, ev.memberId, 'peer_left', ev);
    this.emitUi(meshId, 'presence', { meshId, kind: 'left', peer: ev });
  }

  /** `session_replaced` to one socket (on whichever node holds it), then disconnect it. */
  replaceSocket(socketId: string, sessionId: string): void {
    if (!this.io) return;
    const peer = this.peerNamespace;
    (peer.to(socketId) as unknown as { emit(e: string, p: unknown): void }).emit('session_replaced', {
      sessionId,
      replacedAt: new Date().toISOString(),
    });
    peer.in(socketId).disconnectSockets(true);
  }

  private async sendRootKeyLocal(meshId: string, epoch: number): Promise<void> {
    const sockets = this.localSocketsOfMesh(meshId);
    if (sockets.length === 0 || !this.handlers.sendRootKey) return;
    try {
      await this.handlers.sendRootKey(meshId, epoch, sockets);
    } catch (e) {
      this.logger.error({ err: (e as Error).message, meshId }, 'root key fan-out failed');
    }
  }

  /** Closes the engine and every socket (the HTTP server itself belongs to Nest). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    const io = this.io;
    if (!io) return;
    for (const nsp of [PEER_NAMESPACE, UI_NAMESPACE]) io.of(nsp).local.disconnectSockets(true);
    io.engine.close();
    for (const nsp of io._nsps.values()) (nsp.adapter as { close?: () => void }).close?.();
  }
}

export function leftEvent(
  p: Pick<PresenceEntity, 'memberId' | 'displayName' | 'sessionId'>,
  pubkey: string,
  reason: PeerLeftEvent['reason'],
): PeerLeftEvent {
  return { memberId: p.memberId, pubkey, displayName: p.displayName, sessionId: p.sessionId, reason };
}

function add<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  s.add(v);
}

function remove<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  const s = map.get(key);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) map.delete(key);
}

/**
 * Makes the adapter's Redis client safe while Redis is down (operations.md §7: local sockets keep working; drain-scan
 * covers the lost nudges). Two problems of @socket.io/redis-streams-adapter 0.3 with a fail-fast client:
 * - its stream reader (a duplicate of this client) retries XREAD at once on errors; rejected synchronously while
 *   offline, that loop starves the event loop. The reader therefore queues while disconnected (XREAD waits);
 * - PUBLISH (serverSideEmit, e.g. `cm:nudge`, and acks) is not awaited, so an offline rejection crashes the process
 *   as an unhandled rejection. Those publishes are best-effort: failures are swallowed.
 */
function survivesRedisOutage(client: RedisClientLike): void {
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (o?: object) => duplicate({ ...o, disableOfflineQueue: false });
  for (const m of ['publish', 'sPublish'] as const) {
    const original = client[m]?.bind(client);
    if (original) client[m] = (...args: unknown[]) => original(...args).catch(() => 0);
  }
}

interface RedisClientLike {
  duplicate: (o?: object) => unknown;
  publish?: (...args: unknown[]) => Promise<unknown>;
  sPublish?: (...args: unknown[]) => Promise<unknown>;
}
