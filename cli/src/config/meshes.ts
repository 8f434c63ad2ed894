import { toBase64Url } from '@claudemesh/shared/crypto';
import type { MemberRole } from '@claudemesh/shared/protocol';
import { CliError, EXIT } from '../errors';
import { paths } from './home';
import { readJsonFile, writeJsonAtomic } from './secure-fs';

/** One entry of meshes.json, keyed by meshId (protocol.md §10). */
export interface MeshConfig {
  meshId: string;
  name: string;
  slug: string;
  serverUrl: string;
  memberId: string;
  role: MemberRole;
  ownerPubkey: string;
  rootKeys: Record<string, string>;
  joinedAt: string;
  inviteVersion: 1 | 2;
}

export type MeshesFile = Record<string, MeshConfig>;

export function loadMeshes(): MeshesFile {
  return readJsonFile<MeshesFile>(paths.meshes()) ?? {};
}

export function listMeshes(): MeshConfig[] {
  return Object.values(loadMeshes()).sort((a, b) => a.joinedAt.localeCompare(b.joinedAt));
}

/** Inserts or replaces one mesh, refusing a different owner key than the pinned one (owner key pinning). */
export function saveMesh(entry: MeshConfig): void {
  const all = loadMeshes();
  const pinned = all[entry.meshId];
  if (pinned && pinned.ownerPubkey !== entry.ownerPubkey) {
    throw new CliError(EXIT.failure, `the owner key of mesh ${entry.meshId} changed; refusing (pinned ${pinned.ownerPubkey.slice(0, 16)}…)`);
  }
  all[entry.meshId] = entry;
  writeJsonAtomic(paths.meshes(), all);
}

export function removeMesh(meshId: string): void {
  const all = loadMeshes();
  delete all[meshId];
  writeJsonAtomic(paths.meshes(), all);
}

/** Saves a root key learned from welcome, root_key_rotated or get_root_key. */
export function saveRootKey(meshId: string, epoch: number, key: Uint8Array): void {
  const all = loadMeshes();
  const m = all[meshId];
  if (!m) return;
  const b64 = toBase64Url(key);
  if (m.rootKeys[String(epoch)] === b64) return;
  m.rootKeys[String(epoch)] = b64;
  writeJsonAtomic(paths.meshes(), all);
}

/** Finds a joined mesh by id, name or slug (case-insensitive); none → 4, several → 3. */
export function findMesh(ref: string | undefined, meshes: MeshConfig[] = listMeshes()): MeshConfig {
  if (meshes.length === 0) throw new CliError(EXIT.notFound, 'no mesh joined yet; run "claudemesh join <invite>" first');
  if (!ref) {
    if (meshes.length === 1) return meshes[0];
    throw new CliError(EXIT.invalidArgs, `several meshes are joined; pass --mesh (${meshes.map(label).join(', ')})`);
  }
  const byId = meshes.find((m) => m.meshId === ref);
  if (byId) return byId;
  const lower = ref.toLowerCase();
  const hits = meshes.filter((m) => m.name.toLowerCase() === lower || m.slug === lower);
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) throw new CliError(EXIT.invalidArgs, `"${ref}" matches several meshes: ${hits.map(label).join(', ')}; use the mesh id`);
  throw new CliError(EXIT.notFound, `no joined mesh matches "${ref}"`);
}

export const label = (m: MeshConfig): string => `${m.name} (${m.meshId})`;
