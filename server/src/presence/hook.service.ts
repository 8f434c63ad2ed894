import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '@claudemesh/shared/errors';
import type { HookSetStatusBody, HookSetStatusResponse } from '@claudemesh/shared/protocol';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RateLimiterService } from '../rate-limit/rate-limiter.service';
import { PresenceService } from './presence.service';
import { StatusService } from './status.service';

/** POST /hook/set-status after the token MAC and the body were checked (protocol.md §9 steps 4–7). */
@Injectable()
export class HookService {
  constructor(
    private readonly presence: PresenceService,
    private readonly status: StatusService,
    private readonly rateLimiter: RateLimiterService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async setStatus(presenceId: string, body: HookSetStatusBody): Promise<HookSetStatusResponse> {
    try {
      const res = await this.run(presenceId, body);
      this.metrics.hookRequestsTotal.inc({ result: res.applied ? 'applied' : 'not_applied' });
      return res;
    } catch (e) {
      this.metrics.hookRequestsTotal.inc({ result: e instanceof AppError ? e.code : 'error' });
      throw e;
    }
  }

  private async run(presenceId: string, body: HookSetStatusBody): Promise<HookSetStatusResponse> {
    const row = await this.presence.findLive(presenceId);
    if (!row) throw new AppError('unauthenticated', 'This hook token belongs to a session that has ended');
    if (body.sessionId !== undefined && body.sessionId !== row.session_id) {
      throw new AppError('session_mismatch', 'sessionId differs from the session of this hook token');
    }
    const limit = this.config.hookRateLimitPerMin;
    const rl = await this.rateLimiter.consume('hook', presenceId, limit, limit);
    if (!rl.ok) throw new AppError('rate_limited', 'Too many hook calls for this session', { retryAfterMs: rl.retryAfterMs });
    const out = await this.status.apply(presenceId, body.status, 'hook');
    if (!out) throw new AppError('unauthenticated', 'This hook token belongs to a session that has ended');
    return { ok: true, applied: out.applied, status: out.status, source: out.source, presenceId };
  }
}
