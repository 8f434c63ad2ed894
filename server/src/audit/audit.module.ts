import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AuditMessagesTask } from './audit-messages.task';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/**
 * The audit chain (data-model.md §4). Other modules import this one for AuditService.append. It does not import the
 * mesh module (which depends on it); AuditService resolves MeshAccessService lazily.
 */
@Module({
  imports: [AuthModule],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, AuditMessagesTask],
  exports: [AuditService],
})
export class AuditModule {}
