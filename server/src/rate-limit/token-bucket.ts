/** A continuous-refill token bucket in node memory (security.md §5). */
export interface BucketResult {
  ok: boolean;
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class MemoryBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  consume(key: string, capacity: number, refillPerMinute: number, cost = 1): BucketResult {
    const now = this.now();
    this.sweep(now);
    const perMs = refillPerMinute / 60000;
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, b.tokens + (now - b.at) * perMs);
    if (tokens >= cost) {
      this.buckets.set(key, { tokens: tokens - cost, at: now });
      return { ok: true, retryAfterMs: 0 };
    }
    this.buckets.set(key, { tokens, at: now });
    const retryAfterMs = cost > capacity || perMs <= 0 ? 60000 : Math.ceil((cost - tokens) / perMs);
    return { ok: false, retryAfterMs };
  }

  /** Drops buckets that are full again, at most once a minute, so memory stays bounded. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60000) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      if (now - b.at > 10 * 60000) this.buckets.delete(key);
    }
  }
}

/**
 * The same bucket as one atomic Lua script, so all nodes share it (keys expire when full again).
 * KEYS[1] bucket; ARGV: capacity, refill per ms, cost, now ms. Returns {ok, retryAfterMs}.
 */
export const REDIS_BUCKET_SCRIPT = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
local ok = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  ok = 1
else
  if cost > capacity or perMs <= 0 then retry = 60000 else retry = math.ceil((cost - tokens) / perMs) end
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(now))
local ttl = 60000
if perMs > 0 then ttl = math.ceil(capacity / perMs) + 1000 end
redis.call('PEXPIRE', KEYS[1], ttl)
return {ok, retry}
`;
