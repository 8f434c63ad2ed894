import { createTestDatabase, TestDatabase } from '@claudemesh/database';
import { AppConfig, loadConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LeaderTasksService } from './leader-tasks.service';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leaderGauge(m: MetricsService, task: string): Promise<number> {
  const metric = await m.leader.get();
  return metric.values.find((v) => v.labels.task === task)?.value ?? -1;
}

describe('LeaderTasksService (operations.md §6)', () => {
  let db: TestDatabase;
  let config: AppConfig;
  const services: LeaderTasksService[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    config = loadConfig({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    for (const s of services) await s.stop();
    await db.drop();
  });

  function node(counts: Record<string, number>) {
    const metrics = new MetricsService();
    const svc = new LeaderTasksService(config, metrics);
    services.push(svc);
    svc.registerLeader('sweep', 50, async () => {
      counts.sweep = (counts.sweep ?? 0) + 1;
    });
    svc.registerLocal('beat', 50, async () => {
      counts.beat = (counts.beat ?? 0) + 1;
    });
    return { svc, metrics };
  }

  it('two nodes on one database: exactly one leads a task, both run local tasks; the other takes over when it stops', async () => {
    const a: Record<string, number> = {};
    const b: Record<string, number> = {};
    const na = node(a);
    const nb = node(b);
    na.svc.start();
    nb.svc.start();
    await sleep(800);
    expect(a.beat).toBeGreaterThan(3);
    expect(b.beat).toBeGreaterThan(3);
    const aLeads = (a.sweep ?? 0) > 0;
    const bLeads = (b.sweep ?? 0) > 0;
    expect(aLeads !== bLeads).toBe(true);
    const [leader, follower, followerCounts] = aLeads ? [na, nb, b] : [nb, na, a];
    expect(leader.svc.isLeading('sweep')).toBe(true);
    expect(follower.svc.isLeading('sweep')).toBe(false);
    expect((await leaderGauge(leader.metrics, 'sweep')) + (await leaderGauge(follower.metrics, 'sweep'))).toBe(1);

    await leader.svc.stop();
    expect(await leaderGauge(leader.metrics, 'sweep')).toBe(0);
    const before = followerCounts.sweep ?? 0;
    await sleep(500);
    expect(follower.svc.isLeading('sweep')).toBe(true);
    expect(followerCounts.sweep ?? 0).toBeGreaterThan(before);
    expect(await leaderGauge(follower.metrics, 'sweep')).toBe(1);
  });

  it('the lock connection dropping ends the leadership; the next tick takes it again', async () => {
    const c: Record<string, number> = {};
    const nc = node(c);
    nc.svc.start();
    // The follower of the previous test still leads 'sweep'; stop every earlier node first.
    for (const s of services.slice(0, -1)) await s.stop();
    await sleep(300);
    expect(nc.svc.isLeading('sweep')).toBe(true);
    const { Client } = await import('pg');
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'claudemesh-tasks' AND datname = current_database()`);
    await admin.end();
    await sleep(500);
    expect(nc.svc.isLeading('sweep')).toBe(true);
    const n = c.sweep;
    await sleep(200);
    expect(c.sweep).toBeGreaterThan(n);
  });

  it('the lock is the contract key: whoever holds pg_advisory_lock(first 8 bytes of SHA-256("claudemesh:task:<name>")) leads', async () => {
    for (const s of services) await s.stop();
    const { Client } = await import('pg');
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      // The key computed by PostgreSQL from the contract's definition, not by our advisoryKey().
      const k = `('x' || substr(encode(sha256(convert_to('claudemesh:task:sweep', 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint`;
      expect((await other.query(`SELECT pg_try_advisory_lock(${k}) AS ok`)).rows[0].ok).toBe(true);
      const c: Record<string, number> = {};
      const n = node(c);
      n.svc.start();
      await sleep(400);
      expect(c.beat).toBeGreaterThan(2);
      expect(c.sweep ?? 0).toBe(0);
      expect(n.svc.isLeading('sweep')).toBe(false);
      await other.query(`SELECT pg_advisory_unlock(${k})`);
      // A node that does not lead retries at the task period (50 ms here).
      await sleep(400);
      expect(n.svc.isLeading('sweep')).toBe(true);
      expect(c.sweep).toBeGreaterThan(0);
    } finally {
      await other.end();
    }
  });

  it('periods: TASK_PERIODS overrides one task, TASK_PERIOD_SCALE scales the others', () => {
    const scaled = new LeaderTasksService(loadConfig({ TASK_PERIOD_SCALE: '0.1', TASK_PERIODS: 'heartbeat=300' }), new MetricsService());
    expect(scaled.periodOf('heartbeat', 10000)).toBe(300);
    expect(scaled.periodOf('delivery-sweep', 60000)).toBe(6000);
    expect(scaled.periodOf('audit-messages', 100)).toBe(50);
  });
});
