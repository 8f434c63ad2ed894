import {
  fromBase64,
  openDirect,
  openMulticast,
  sealDirect,
  sealMulticast,
  type Envelope,
  type MessageBody,
} from '@claudemesh/shared/crypto';
import type { TargetKind } from '@claudemesh/shared/dto';
import { GROUP_NAME_PATTERN, type MessageEvent } from '@claudemesh/shared/protocol';

export type { TargetKind };

export const isDirectTarget = (to: string): boolean => /^[0-9a-f]{64}$/.test(to);

export function targetKind(to: string): TargetKind | null {
  if (to === '*') return 'broadcast';
  if (to.startsWith('@')) return GROUP_NAME_PATTERN.test(to.slice(1)) ? 'group' : null;
  return isDirectTarget(to) ? 'direct' : null;
}

/** A `message` event after decryption; `body` is null when it could not be decrypted or verified. */
export interface DecryptedMessage {
  id: string;
  seq: number;
  meshId: string;
  from: MessageEvent['from'];
  to: string;
  toSession: string | null;
  priority: MessageEvent['priority'];
  keyEpoch: number | null;
  kind: TargetKind;
  sentAt: string;
  attempt: number;
  body: MessageBody | null;
}

/** Encrypts one body for a target (protocol.md §2.4, §2.5). */
export function encryptFor(
  to: string,
  body: MessageBody,
  ctx: { meshId: string; secretKey: string; rootKey?: { epoch: number; key: Uint8Array } },
): Envelope & { keyEpoch?: number } {
  if (isDirectTarget(to)) return sealDirect(body, to, ctx.secretKey);
  if (!ctx.rootKey) throw new Error('no root key for multicast');
  return { ...sealMulticast(body, { meshId: ctx.meshId, to, keyEpoch: ctx.rootKey.epoch }, ctx.rootKey.key, ctx.secretKey), keyEpoch: ctx.rootKey.epoch };
}

/** Decrypts and verifies a received message; never throws. */
export function decryptMessage(m: MessageEvent, secretKey: string, rootKey: (epoch: number) => Uint8Array | undefined): DecryptedMessage {
  const kind = targetKind(m.to) ?? 'direct';
  let body: MessageBody | null = null;
  const env = { nonce: m.nonce, ciphertext: m.ciphertext };
  if (typeof m.nonce === 'string' && typeof m.ciphertext === 'string' && fromBase64(m.ciphertext)) {
    if (kind === 'direct') body = openDirect(env, m.from.pubkey, secretKey);
    else if (typeof m.keyEpoch === 'number') {
      const key = rootKey(m.keyEpoch);
      if (key) body = openMulticast(env, { meshId: m.meshId, to: m.to, keyEpoch: m.keyEpoch, senderPubkeyHex: m.from.pubkey }, key);
    }
  }
  return {
    id: m.id,
    seq: m.seq,
    meshId: m.meshId,
    from: m.from,
    to: m.to,
    toSession: m.toSession ?? null,
    priority: m.priority,
    keyEpoch: m.keyEpoch ?? null,
    kind,
    sentAt: m.sentAt,
    attempt: m.attempt,
    body,
  };
}
