import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClaimsRepository } from './claims.repository';
import { HookController } from './hook.controller';
import { HookService } from './hook.service';
import { HookTokenGuard } from './hook-token.guard';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';
import { PresenceTasks } from './presence.tasks';
import { StatusService } from './status.service';

/** Presences and status (protocol.md §5, §8) and the hook endpoint (§9). The broker builds on it. */
@Module({
  imports: [AuditModule],
  controllers: [HookController],
  providers: [PresenceRepository, ClaimsRepository, PresenceService, StatusService, HookService, HookTokenGuard, PresenceTasks],
  exports: [PresenceService, StatusService, PresenceRepository, ClaimsRepository],
})
export class PresenceModule {}
