import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BrokerModule } from './broker/broker.module';
import { CliDistModule } from './cli-dist/cli-dist.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { InviteModule } from './invite/invite.module';
import { LoggingModule } from './logging/logging.module';
import { MailModule } from './mail/mail.module';
import { MeshModule } from './mesh/mesh.module';
import { MetricsModule } from './metrics/metrics.module';
import { PresenceModule } from './presence/presence.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RealtimeModule } from './realtime/realtime.module';
import { TasksModule } from './tasks/tasks.module';

/** What the boot sequence prepared before Nest starts (common/boot.ts). */
export interface AppRuntime {
  config: AppConfig;
  /** Initialised and migrated. */
  dataSource: DataSource;
  nodeId: string;
  logger: Logger;
}

@Module({})
export class AppModule {
  static forRoot(runtime: AppRuntime): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Infrastructure (global providers).
        ConfigModule.forRoot(runtime.config),
        LoggingModule.forRoot(runtime.logger),
        DatabaseModule.forRoot(runtime.dataSource),
        CommonModule,
        MetricsModule,
        TasksModule.forRoot(runtime.nodeId),
        CryptoModule,
        RateLimitModule,
        RealtimeModule,
        // Features.
        AuthModule,
        MeshModule,
        AuditModule,
        MailModule,
        InviteModule,
        PresenceModule,
        BrokerModule,
        // Operations.
        HealthModule,
        CliDistModule,
      ],
    };
  }
}
