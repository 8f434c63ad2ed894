import type { AppConfig } from '../config/app-config';
import type { MailTransport } from './mail-transport';
import { OutboxMailTransport } from './outbox.transport';
import { PostmarkMailTransport } from './postmark.transport';
import { SmtpMailTransport } from './smtp.transport';

/** Builds the transport resolved by the config (invites.md §9 "Choice"; the config refuses ambiguous settings). */
export function createMailTransport(config: AppConfig): MailTransport {
  switch (config.mailTransport) {
    case 'smtp':
      if (!config.mailSmtpUrl) throw new Error('MAIL_TRANSPORT=smtp needs MAIL_SMTP_URL');
      return new SmtpMailTransport(config.mailSmtpUrl);
    case 'postmark':
      if (!config.postmarkToken) throw new Error('MAIL_TRANSPORT=postmark needs POSTMARK_TOKEN');
      return new PostmarkMailTransport(config.postmarkToken);
    default:
      return new OutboxMailTransport();
  }
}
