import { ROLE_LABELS, roleCapabilitySentence } from '@claudemesh/shared/dto';
import type { MemberRole } from '@claudemesh/shared/protocol';

export interface InviteMailInput {
  meshName: string;
  inviterName: string;
  role: MemberRole;
  expiresAt: Date;
  shortUrl: string;
  cliCommand: string;
  installCommand: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_MAX = 200;

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** "2026-12-08 10:00 UTC". */
export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The invite mail (invites.md §9): plain values in text, every value escaped in HTML; no remote images, no tracking. */
export function renderInviteMail(m: InviteMailInput): RenderedMail {
  const subjectRaw = `${m.inviterName} invited you to ${m.meshName} on claudemesh`;
  const subject = subjectRaw.length > SUBJECT_MAX ? subjectRaw.slice(0, SUBJECT_MAX - 1) + '…' : subjectRaw;
  const role = ROLE_LABELS[m.role];
  const capabilities = roleCapabilitySentence(m.role);
  const expiry = formatUtc(m.expiresAt);
  const ignore = 'If you did not expect this, ignore this message.';

  const text = [
    `${m.inviterName} invited you to join the mesh "${m.meshName}" on claudemesh.`,
    '',
    `You will join as ${role}. ${capabilities}`,
    '',
    `Open the invite: ${m.shortUrl}`,
    '',
    'Join from a terminal:',
    `  ${m.cliCommand}`,
    '',
    'First time? Install the CLI first:',
    `  ${m.installCommand}`,
    '',
    `The invite is valid until ${expiry}.`,
    '',
    ignore,
    '',
  ].join('\n');

  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1b1f;line-height:1.5">
<p><strong>${e(m.inviterName)}</strong> invited you to join the mesh <strong>${e(m.meshName)}</strong> on claudemesh.</p>
<p>You will join as <strong>${e(role)}</strong>. ${e(capabilities)}</p>
<p><a href="${e(m.shortUrl)}">${e(m.shortUrl)}</a></p>
<p>Join from a terminal:</p>
<pre style="background:#f4f4f6;padding:8px;border-radius:4px">${e(m.cliCommand)}</pre>
<p>First time? Install the CLI first:</p>
<pre style="background:#f4f4f6;padding:8px;border-radius:4px">${e(m.installCommand)}</pre>
<p>The invite is valid until ${e(expiry)}.</p>
<p style="color:#66666e">${e(ignore)}</p>
</body></html>
`;
  return { subject, text, html };
}
