import type { MailTransportName } from '@claudemesh/shared/dto';

/** One rendered mail, ready to hand to a provider. */
export interface OutgoingMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

/** invites.md §9: `MailTransport.send({to, from, subject, text, html}) → {providerMessageId}`. */
export interface MailTransport {
  readonly name: MailTransportName;
  send(mail: OutgoingMail): Promise<{ providerMessageId: string }>;
  close?(): Promise<void>;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
