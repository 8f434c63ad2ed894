/** Max length of mail_outbox.last_error (data-model.md). */
export const LAST_ERROR_MAX = 500;

/**
 * A provider error as a short, credential-free line: URL userinfo and any known secret are masked, so
 * `last_error` (readable by admins) never carries the SMTP password or the Postmark token.
 */
export function sanitizeMailError(err: unknown, secrets: (string | null | undefined)[]): string {
  let msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  msg = msg.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@');
  for (const s of secrets) {
    if (!s) continue;
    msg = msg.split(s).join('***');
    try {
      const u = new URL(s);
      if (u.password) msg = msg.split(decodeURIComponent(u.password)).join('***');
      if (u.username) msg = msg.split(decodeURIComponent(u.username)).join('***');
    } catch {
      /* not a URL: masked verbatim above */
    }
  }
  msg = msg.replace(/\s+/g, ' ').trim() || 'send failed';
  return msg.length > LAST_ERROR_MAX ? msg.slice(0, LAST_ERROR_MAX - 1) + '…' : msg;
}
