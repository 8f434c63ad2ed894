import { randomBytes } from 'node:crypto';
import { startRedisServer, toolsAvailable } from '@claudemesh/database';
import { ShutdownService } from '../common/shutdown.service';
import { createTestApp, TestApp } from '../testing/test-app';
import { HealthService } from './health.service';

describe('readiness (operations.md §4, §7)', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const a of apps.reverse()) await a.close();
  });

  it('C-OPS-12: a second node without REDIS_URL next to a live one reports multi_node_without_redis; the first stays ready', async () => {
    const secret = randomBytes(32).toString('hex');
    const first = await createTestApp({ SERVER_SECRET: secret });
    apps.push(first);
    const second = await createTestApp({ SERVER_SECRET: secret, DATABASE_URL: first.config.databaseUrl! });
    apps.push(second);
    const r2 = await fetch(`${second.baseUrl}/health/ready`);
    expect(r2.status).toBe(503);
    expect(await r2.json()).toEqual({ status: 'not_ready', reasons: ['multi_node_without_redis'] });
    const r1 = await fetch(`${first.baseUrl}/health/ready`);
    expect(r1.status).toBe(200);
  });

  (toolsAvailable('readiness with Redis', ['redis-server']) ? it : it.skip)('with REDIS_URL, readiness reports redis up', async () => {
    const redis = await startRedisServer();
    try {
      const t = await createTestApp({ REDIS_URL: redis.url, SERVER_SECRET: randomBytes(32).toString('hex') });
      try {
        // Boot waits at most 2 s for Redis and then connects in the background (a loaded CI machine can take longer):
        // readiness must turn ready with redis up by itself.
        let body: unknown = null;
        for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
          body = await (await fetch(`${t.baseUrl}/health/ready`)).json();
          if ((body as { status?: string }).status === 'ready') break;
        }
        expect(body).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'up' });
      } finally {
        await t.close();
      }
    } finally {
      await redis.stop();
    }
  });

  it('shutting down: readiness turns 503 shutting_down before the drain hooks run', async () => {
    const t = await createTestApp();
    let seen: unknown = null;
    t.app.get(ShutdownService).onDrain(async () => {
      seen = await t.app.get(HealthService).readiness();
    });
    await t.close();
    expect(seen).toEqual({ status: 'not_ready', reasons: ['shutting_down'] });
  });
});
