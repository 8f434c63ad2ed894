import { helloSigningString, signDetached } from '@claudemesh/shared/crypto';
import type { PeerHelloAuth } from '@claudemesh/shared/protocol';

export interface PeerIdentity {
  /** ed25519 public key, 64 lowercase hex. */
  pubkey: string;
  /** ed25519 secret key, 128 lowercase hex (seed ‖ public key). */
  secretKey: string;
}

export type HelloOptions = Omit<PeerHelloAuth, 'meshId' | 'pubkey' | 'sessionId' | 'timestamp' | 'signature'>;

/** A fresh signed hello (protocol.md §4); build one per connect attempt, reusing one trips the replay check. */
export function buildHelloAuth(
  meshId: string,
  identity: PeerIdentity,
  sessionId: string,
  opts: HelloOptions = {},
  timestamp: number = Date.now(),
): PeerHelloAuth {
  const ts = Math.round(timestamp);
  const signature = signDetached(helloSigningString(meshId, identity.pubkey, sessionId, ts), identity.secretKey);
  const auth: PeerHelloAuth = { meshId, pubkey: identity.pubkey, sessionId, timestamp: ts, signature };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) (auth as unknown as Record<string, unknown>)[k] = v;
  return auth;
}
