import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { LeaderTasksService } from '../tasks/leader-tasks.service';
import { sanitizeMailError } from './mail-error';
import { MailOutboxRepository } from './mail-outbox.repository';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport';

/** invites.md §9 sender constants. */
export const MAIL_SENDER_PERIOD_MS = 2000;
export const MAIL_BATCH = 20;
export const MAIL_BACKOFF_SECONDS = [30, 120, 600, 3600, 21600];
export const MAIL_MAX_ATTEMPTS = 6;
export const MAIL_STALE_SENDING_SECONDS = 300;

/** The `mail-sender` leader task: claims due rows, sends them, records success or a retry with backoff. */
@Injectable()
export class MailSenderService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('mail-sender');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly repo: MailOutboxRepository,
    private readonly leaderTasks: LeaderTasksService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.leaderTasks.registerLeader('mail-sender', MAIL_SENDER_PERIOD_MS, () => this.tick());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close?.().catch(() => undefined);
  }

  /** One pass; exported for the leader loop only. */
  async tick(): Promise<void> {
    await this.repo.releaseStale(MAIL_STALE_SENDING_SECONDS);
    if (this.transport.name === 'outbox') return;
    const rows = await this.repo.claimDue(MAIL_BATCH);
    for (const row of rows) {
      try {
        const { providerMessageId } = await this.transport.send({
          to: row.toAddress,
          from: row.fromAddress,
          subject: row.subject,
          text: row.textBody,
          html: row.htmlBody,
        });
        await this.repo.markSent(row.id, providerMessageId);
        this.metrics.mailTotal.inc({ transport: this.transport.name, result: 'sent' });
      } catch (e) {
        const attempt = row.attempts + 1;
        const backoff = MAIL_BACKOFF_SECONDS[Math.min(attempt - 1, MAIL_BACKOFF_SECONDS.length - 1)];
        const lastError = sanitizeMailError(e, [this.config.mailSmtpUrl, this.config.postmarkToken]);
        await this.repo.markAttemptFailed(row.id, lastError, backoff, MAIL_MAX_ATTEMPTS);
        const result = attempt >= MAIL_MAX_ATTEMPTS ? 'failed' : 'retry';
        this.metrics.mailTotal.inc({ transport: this.transport.name, result });
        this.logger.warn({ outboxId: row.id, attempt, result }, 'mail send failed');
      }
    }
  }
}
