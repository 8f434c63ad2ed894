import { GROUP_NAME_PATTERN, type Peer } from '@claudemesh/shared/protocol';
import { CliError, EXIT } from '../errors';

export interface ResolvedTarget {
  to: string;
  /** Set when a live peer's display name matched: the message is pinned to that session. */
  toSession?: string;
  /** What to show the user. */
  label: string;
}

const describe = (p: Peer): string =>
  `${p.displayName} (${p.pubkey.slice(0, 12)}…${p.sessionId ? `, session ${p.sessionId.slice(0, 8)}` : ', offline'})`;

/**
 * Name resolution (protocol.md §10): `*`, `@g` and 64-hex pass through; otherwise a case-insensitive match against live
 * peers' display names (pins toSession), then against members' display names. Several matches or none is an error.
 */
export function resolveTarget(input: string, peers: Peer[]): ResolvedTarget {
  const to = input.trim();
  if (to === '*') return { to, label: 'everyone (*)' };
  if (to.startsWith('@')) {
    if (!GROUP_NAME_PATTERN.test(to.slice(1))) throw new CliError(EXIT.invalidArgs, `"${to}" is not a valid group (lowercase a-z, 0-9, _ and -, at most 32)`);
    return { to, label: `group ${to}` };
  }
  if (/^[0-9a-fA-F]{64}$/.test(to)) {
    const hex = to.toLowerCase();
    const known = peers.find((p) => p.pubkey === hex);
    return { to: hex, label: known ? known.displayName : `${hex.slice(0, 12)}…` };
  }
  if (!to) throw new CliError(EXIT.invalidArgs, 'the recipient is empty');
  const name = to.toLowerCase();
  const live = peers.filter((p) => p.connected && p.sessionId && p.displayName.toLowerCase() === name);
  if (live.length === 1) return { to: live[0].pubkey, toSession: live[0].sessionId!, label: live[0].displayName };
  if (live.length > 1) {
    throw new CliError(EXIT.invalidArgs, `"${to}" is ambiguous; candidates: ${live.map(describe).join('; ')}. Send to a pubkey instead`);
  }
  const members = new Map<string, Peer>();
  for (const p of peers) if (!p.connected && p.displayName.toLowerCase() === name) members.set(p.memberId, p);
  if (members.size === 1) {
    const m = [...members.values()][0];
    return { to: m.pubkey, label: m.displayName };
  }
  if (members.size > 1) {
    throw new CliError(EXIT.invalidArgs, `"${to}" is ambiguous; candidates: ${[...members.values()].map(describe).join('; ')}. Send to a pubkey instead`);
  }
  throw new CliError(EXIT.notFound, `no peer or member is named "${to}"; nothing was sent (see "claudemesh peers --all")`);
}
