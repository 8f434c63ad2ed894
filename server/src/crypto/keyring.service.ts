import { Inject, Injectable } from '@nestjs/common';
import {
  decryptAtRest,
  deriveAtRestKey,
  deriveHookKey,
  encryptAtRest,
  makeHookToken,
  masterKeyFromHex,
  verifyHookToken,
} from '@claudemesh/shared/crypto';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * Holds the keys derived from SERVER_SECRET (protocol.md §2.1) and the only API that uses them.
 * Requires cryptoReady() to have completed (the boot sequence does it before the app is created).
 */
@Injectable()
export class KeyringService {
  private readonly atRestKey: Uint8Array;
  private readonly hookKey: Uint8Array;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (!config.serverSecret) throw new Error('KeyringService needs config.serverSecret (set by the boot sequence)');
    const master = masterKeyFromHex(config.serverSecret);
    this.atRestKey = deriveAtRestKey(master);
    this.hookKey = deriveHookKey(master);
  }

  /** `enc1:` ciphertext bound to `context` (e.g. AtRestContext.rootKey(meshId, epoch)). */
  encrypt(context: string, plaintext: Uint8Array | string): string {
    return encryptAtRest(plaintext, context, this.atRestKey);
  }

  /** Throws when the value was not made with this master key and context. */
  decrypt(context: string, stored: string): Uint8Array {
    return decryptAtRest(stored, context, this.atRestKey);
  }

  makeHookToken(presenceId: string): string {
    return makeHookToken(presenceId, this.hookKey);
  }

  /** The presence id, or null when the token is malformed or its MAC is wrong. */
  verifyHookToken(token: string): string | null {
    return verifyHookToken(token, this.hookKey);
  }
}
