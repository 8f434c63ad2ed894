import { DataSource } from 'typeorm';
import {
  AtRestContext,
  decryptAtRestString,
  deriveAtRestKey,
  encryptAtRest,
  KEY_CHECK_PLAINTEXT,
  masterKeyFromHex,
  randomBase62,
  sha256Hex,
} from '@claudemesh/shared/crypto';
import { InstanceRepository } from './instance.repository';

export const KEY_MISMATCH_MESSAGE = 'SERVER_SECRET does not match this database';

export class MasterKeyMismatchError extends Error {
  constructor() {
    super(KEY_MISMATCH_MESSAGE);
    this.name = 'MasterKeyMismatchError';
  }
}

/**
 * protocol.md §2.1: the first boot stores `instance.key_check` (enc1 of the constant); every later boot decrypts it
 * and refuses to serve with another master key.
 */
export async function checkMasterKey(dataSource: DataSource, serverSecretHex: string): Promise<void> {
  const atRest = deriveAtRestKey(masterKeyFromHex(serverSecretHex));
  const repo = new InstanceRepository(dataSource);
  await repo.insertIfMissing(encryptAtRest(KEY_CHECK_PLAINTEXT, AtRestContext.keyCheck, atRest));
  const row = await repo.find();
  if (!row) throw new Error('instance row is missing after insert');
  if (!row.keyCheck) {
    await repo.setKeyCheck(encryptAtRest(KEY_CHECK_PLAINTEXT, AtRestContext.keyCheck, atRest));
    return;
  }
  let plain: string;
  try {
    plain = decryptAtRestString(row.keyCheck, AtRestContext.keyCheck, atRest);
  } catch {
    throw new MasterKeyMismatchError();
  }
  if (plain !== KEY_CHECK_PLAINTEXT) throw new MasterKeyMismatchError();
}

/**
 * security.md §7: while no account exists, each boot makes a new 24-char base62 setup token, stores only its SHA-256
 * in instance.setup_token_hash and returns it for the first-time setup line. Null once an account exists.
 */
export async function prepareSetupToken(dataSource: DataSource): Promise<string | null> {
  const repo = new InstanceRepository(dataSource);
  if (await repo.anyAccountExists()) return null;
  const token = randomBase62(24);
  await repo.setSetupTokenHash(sha256Hex(token));
  return token;
}
