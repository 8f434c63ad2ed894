import fs from 'node:fs';
import { generateSigningKeyPair, isHex128, isValidPeerPubkey } from '@claudemesh/shared/crypto';
import { CliError, EXIT } from '../errors';
import { paths, claudemeshHome } from './home';
import { ensureSecureDir, readJsonFile, writeJsonAtomic } from './secure-fs';

/** identity.json (protocol.md §10). */
export interface IdentityFile {
  v: 1;
  pubkey: string;
  secretKey: string;
  createdAt: string;
}

export function identityExists(): boolean {
  return fs.existsSync(paths.identity());
}

/** Creates the keypair; refuses to overwrite unless forced. Requires cryptoReady(). */
export function createIdentity(force = false): IdentityFile {
  if (identityExists() && !force) {
    throw new CliError(EXIT.failure, `an identity already exists in ${claudemeshHome()}; use --force to replace it`);
  }
  ensureSecureDir(claudemeshHome());
  const kp = generateSigningKeyPair();
  const id: IdentityFile = { v: 1, pubkey: kp.publicKey, secretKey: kp.secretKey, createdAt: new Date().toISOString() };
  writeJsonAtomic(paths.identity(), id);
  return id;
}

export function loadIdentity(): IdentityFile {
  const id = readJsonFile<IdentityFile>(paths.identity());
  if (!id) throw new CliError(EXIT.failure, `no identity in ${claudemeshHome()}; run "claudemesh init" first`);
  if (!isValidPeerPubkey(id.pubkey) || !isHex128(id.secretKey) || !id.secretKey.endsWith(id.pubkey)) {
    throw new CliError(EXIT.failure, `${paths.identity()} is corrupt`);
  }
  return id;
}
