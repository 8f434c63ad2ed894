import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MeshModule } from '../mesh/mesh.module';
import { MailOutboxController } from './mail-outbox.controller';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MailOutboxService } from './mail-outbox.service';
import { MailSenderService } from './mail-sender.service';
import { MAIL_TRANSPORT } from './mail-transport';
import { createMailTransport } from './mail-transport.factory';

/** Mail: the transport chosen at boot, the outbox (queue + admin read), and the mail-sender leader task. */
@Module({
  imports: [AuthModule, MeshModule],
  controllers: [MailOutboxController],
  providers: [
    { provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createMailTransport(config) },
    MailOutboxRepository,
    MailOutboxService,
    MailSenderService,
  ],
  exports: [MailOutboxService],
})
export class MailModule {}
