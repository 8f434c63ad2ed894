import { startRedisServer, toolsAvailable, type RedisServer } from '@claudemesh/database';
import { loadConfig } from '../config/app-config';
import { RedisService } from '../database/redis.service';
import { MetricsService } from '../metrics/metrics.service';
import { RateLimiterService } from './rate-limiter.service';

const withRedis = toolsAvailable('rate limiter with Redis', ['redis-server']);
const SECRET = 'b'.repeat(64);

describe('RateLimiterService', () => {
  const redises: RedisService[] = [];
  let redisServer: RedisServer | undefined;
  beforeAll(async () => {
    if (withRedis) redisServer = await startRedisServer();
  });
  afterAll(async () => {
    for (const r of redises) await r.onApplicationShutdown();
    await redisServer?.stop();
  });

  async function limiter(redisUrl: string | null) {
    const config = loadConfig(redisUrl ? { REDIS_URL: redisUrl, SERVER_SECRET: SECRET } : {});
    const redis = new RedisService(config);
    redises.push(redis);
    await redis.connect();
    const metrics = new MetricsService();
    return { svc: new RateLimiterService(redis, metrics), metrics, redis };
  }

  (withRedis ? it : it.skip)('with Redis, two nodes share one bucket; refusals count in claudemesh_rate_limited_total', async () => {
    const a = await limiter(redisServer!.url);
    const b = await limiter(redisServer!.url);
    expect(a.redis.isUp()).toBe(true);
    const key = `test-${Date.now()}-${Math.random()}`;
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await (i % 2 ? a : b).svc.consume('claim-ip', key, 5, 5));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
    expect(results[5].retryAfterMs).toBeGreaterThan(10_000);
    expect(results[5].retryAfterMs).toBeLessThanOrEqual(12_000);
    const counted = (await a.metrics.rateLimitedTotal.get()).values.find((v) => v.labels.scope === 'claim-ip')?.value;
    expect(counted).toBe(1);
  });

  it('without Redis, buckets live in node memory (per node)', async () => {
    const a = await limiter(null);
    const b = await limiter(null);
    for (let i = 0; i < 3; i++) expect((await a.svc.consume('x', 'k', 3, 1)).ok).toBe(true);
    expect((await a.svc.consume('x', 'k', 3, 1)).ok).toBe(false);
    expect((await b.svc.consume('x', 'k', 3, 1)).ok).toBe(true);
  });

  it('falls back to memory when Redis is unreachable', async () => {
    const a = await limiter('redis://127.0.0.1:1');
    expect(a.redis.isUp()).toBe(false);
    expect((await a.svc.consume('x', 'k', 1, 1)).ok).toBe(true);
    expect((await a.svc.consume('x', 'k', 1, 1)).ok).toBe(false);
  });
});
