import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { parseUiSubscribe } from '@claudemesh/shared/dto';
import { AckFailure, isAppError } from '@claudemesh/shared/errors';
import type { MeshRole } from '@claudemesh/shared/protocol';
import type { AuthContext } from '../auth/auth-context';
import { AuthService } from '../auth/auth.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MeshAccessService } from '../mesh/mesh-access.service';
import { RealtimeService } from '../realtime/realtime.service';
import { LeaderTasksService } from '../tasks/leader-tasks.service';

interface UiData {
  auth: AuthContext;
  subs: Map<string, MeshRole>;
}
type UiSocket = Socket<Record<string, never>, Record<string, never>, Record<string, never>, UiData>;

const SESSION_COOKIE = 'cm_session';

/**
 * The /ui namespace (api.md §10): cookie (with an Origin check) or PAT auth; subscribe/unsubscribe per mesh, with
 * rooms ui:mesh:<id> and ui:mesh-admin:<id>; access re-checked on members_changed and every 60 s.
 */
@Injectable()
export class UiGateway implements OnModuleInit {
  private readonly logger = new Logger('ui');

  constructor(
    private readonly realtime: RealtimeService,
    private readonly auth: AuthService,
    private readonly access: MeshAccessService,
    private readonly tasks: LeaderTasksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.realtime.attach();
    const nsp = this.realtime.uiNamespace;
    nsp.use((socket, next) => {
      void this.authenticate(socket as UiSocket).then(
        () => next(),
        (e: Error) => next(e),
      );
    });
    nsp.on('connection', (socket: UiSocket) => this.onConnection(socket));
    this.realtime.setHandlers({ recheckUi: (meshId) => void this.recheck(meshId) });
    this.tasks.registerLocal('ui-recheck', 60_000, () => this.recheck(null));
  }

  private async authenticate(socket: UiSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    let ctx: AuthContext;
    if (typeof token === 'string' && token.length > 0) {
      ctx = await this.auth.authenticate({ authorization: `Bearer ${token}` }).catch(() => {
        throw uiError('unauthenticated', 'A valid credential is required');
      });
    } else {
      const cookie = readCookie(socket.request.headers.cookie, SESSION_COOKIE);
      if (!cookie) throw uiError('unauthenticated', 'A valid credential is required');
      // Cross-site WebSocket hijacking: a cookie upgrade must come from our own origin.
      if (socket.request.headers.origin !== new URL(this.config.publicUrl).origin) throw uiError('csrf_failed', 'Origin not allowed');
      ctx = await this.auth.authenticate({ sessionCookie: cookie }).catch(() => {
        throw uiError('unauthenticated', 'A valid credential is required');
      });
    }
    socket.data = { auth: ctx, subs: new Map() };
  }

  private onConnection(socket: UiSocket): void {
    socket.on('error', () => undefined);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (r: unknown) => void) : null;
      if (!ack) return;
      this.handle(socket, event, args[0]).then(
        (body) => ack({ ok: true, ...body }),
        (e: unknown) => ack(e instanceof AckFailure ? e.toAck() : { ok: false, error: { code: 'internal', message: 'Internal error' } }),
      );
    });
  }

  private async handle(socket: UiSocket, event: unknown, payload: unknown): Promise<object> {
    if (event === 'subscribe') {
      const { meshId } = parseUiSubscribe(payload);
      const role = await this.access.roleOf(socket.data.auth.account.id, meshId).catch((e: unknown) => {
        if (isAppError(e)) return null;
        throw e;
      });
      if (!role) throw new AckFailure('not_found', 'Mesh not found');
      socket.data.subs.set(meshId, role);
      await socket.join(role === 'member' ? [`ui:mesh:${meshId}`] : [`ui:mesh:${meshId}`, `ui:mesh-admin:${meshId}`]);
      return {};
    }
    if (event === 'unsubscribe') {
      const { meshId } = parseUiSubscribe(payload);
      this.drop(socket, meshId);
      return {};
    }
    throw new AckFailure('unknown_event', 'unknown event');
  }

  private drop(socket: UiSocket, meshId: string): void {
    socket.data.subs.delete(meshId);
    void socket.leave(`ui:mesh:${meshId}`);
    void socket.leave(`ui:mesh-admin:${meshId}`);
  }

  /** Re-checks this node's subscriptions (of one mesh, or all); lost access ends the subscription. */
  private async recheck(meshId: string | null): Promise<void> {
    for (const s of this.realtime.uiNamespace.sockets.values()) {
      const socket = s as UiSocket;
      const subs = socket.data?.subs;
      if (!subs) continue;
      for (const [id, oldRole] of [...subs]) {
        if (meshId !== null && id !== meshId) continue;
        const role = await this.access.roleOf(socket.data.auth.account.id, id).catch(() => oldRole);
        if (!role) {
          this.drop(socket, id);
          (socket as unknown as { emit(e: string, p: unknown): void }).emit('subscription_ended', { meshId: id });
        } else if (role !== oldRole) {
          subs.set(id, role);
          if (role === 'member') void socket.leave(`ui:mesh-admin:${id}`);
          else void socket.join(`ui:mesh-admin:${id}`);
        }
      }
    }
  }
}

function uiError(code: 'unauthenticated' | 'csrf_failed', message: string): Error {
  const e = new Error(message) as Error & { data: unknown };
  e.data = { code, message };
  return e;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(v);
    } catch {
      return v;
    }
  }
  return undefined;
}
