import type { Peer } from '@claudemesh/shared/protocol';
import type { InboxRecord } from './config/inbox';

export function formatRecord(r: InboxRecord, meshName?: string): string {
  const when = r.sentAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const target = r.kind === 'direct' ? 'you' : r.to;
  const mesh = meshName ? `[${meshName}] ` : '';
  return `${mesh}${when} ${r.from.displayName} → ${target}: ${r.text}`;
}

export function formatPeer(p: Peer): string {
  const state = p.connected ? `${p.status ?? 'idle'} (${p.statusSource ?? 'inferred'})` : 'offline';
  const session = p.sessionId ? `session ${p.sessionId.slice(0, 8)}` : '';
  const parts = [
    `${p.displayName}${p.self ? ' (you)' : ''}`.padEnd(24),
    state.padEnd(20),
    session.padEnd(17),
    `${p.pubkey.slice(0, 12)}…`,
  ];
  if (p.groups.length) parts.push(p.groups.map((g) => `@${g}`).join(','));
  if (p.summary) parts.push(`"${p.summary}"`);
  if (p.cwd) parts.push(p.cwd);
  return `  ${parts.join('  ')}`.trimEnd();
}

/** "1 recipient", "3 recipients". */
export function recipientCount(n: number): string {
  return `${n} recipient${n === 1 ? '' : 's'}`;
}
