import { Inbox, toInboxRecord, type InboxRecord } from '../config/inbox';
import { warn } from '../output';
import type { DecryptedMessage } from '../sdk';

/**
 * The receiving duty (protocol.md §10): the SDK decrypts and verifies, this appends to the inbox with fsync, skipping
 * ids already stored, and only when it returns does the SDK ack. Undecryptable messages are reported and acked.
 */
export function storingHandler(meshId: string, meshName: string, onStored?: (r: InboxRecord) => void) {
  const inbox = new Inbox(meshId);
  return (m: DecryptedMessage): void => {
    if (!m.body) {
      warn(`${meshName}: message ${m.id} from ${m.from?.displayName ?? '?'} could not be decrypted or verified; dropped`);
      return;
    }
    const rec = toInboxRecord(m);
    if (inbox.append(rec)) onStored?.(rec);
  };
}
