import { cryptoReady } from '@claudemesh/shared/crypto';
import { STATUSES, type PeerStatus } from '@claudemesh/shared/protocol';
import { claudemeshHome, paths } from '../config/home';
import { createIdentity, loadIdentity } from '../config/identity';
import { findMesh, listMeshes, removeMesh } from '../config/meshes';
import { CliError, EXIT } from '../errors';
import { formatPeer, recipientCount } from '../format';
import { join, type JoinOptions } from '../invite/join';
import { out, progress } from '../output';
import { resolveTarget } from '../resolve/names';
import { withConnection } from '../session/connect';
import { envSessionId, findOwnRunFile } from '../session/run-files';
import { PRIORITIES, type Priority } from '@claudemesh/shared/protocol';
import { isUuid } from '@claudemesh/shared/crypto';

export async function initCommand(opts: { force?: boolean }): Promise<void> {
  await cryptoReady();
  const id = createIdentity(!!opts.force);
  out(`Created identity ${id.pubkey}`);
  out(`Saved to ${paths.identity()} (mode 0600). Next: claudemesh join <invite link>`);
}

export async function joinCommand(arg: string, opts: JoinOptions): Promise<void> {
  await cryptoReady();
  const mesh = await join(arg, opts);
  out(`Joined "${mesh.name}" as ${mesh.role} (mesh ${mesh.meshId}, member ${mesh.memberId}) on ${mesh.serverUrl}`);
  out('Next: claudemesh peers');
}

export async function meshesCommand(opts: { json?: boolean }): Promise<void> {
  const meshes = listMeshes();
  const identity = meshes.length ? loadIdentity() : null;
  const rows = await Promise.all(
    meshes.map(async (m) => {
      try {
        const w = await withConnection(m, identity!, async (c) => c.welcome!);
        return { ...m, online: w.peerCount, error: null as string | null };
      } catch (e) {
        return { ...m, online: null, error: (e as Error).message };
      }
    }),
  );
  if (opts.json) {
    out(JSON.stringify(rows.map(({ rootKeys: _r, ...m }) => m), null, 2));
    return;
  }
  if (!rows.length) return out(`No mesh joined yet (config: ${claudemeshHome()}). Run: claudemesh join <invite link>`);
  for (const r of rows) {
    const live = r.online === null ? `unreachable: ${r.error}` : `${r.online} online`;
    out(`${r.name}  ${r.meshId}  ${r.role}  ${r.serverUrl}  ${live}`);
  }
}

export async function peersCommand(opts: { mesh?: string; all?: boolean; json?: boolean }): Promise<void> {
  const identity = loadIdentity();
  const meshes = opts.mesh ? [findMesh(opts.mesh)] : listMeshes();
  if (!meshes.length) throw new CliError(EXIT.notFound, 'no mesh joined yet; run "claudemesh join <invite>" first');
  const result: Record<string, unknown>[] = [];
  for (const m of meshes) {
    const peers = await withConnection(m, identity, (c) => c.listPeers({ includeOffline: !!opts.all }));
    if (opts.json) result.push({ meshId: m.meshId, name: m.name, peers });
    else {
      out(`${m.name} (${m.meshId}): ${peers.filter((p) => p.connected).length} online`);
      for (const p of peers) out(formatPeer(p));
    }
  }
  if (opts.json) out(JSON.stringify(opts.mesh ? result[0] : result, null, 2));
}

export async function sendCommand(to: string, text: string, opts: { mesh?: string; priority?: string }): Promise<void> {
  if (opts.priority && !PRIORITIES.includes(opts.priority as Priority)) {
    throw new CliError(EXIT.invalidArgs, `--priority must be one of ${PRIORITIES.join(', ')}`);
  }
  if (!text) throw new CliError(EXIT.invalidArgs, 'the message text is empty');
  const identity = loadIdentity();
  const mesh = findMesh(opts.mesh);
  const sessionId = envSessionId() ?? findOwnRunFile()?.sessionId;
  const res = await withConnection(
    mesh,
    identity,
    async (c) => {
      const needsPeers = !(to === '*' || to.startsWith('@') || /^[0-9a-fA-F]{64}$/.test(to));
      const target = resolveTarget(to, needsPeers ? await c.listPeers({ includeOffline: true }) : []);
      const r = await c.send(target.to, text, { priority: opts.priority as Priority | undefined, toSession: target.toSession });
      return { ...r, label: target.label };
    },
    { passive: true, sessionId },
  );
  out(`Sent to ${res.label}: ${recipientCount(res.recipients)} (message ${res.messageId})`);
}

export async function statusCommand(status: string, opts: { session?: string; mesh?: string }): Promise<void> {
  if (!STATUSES.includes(status as PeerStatus)) throw new CliError(EXIT.invalidArgs, `status must be one of ${STATUSES.join(', ')}`);
  if (opts.session && !isUuid(opts.session)) throw new CliError(EXIT.invalidArgs, '--session must be a lowercase UUID');
  const sessionId = opts.session ?? envSessionId() ?? findOwnRunFile()?.sessionId;
  if (!sessionId) {
    throw new CliError(EXIT.invalidArgs, 'no current session found (run this inside Claude Code, or pass --session <id>)');
  }
  const identity = loadIdentity();
  const meshes = opts.mesh ? [findMesh(opts.mesh)] : listMeshes();
  if (!meshes.length) throw new CliError(EXIT.notFound, 'no mesh joined yet');
  for (const m of meshes) {
    const r = await withConnection(m, identity, (c) => c.setStatus(status as PeerStatus, sessionId), { passive: true, sessionId });
    out(r.applied ? `${m.name}: status ${r.status} (manual)` : `${m.name}: not applied; the status stays ${r.status} (${r.source})`);
  }
}

export async function leaveCommand(ref: string): Promise<void> {
  const identity = loadIdentity();
  const mesh = findMesh(ref);
  progress(`Leaving ${mesh.name}…`);
  try {
    await withConnection(mesh, identity, (c) => c.leave());
  } catch (e) {
    // Already removed (or the mesh is gone): nothing is left to leave on the server, so only the local entry goes.
    if (!(e instanceof CliError) || (e.exitCode !== EXIT.refused && e.exitCode !== EXIT.notFound)) throw e;
    progress(`${e.message}; deleting the local entry`);
  }
  removeMesh(mesh.meshId);
  out(`Left "${mesh.name}" (${mesh.meshId}); its local entry was deleted.`);
}
