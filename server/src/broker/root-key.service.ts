import { Injectable, OnModuleInit } from '@nestjs/common';
import { sealToMember } from '@claudemesh/shared/crypto';
import { AckFailure, isAppError } from '@claudemesh/shared/errors';
import type { SealedRootKey } from '@claudemesh/shared/protocol';
import { MeshKeysService } from '../mesh/mesh-keys.service';
import { PeerSocket, RealtimeService } from '../realtime/realtime.service';

/**
 * Root keys sealed to members (protocol.md §2.6): in `welcome`, `root_key_rotated` and `get_root_key`.
 * Decrypted keys of an epoch never change, so they are cached in memory (the server holds them anyway).
 */
@Injectable()
export class RootKeyService implements OnModuleInit {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly keys: MeshKeysService,
    private readonly realtime: RealtimeService,
  ) {}

  onModuleInit(): void {
    this.realtime.setHandlers({ sendRootKey: (meshId, epoch, sockets) => this.announce(meshId, epoch, sockets) });
  }

  async sealed(meshId: string, epoch: number, pubkey: string): Promise<SealedRootKey> {
    return { epoch, sealed: sealToMember(await this.key(meshId, epoch), pubkey) };
  }

  /** get_root_key: the current epoch by default; older ones only back to the member's joined epoch. */
  async forMember(socket: PeerSocket, epoch: number | undefined, currentEpoch: () => Promise<number>): Promise<SealedRootKey> {
    const current = await currentEpoch();
    const e = epoch ?? current;
    if (e < socket.data.joinedKeyEpoch || e > current) throw new AckFailure('not_found', `No root key of epoch ${e} for this member`);
    try {
      return await this.sealed(socket.data.meshId, e, socket.data.pubkey);
    } catch (err) {
      if (isAppError(err) && err.code === 'not_found') throw new AckFailure('not_found', `No root key of epoch ${e}`);
      throw err;
    }
  }

  private async announce(meshId: string, epoch: number, sockets: PeerSocket[]): Promise<void> {
    const key = await this.key(meshId, epoch);
    for (const s of sockets) {
      if (!s.connected) continue;
      (s as unknown as { emit(e: string, p: unknown): void }).emit('root_key_rotated', { epoch, sealed: sealToMember(key, s.data.pubkey) });
    }
  }

  private async key(meshId: string, epoch: number): Promise<Uint8Array> {
    const k = `${meshId}:${epoch}`;
    let key = this.cache.get(k);
    if (!key) {
      key = await this.keys.rootKey(meshId, epoch);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(k, key);
    }
    return key;
  }
}
