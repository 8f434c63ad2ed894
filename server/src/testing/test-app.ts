import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { createTestDatabase, freePort } from '@claudemesh/database';
import { AppConfig, loadConfig } from '../config/app-config';
import { bootRuntime, createApp } from '../common/boot';
import { gracefulShutdown } from '../common/graceful-shutdown';
import { randomBytes } from 'node:crypto';

export interface TestApp {
  app: INestApplication;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  dataSource: DataSource;
  config: AppConfig;
  /** The first-time setup token printed at boot (no account exists in a fresh database). */
  setupToken: string | null;
  /** Graceful shutdown (as on SIGTERM, without exiting), then drops the database. */
  close(): Promise<void>;
}

/**
 * The full AppModule on a fresh database (migrated), listening on 127.0.0.1 at a random port, Socket.IO included.
 * `env` overrides the test defaults (any variable of operations.md §2, plus TASK_PERIOD_SCALE / TASK_PERIODS).
 * DATABASE_URL in the process environment is the admin connection used to create the database.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const port = env['PORT'] && env['PORT'] !== '0' ? Number(env['PORT']) : await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    SERVER_SECRET: randomBytes(32).toString('hex'),
    ...env,
    PORT: String(port),
    DATABASE_URL: env['DATABASE_URL'] ?? db.url,
  });
  let boot;
  try {
    boot = await bootRuntime(config);
  } catch (e) {
    await db.drop();
    throw e;
  }
  const app = await createApp(boot);
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    app,
    baseUrl,
    dataSource: boot.dataSource,
    config,
    setupToken: boot.setupToken,
    async close() {
      if (closed) return;
      closed = true;
      await gracefulShutdown({ app, dataSource: boot.dataSource, graceSeconds: Math.min(config.shutdownGraceSeconds, 5), logger: boot.logger });
      await db.drop();
    },
  };
}
