import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../database/redis.service';
import { MetricsService } from '../metrics/metrics.service';
import { BucketResult, MemoryBuckets, REDIS_BUCKET_SCRIPT } from './token-bucket';

/**
 * Token buckets with continuous refill (security.md §5): in Redis when REDIS_URL is set (shared by all nodes),
 * in node memory otherwise, and in memory while Redis is unreachable (operations.md §7).
 * A refusal increments claudemesh_rate_limited_total{scope}.
 */
@Injectable()
export class RateLimiterService {
  private readonly logger = new Logger('rate-limit');
  private readonly memory = new MemoryBuckets();

  constructor(
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
  ) {}

  async consume(scope: string, key: string, capacity: number, refillPerMinute: number, cost = 1): Promise<BucketResult> {
    const result = await this.take(`${scope}:${key}`, capacity, refillPerMinute, cost);
    if (!result.ok) this.metrics.rateLimitedTotal.inc({ scope });
    return result;
  }

  private async take(bucket: string, capacity: number, refillPerMinute: number, cost: number): Promise<BucketResult> {
    const client = this.redis.client;
    if (client && this.redis.isUp()) {
      try {
        const reply = (await client.eval(REDIS_BUCKET_SCRIPT, {
          keys: [`claudemesh:rl:${bucket}`],
          arguments: [String(capacity), String(refillPerMinute / 60000), String(cost), String(Date.now())],
        })) as [number, number];
        return { ok: Number(reply[0]) === 1, retryAfterMs: Number(reply[1]) };
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'redis rate limit failed; using node memory');
      }
    }
    return this.memory.consume(bucket, capacity, refillPerMinute, cost);
  }
}
