import os from 'node:os';
import {
  brokerOrigin,
  claimSigningString,
  generateClaimKeyPair,
  inviteTokenHash,
  inviteV1Canonical,
  joinSigningString,
  openSealedRootKey,
  signDetached,
  slugify,
  toBase64Url,
  verifyDetached,
} from '@claudemesh/shared/crypto';
import type { ClaimInviteDto, InviteCodeResolution, JoinV1Dto, JoinV1Response } from '@claudemesh/shared/dto';
import { CONTROL_CHARS, hasControlChars } from '@claudemesh/shared/protocol';
import { loadIdentity, type IdentityFile } from '../config/identity';
import { listMeshes, loadMeshes, saveMesh, type MeshConfig } from '../config/meshes';
import { CliError, EXIT } from '../errors';
import { requestJson } from '../http';
import { progress } from '../output';
import { parseInviteArg, type InviteRef } from './invite-ref';
import { acceptClaimResponse } from './verify-claim';
import { warnIfOutdated } from '../version-check';

export interface JoinOptions {
  name?: string;
  server?: string;
  token?: string;
}

/** A display name for this machine: user@host, without control characters, at most 64 chars. */
export function defaultDisplayName(): string {
  let user = 'peer';
  try {
    user = os.userInfo().username || user;
  } catch {
    // no passwd entry
  }
  const host = os.hostname().split('.')[0] || 'host';
  return `${user}@${host}`.replace(new RegExp(CONTROL_CHARS.source, 'gu'), '').slice(0, 64);
}

