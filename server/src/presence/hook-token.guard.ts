import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '@claudemesh/shared/errors';
import { KeyringService } from '../crypto/keyring.service';
import { MetricsService } from '../metrics/metrics.service';

export type HookRequest = Request & { hookPresenceId?: string };

/** protocol.md §9 step 2: parse the hook token and verify its MAC, with no database access (401 otherwise). */
@Injectable()
export class HookTokenGuard implements CanActivate {
  constructor(
    private readonly keyring: KeyringService,
    private readonly metrics: MetricsService,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<HookRequest>();
    const m = /^Bearer (cmh1\.\S+)$/.exec((req.headers.authorization ?? '').trim());
    const presenceId = m ? this.keyring.verifyHookToken(m[1]) : null;
    if (!presenceId) {
      this.metrics.hookRequestsTotal.inc({ result: 'unauthenticated' });
      throw new AppError('unauthenticated', 'A valid hook token is required');
    }
    req.hookPresenceId = presenceId;
    return true;
  }
}
