import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

type DrainHook = () => Promise<void> | void;

/**
 * Shared state of the graceful shutdown (operations.md §8). Modules register `onDrain` hooks (the broker releases
 * claims, puts its presences in grace and disconnects its sockets); the handshake middleware refuses new peers while
 * `isShuttingDown`; readiness reports `shutting_down`. The sequence itself runs in common/graceful-shutdown.ts.
 */
@Injectable()
export class ShutdownService {
  private readonly logger = new Logger('shutdown');
  private readonly drainHooks: { name: string; fn: DrainHook }[] = [];
  private shuttingDown = false;
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private skipWaitResolvers: (() => void)[] = [];
  private skipRequested = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  get inflightRequests(): number {
    return this.inflight;
  }

  onDrain(fn: DrainHook, name = 'drain'): void {
    this.drainHooks.push({ name, fn });
  }

  /** Step 1: readiness turns 503. */
  begin(): void {
    this.shuttingDown = true;
  }

  /** A second signal: skip waiting for in-flight work (step 4). */
  skipWaiting(): void {
    this.skipRequested = true;
    for (const r of this.skipWaitResolvers.splice(0)) r();
  }

  /** Step 3: runs every drain hook; one failing hook does not stop the others. */
  async runDrainHooks(): Promise<void> {
    for (const h of this.drainHooks) {
      try {
        await h.fn();
      } catch (e) {
        this.logger.error({ hook: h.name, err: e instanceof Error ? e.stack : String(e) }, 'drain hook failed');
      }
    }
  }

  /** Step 4: resolves when no HTTP request is in flight, after `timeoutMs`, or on a second signal. */
  waitForIdle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0 || this.skipRequested) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.idleWaiters.push(done);
      this.skipWaitResolvers.push(done);
    });
  }

  /** Express middleware counting in-flight requests. */
  readonly trackRequests = (_req: Request, res: Response, next: NextFunction): void => {
    this.inflight++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      this.inflight--;
      if (this.inflight === 0) for (const r of this.idleWaiters.splice(0)) r();
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