function normalizeServer(s: string): string {
  try {
    const u = new URL(/^https?:\/\//i.test(s) ? s : `https://${s}`);
    return brokerOrigin(u.toString());
  } catch {
    throw new CliError(EXIT.invalidArgs, `--server "${s}" is not a URL`);
  }
}

/** The server to talk to: --server, else the invite URL's origin, else (token) its broker_url, else the only known server. */
export function chooseServer(ref: InviteRef, explicit: string | undefined, known: MeshConfig[]): string {
  if (explicit) return normalizeServer(explicit);
  if (ref.server) return ref.server;
  if (ref.kind === 'token') return brokerOrigin(ref.payload.broker_url);
  const servers = [...new Set(known.map((m) => m.serverUrl))];
  if (servers.length === 1) return servers[0];
  throw new CliError(EXIT.invalidArgs, 'a bare invite code needs --server <url> (no single known server)');
}

export async function join(arg: string, opts: JoinOptions): Promise<MeshConfig> {
  const identity = loadIdentity();
  const ref = parseInviteArg(arg);
  const server = chooseServer(ref, opts.server, listMeshes());
  const displayName = (opts.name ?? defaultDisplayName()).trim();
  if (!displayName || displayName.length > 64 || hasControlChars(displayName)) {
    throw new CliError(EXIT.invalidArgs, '--name must be 1–64 characters without control characters');
  }
  const pat = opts.token ?? process.env.CLAUDEMESH_TOKEN ?? undefined;
  const joined = await joinWith(ref, server, identity, displayName, pat);
  await warnIfOutdated(server);
  return joined;
}

async function joinWith(ref: InviteRef, server: string, identity: IdentityFile, displayName: string, pat?: string): Promise<MeshConfig> {
  if (ref.kind === 'token') return redeemV1(server, ref.token, identity, displayName, pat);
  progress(`Resolving invite ${ref.code} on ${server}…`);
  let res: InviteCodeResolution;
  try {
    res = await requestJson<InviteCodeResolution>('GET', `${server}/api/public/invite-code/${encodeURIComponent(ref.code)}`);
  } catch (e) {
    // A used-up invite still admits a key that is already an active member (invites.md §4.3 check 4): let the claim decide.
    // Only a v2 invite can be claimed by code; for anything else the resolver's answer stands.
    if (!(e instanceof CliError) || e.apiCode !== 'invite_exhausted') throw e;
    return claimV2(server, ref.code, identity, displayName, pat).catch((claimError: unknown) => {
      throw claimError instanceof CliError && claimError.apiCode === 'invite_version_mismatch' ? e : claimError;
    });
  }
  if (res.version === 1) {
    progress('This is a legacy v1 invite; redeeming it…');
    return redeemV1(server, res.token, identity, displayName, pat);
  }
  return claimV2(server, ref.code, identity, displayName, pat);
}

async function claimV2(server: string, code: string, identity: IdentityFile, displayName: string, pat?: string): Promise<MeshConfig> {
  const claimKeys = generateClaimKeyPair();
  const body: ClaimInviteDto = {
    recipient_x25519_pubkey: claimKeys.publicKeyBase64Url,
    peer_pubkey: identity.pubkey,
    display_name: displayName,
    proof: signDetached(claimSigningString(code, claimKeys.publicKeyBase64Url), identity.secretKey),
  };
  progress('Claiming the invite…');
  const raw = await requestJson<unknown>('POST', `${server}/api/public/invites/${encodeURIComponent(code)}/claim`, { body, bearer: pat });
  progress('Verifying the owner signature…');
  const known = loadMeshes();
  const rawMeshId = (raw as { mesh_id?: unknown })?.mesh_id;
  const pinned = typeof rawMeshId === 'string' ? known[rawMeshId]?.ownerPubkey : undefined;
  const { resp, rootKey } = acceptClaimResponse(raw, {
    pinnedOwnerPubkey: pinned,
    unseal: (sealed) => openSealedRootKey(sealed, claimKeys.publicKey, claimKeys.secretKey),
  });
  const previous = known[resp.mesh_id];
  const entry: MeshConfig = {
    meshId: resp.mesh_id,
    name: resp.mesh_name,
    slug: slugify(resp.mesh_name),
    serverUrl: server,
    memberId: resp.member_id,
    role: resp.role,
    ownerPubkey: resp.owner_pubkey,
    rootKeys: { ...(previous?.rootKeys ?? {}), [String(resp.root_key_epoch)]: toBase64Url(rootKey) },
    joinedAt: previous?.joinedAt ?? new Date().toISOString(),
    inviteVersion: 2,
  };
  saveMesh(entry);
  return entry;
}

async function redeemV1(server: string, token: string, identity: IdentityFile, displayName: string, pat?: string): Promise<MeshConfig> {
  const payload = parseInviteArg(token);
  if (payload.kind !== 'token') throw new CliError(EXIT.invalidArgs, 'the v1 invite token is malformed');
  const p = payload.payload;
  if (!verifyDetached(inviteV1Canonical(p), p.signature, p.owner_pubkey)) {
    throw new CliError(EXIT.failure, 'the v1 invite token signature does not verify; nothing was saved');
  }
  const known = loadMeshes();
  const previous = known[p.mesh_id];
  if (previous && previous.ownerPubkey !== p.owner_pubkey) {
    throw new CliError(EXIT.failure, `the owner key of mesh ${p.mesh_id} differs from the pinned one; nothing was saved`);
  }
  const body: JoinV1Dto = {
    invite_token: token,
    peer_pubkey: identity.pubkey,
    display_name: displayName,
    proof: signDetached(joinSigningString(inviteTokenHash(token), identity.pubkey), identity.secretKey),
  };
  progress('Redeeming the v1 invite…');
  const resp = await requestJson<JoinV1Response>('POST', `${server}/api/public/join`, { body, bearer: pat });
  if (resp.mesh_id !== p.mesh_id || resp.owner_pubkey !== p.owner_pubkey) {
    throw new CliError(EXIT.failure, `the server's answer does not match the invite token; nothing was saved (member ${resp.member_id})`);
  }
  // A v1 token does not say which epoch its root key belongs to: the current key comes sealed in `welcome`.
  const entry: MeshConfig = {
    meshId: resp.mesh_id,
    name: resp.mesh_name,
    slug: p.mesh_slug || slugify(resp.mesh_name),
    serverUrl: server,
    memberId: resp.member_id,
    role: resp.role,
    ownerPubkey: resp.owner_pubkey,
    rootKeys: previous?.rootKeys ?? {},
    joinedAt: previous?.joinedAt ?? new Date().toISOString(),
    inviteVersion: 1,
  };
  saveMesh(entry);
  return entry;
}
