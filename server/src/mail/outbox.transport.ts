import { generateId } from '@claudemesh/shared/crypto';
import type { MailTransport, OutgoingMail } from './mail-transport';

/**
 * The default transport: mail is stored (status `stored`) for admins to read through GET /api/mail-outbox and is
 * never handed to a provider, so the sender never picks these rows up.
 */
export class OutboxMailTransport implements MailTransport {
  readonly name = 'outbox' as const;

  async send(_mail: OutgoingMail): Promise<{ providerMessageId: string }> {
    return { providerMessageId: `outbox-${generateId()}` };
  }
}
