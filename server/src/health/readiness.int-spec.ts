import { randomBytes } from 'node:crypto';
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

  it('with REDIS_URL, readiness reports redis up', async () => {
    const t = await createTestApp({ REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379' });
    apps.push(t);
    expect(await (await fetch(`${t.baseUrl}/health/ready`)).json()).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'up' });
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
