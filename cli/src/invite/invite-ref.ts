import { CODE_PATTERN, parseInviteV1Token, type InviteV1Payload } from '@claudemesh/shared/crypto';
import { CliError, EXIT } from '../errors';

/** What `join` was given: a short code or a v1 token, and the server origin when the argument was a URL. */
export type InviteRef =
  | { kind: 'code'; code: string; server: string | null }
  | { kind: 'token'; token: string; payload: InviteV1Payload; server: string | null };

function classify(ref: string, server: string | null): InviteRef | null {
  if (CODE_PATTERN.test(ref)) return { kind: 'code', code: ref, server };
  const payload = parseInviteV1Token(ref);
  return payload ? { kind: 'token', token: ref, payload, server } : null;
}

/** Parses `<url|code|token>`: https://host/i/<code>, https://host/join/<code|token>, a bare code, or a v1 token. */
export function parseInviteArg(arg: string): InviteRef {
  const input = arg.trim();
  if (/^https?:\/\//i.test(input)) {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new CliError(EXIT.invalidArgs, `"${input}" is not a valid URL`);
    }
    const segs = url.pathname.split('/').filter(Boolean);
    const at = segs.findIndex((s, i) => (s === 'i' || s === 'join') && i + 1 < segs.length);
    if (at >= 0) {
      let ref: string;
      try {
        ref = decodeURIComponent(segs[at + 1]);
      } catch {
        ref = segs[at + 1];
      }
      const found = classify(ref, url.origin);
      if (found) return found;
    }
    throw new CliError(EXIT.invalidArgs, `"${input}" is not an invite link (expected …/i/<code> or …/join/<code>)`);
  }
  const found = classify(input, null);
  if (!found) throw new CliError(EXIT.invalidArgs, `"${input}" is not an invite link, code or token`);
  return found;
}
