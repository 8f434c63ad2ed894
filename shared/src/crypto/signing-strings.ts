/** Every string that is signed or MACed, in one place (C-GEN-2). */

export const helloSigningString = (meshId: string, pubkey: string, sessionId: string, timestamp: number): string =>
  `claudemesh-hello|v1|${meshId}|${pubkey}|${sessionId}|${timestamp}`;

export const claimSigningString = (code: string, recipientX25519B64Url: string): string =>
  `claudemesh-claim|v2|${code}|${recipientX25519B64Url}`;

export const joinSigningString = (tokenSha256Hex: string, peerPubkey: string): string =>
  `claudemesh-join|v1|${tokenSha256Hex}|${peerPubkey}`;

/** The prefix of a multicast signature; the body bytes follow it. */
export const multicastSigningString = (meshId: string, to: string, keyEpoch: number): string =>
  `claudemesh-mc|v1|${meshId}|${to}|${keyEpoch}|`;

export const hookMacInput = (presenceId: string): string => `hook|${presenceId}`;

export interface InviteV2Fields {
  meshId: string;
  inviteId: string;
  expiresAtUnix: number;
  role: 'admin' | 'member';
  ownerPubkey: string;
}

/** The locked v2 canonical bytes (invites.md §4.1). */
export const inviteV2Canonical = (f: InviteV2Fields): string =>
  `v=2|${f.meshId}|${f.inviteId}|${f.expiresAtUnix}|${f.role}|${f.ownerPubkey}`;
