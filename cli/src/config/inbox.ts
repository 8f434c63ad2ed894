import fs from 'node:fs';
import type { DecryptedMessage } from '../sdk';
import { paths } from './home';
import { appendLinesSync, readJsonFile, writeJsonAtomic } from './secure-fs';

export const DEDUP_WINDOW = 10_000;

/** One decrypted message in inbox/<meshId>.jsonl. */
export interface InboxRecord {
  id: string;
  seq: number;
  meshId: string;
  from: { memberId: string; pubkey: string; displayName: string; sessionId: string };
  to: string;
  toSession: string | null;
  kind: 'direct' | 'broadcast' | 'group';
  priority: string;
  keyEpoch: number | null;
  text: string;
  replyTo?: string;
  sentAt: string;
  receivedAt: string;
}

export function toInboxRecord(m: DecryptedMessage): InboxRecord {
  const rec: InboxRecord = {
    id: m.id,
    seq: m.seq,
    meshId: m.meshId,
    from: { memberId: m.from.memberId, pubkey: m.from.pubkey, displayName: m.from.displayName, sessionId: m.from.sessionId },
    to: m.to,
    toSession: m.toSession,
    kind: m.kind,
    priority: m.priority,
    keyEpoch: m.keyEpoch,
    text: m.body?.text ?? '',
    sentAt: m.sentAt,
    receivedAt: new Date().toISOString(),
  };
  if (m.body?.replyTo) rec.replyTo = m.body.replyTo;
  return rec;
}

/** Inbox records in the order they were stored, then sorted by seq for display. */
export function readInbox(meshId: string): InboxRecord[] {
  return readRecords(meshId).sort((a, b) => a.seq - b.seq);
}

function readRecords(meshId: string): InboxRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(paths.inbox(meshId), 'utf8');
  } catch {
    return [];
  }
  const out: InboxRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as InboxRecord);
    } catch {
      // A torn last line from a crash is skipped.
    }
  }
  return out;
}

/** The append-only inbox of one mesh, with the last 10 000 ids kept for de-duplication (shared by processes via the file). */
export class Inbox {
  private seen = new Set<string>();
  private order: string[] = [];
  private loadedSize = -1;

  constructor(readonly meshId: string) {}

  private refresh(): void {
    let size = 0;
    try {
      size = fs.statSync(paths.inbox(this.meshId)).size;
    } catch {
      size = 0;
    }
    if (size === this.loadedSize) return;
    // File order is arrival order: the window keeps the newest 10 000 ids.
    this.order = readRecords(this.meshId).map((r) => r.id).slice(-DEDUP_WINDOW);
    this.seen = new Set(this.order);
    this.loadedSize = size;
  }

  has(id: string): boolean {
    this.refresh();
    return this.seen.has(id);
  }

  /** Appends with fsync; false when the id was already stored. */
  append(rec: InboxRecord): boolean {
    this.refresh();
    if (this.seen.has(rec.id)) return false;
    appendLinesSync(paths.inbox(this.meshId), [JSON.stringify(rec)]);
    this.seen.add(rec.id);
    this.order.push(rec.id);
    if (this.order.length > DEDUP_WINDOW) {
      this.order = this.order.slice(-DEDUP_WINDOW);
      this.seen = new Set(this.order);
    }
    try {
      this.loadedSize = fs.statSync(paths.inbox(this.meshId)).size;
    } catch {
      this.loadedSize = -1;
    }
    return true;
  }
}

/** The ids check_messages already returned, so that each message is returned once. */
export function takeUnreturned(meshId: string, limit: number): InboxRecord[] {
  const state = readJsonFile<{ ids: string[] }>(paths.inboxCursor(meshId)) ?? { ids: [] };
  const returned = new Set(state.ids);
  const fresh = readInbox(meshId).filter((r) => !returned.has(r.id)).slice(0, limit);
  if (fresh.length) writeJsonAtomic(paths.inboxCursor(meshId), { ids: [...state.ids, ...fresh.map((r) => r.id)].slice(-DEDUP_WINDOW) });
  return fresh;
}
