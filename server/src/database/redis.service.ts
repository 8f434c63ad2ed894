import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { createClient, RedisClientType } from 'redis';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * The node's general-purpose Redis client (rate-limit buckets, readiness ping) when REDIS_URL is set.
 * Modules that need a dedicated connection (the Socket.IO adapter's blocking reads) call `duplicate()`.
 * Redis being down never stops the node: callers check `isUp()` and fall back (operations.md §7).
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger('redis');
  readonly client: RedisClientType | null;
  private up = false;
  private readonly extra: RedisClientType[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client = config.redisUrl ? this.make(config.redisUrl) : null;
  }

  get enabled(): boolean {
    return this.client !== null;
  }

  isUp(): boolean {
    return this.client !== null && this.up && this.client.isReady;
  }

  /** Starts connecting and waits at most `waitMs`; the client keeps reconnecting on its own afterwards. */
  async connect(waitMs = 2000): Promise<void> {
    if (!this.client || this.client.isOpen) return;
    const connecting = this.client.connect().catch((e: Error) => this.logger.warn({ err: e.message }, 'redis connect failed'));
    await withTimeout(connecting, waitMs).catch(() => this.logger.warn('redis is unreachable; retrying in the background'));
  }

  /** A new connected client on the same URL, closed at shutdown. Null when Redis is disabled. */
  async duplicate(): Promise<RedisClientType | null> {
    if (!this.client) return null;
    const c = this.client.duplicate() as RedisClientType;
    c.on('error', () => undefined);
    this.extra.push(c);
    await withTimeout(c.connect(), 2000).catch(() => this.logger.warn('redis is unreachable; the duplicate keeps retrying'));
    return c;
  }

  /** PING with a timeout; updates the cached state used by readiness. */
  async ping(timeoutMs = 2000): Promise<boolean> {
    if (!this.client) return false;
    try {
      if (!this.client.isOpen) void this.connect(0);
      await withTimeout(this.client.ping(), timeoutMs);
      this.up = true;
    } catch {
      this.up = false;
    }
    return this.up;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const c of [...this.extra, ...(this.client ? [this.client] : [])]) {
      if (c.isReady) await withTimeout(c.quit(), 2000).catch(() => c.destroy());
      else if (c.isOpen) c.destroy();
    }
  }

  private make(url: string): RedisClientType {
    const c = createClient({
      url,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(1000 + retries * 200, 5000) },
      // Commands fail fast while disconnected, so callers fall back instead of queueing.
      disableOfflineQueue: true,
    }) as RedisClientType;
    c.on('ready', () => (this.up = true));
    c.on('end', () => (this.up = false));
    c.on('error', () => (this.up = false));
    return c;
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]);
}
