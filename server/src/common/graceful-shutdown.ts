import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { NodeService } from '../tasks/node.service';
import { ShutdownService } from './shutdown.service';

export interface ShutdownTargets {
  app: INestApplication;
  dataSource: DataSource;
  graceSeconds: number;
  logger: Logger;
  /** Stops the embedded PostgreSQL when this process started it. */
  stopDatabase?: () => Promise<void>;
}

function withLimit(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    p.then(
      () => (clearTimeout(t), resolve()),
      () => (clearTimeout(t), resolve()),
    );
  });
}

/**
 * operations.md §8, steps 1–5 (the caller exits): readiness 503 and no new connections; tasks stop after their
 * tick; drain hooks (broker: release claims, grace, disconnect); wait for in-flight requests up to the grace
 * (a second signal, via ShutdownService.skipWaiting, skips it); stopped_at; close Redis, the app and the pool;
 * stop the embedded PostgreSQL.
 */
export async function gracefulShutdown(t: ShutdownTargets): Promise<void> {
  const log = t.logger.child({ component: 'shutdown' });
  const shutdown = t.app.get(ShutdownService);
  const server = t.app.getHttpServer() as Server;
  const graceMs = t.graceSeconds * 1000;
  log.info('shutting down');
  shutdown.begin();
  server.close();
  await withLimit(t.app.get(LeaderTasksService).stop(), graceMs);
  await withLimit(shutdown.runDrainHooks(), graceMs);
  await shutdown.waitForIdle(graceMs);
  await withLimit(t.app.get(NodeService).markStopped(), 5000);
  server.closeAllConnections?.();
  await withLimit(t.app.close(), 10000);
  await withLimit(t.dataSource.isInitialized ? t.dataSource.destroy() : Promise.resolve(), 5000);
  if (t.stopDatabase) await t.stopDatabase().catch((e: Error) => log.error({ err: e.message }, 'embedded PostgreSQL stop failed'));
  log.info('stopped');
}
