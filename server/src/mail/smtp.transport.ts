import * as nodemailer from 'nodemailer';
import type { MailTransport, OutgoingMail } from './mail-transport';

/** nodemailer over MAIL_SMTP_URL (smtp:// or smtps://; nodemailer reads options such as ?ignoreTLS=true from the URL). */
export class SmtpMailTransport implements MailTransport {
  readonly name = 'smtp' as const;
  private readonly transporter: nodemailer.Transporter;

  constructor(smtpUrl: string) {
    this.transporter = nodemailer.createTransport(smtpUrl, {
      // Fail fast so one dead server never stalls the 2 s sender loop for long.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    } as nodemailer.TransportOptions);
  }

  async send(mail: OutgoingMail): Promise<{ providerMessageId: string }> {
    const info = await this.transporter.sendMail({
      to: mail.to,
      from: mail.from,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    return { providerMessageId: String(info.messageId ?? '').slice(0, 200) };
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
