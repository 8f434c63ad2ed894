import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MeshEntity } from '@claudemesh/database';
import { AtRestContext, randomRootKey, toHex } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';
import type { AuditActor } from '@claudemesh/shared/protocol';
import { AuditService } from '../audit/audit.service';
import { KeyringService } from '../crypto/keyring.service';
import { MeshRepository } from './mesh.repository';

export type RootKeyRotationReason = 'member_removed' | 'member_left' | 'manual';

/** Owner and root keys of meshes (protocol.md §2.1, §2.6). Plaintext keys never leave the server through REST. */
@Injectable()
export class MeshKeysService {
  constructor(
    private readonly meshes: MeshRepository,
    private readonly keyring: KeyringService,
    private readonly audit: AuditService,
  ) {}

  /** The owner ed25519 secret key (128 hex, seed ‖ public key), for signing invites. */
  ownerSecretKeyHex(mesh: MeshEntity): string {
    return toHex(this.keyring.decrypt(AtRestContext.ownerSecret(mesh.id), mesh.ownerSecretEnc));
  }

  encryptOwnerSecret(meshId: string, secretKeyHex: string): string {
    return this.keyring.encrypt(AtRestContext.ownerSecret(meshId), Buffer.from(secretKeyHex, 'hex'));
  }

  async rootKey(meshId: string, epoch: number): Promise<Uint8Array> {
    const row = await this.meshes.findRootKey(meshId, epoch);
    if (!row) throw new AppError('not_found', 'No root key for that epoch.');
    return this.keyring.decrypt(AtRestContext.rootKey(meshId, epoch), row.keyEnc);
  }

  async currentRootKey(meshId: string): Promise<{ epoch: number; key: Uint8Array }> {
    const mesh = await this.meshes.findById(meshId);
    if (!mesh) throw new AppError('not_found', 'Mesh not found.');
    return { epoch: mesh.rootKeyEpoch, key: await this.rootKey(meshId, mesh.rootKeyEpoch) };
  }

  /** Epoch 1 of a new mesh, inside the creating transaction. */
  async createInitialRootKey(manager: EntityManager, meshId: string): Promise<void> {
    await this.meshes.insertRootKey(manager, meshId, 1, this.keyring.encrypt(AtRestContext.rootKey(meshId, 1), randomRootKey()), 'created');
  }

  /**
   * A new random root key at epoch + 1, with its audit entry, inside the caller's transaction (locks the mesh row).
   * After commit the caller announces it with RealtimeService.rootKeyRotated(meshId, epoch).
   */
  async rotateRootKey(manager: EntityManager, meshId: string, reason: RootKeyRotationReason, actor: AuditActor): Promise<number> {
    const mesh = await this.meshes.lockById(manager, meshId);
    if (!mesh) throw new AppError('not_found', 'Mesh not found.');
    const epoch = mesh.rootKeyEpoch + 1;
    await this.meshes.insertRootKey(manager, meshId, epoch, this.keyring.encrypt(AtRestContext.rootKey(meshId, epoch), randomRootKey()), reason);
    await this.meshes.update(manager, meshId, { rootKeyEpoch: epoch });
    await this.audit.append(manager, meshId, [{ type: 'mesh.root_key_rotated', actor, data: { epoch, reason } }]);
    return epoch;
  }
}
