import { ServerClient } from 'postmark';
import type { MailTransport, OutgoingMail } from './mail-transport';

export interface PostmarkEndpoint {
  /** Defaults to api.postmarkapp.com over https; tests point it at a loopback server. */
  requestHost?: string;
  useHttps?: boolean;
}

/** The postmark package's server client with POSTMARK_TOKEN. */
export class PostmarkMailTransport implements MailTransport {
  readonly name = 'postmark' as const;
  private readonly client: ServerClient;

  constructor(token: string, endpoint: PostmarkEndpoint = {}) {
    this.client = new ServerClient(token, { ...endpoint, timeout: 30 });
  }

  async send(mail: OutgoingMail): Promise<{ providerMessageId: string }> {
    const res = await this.client.sendEmail({
      From: mail.from,
      To: mail.to,
      Subject: mail.subject,
      TextBody: mail.text,
      HtmlBody: mail.html,
      MessageStream: 'outbound',
      TrackOpens: false,
    });
    if (res.ErrorCode !== 0) throw new Error(`postmark error ${res.ErrorCode}: ${res.Message}`);
    return { providerMessageId: String(res.MessageID).slice(0, 200) };
  }
}
