import { Inject, Injectable } from '@nestjs/common';
import { sha256Hex } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';

/** security.md §5: public invite GETs 60/min per IP; claim and join 20/min per IP and 30/min per code. */
export const PUBLIC_GET_PER_MIN = 60;

@Injectable()
export class PublicRateLimitService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limiter: RateLimiterService,
  ) {}

  async publicGet(ip: string | undefined): Promise<void> {
    await this.take('invite-public-get', ip ?? 'unknown', PUBLIC_GET_PER_MIN);
  }

  /** `codeKey` is the code for claims and the token for joins; it is hashed so no capability sits in a bucket name. */
  async claim(ip: string | undefined, codeKey: unknown): Promise<void> {
    await this.take('invite-claim-ip', ip ?? 'unknown', this.config.claimRatePerIpPerMin);
    const key = typeof codeKey === 'string' ? sha256Hex(codeKey) : 'invalid';
    await this.take('invite-claim-code', key, this.config.claimRatePerCodePerMin);
  }

  private async take(scope: string, key: string, perMin: number): Promise<void> {
    const r = await this.limiter.consume(scope, key, perMin, perMin);
    if (!r.ok) throw new AppError('rate_limited', 'Too many requests; try again later', { retryAfterMs: r.retryAfterMs });
  }
}
