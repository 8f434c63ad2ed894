import { cryptoReady, generateUuid } from '@claudemesh/shared/crypto';
import { loadIdentity } from '../config/identity';
import { readInbox, type InboxRecord } from '../config/inbox';
import { findMesh, listMeshes, type MeshConfig } from '../config/meshes';
import { CliError, EXIT } from '../errors';
import { formatRecord } from '../format';
import { out, progress, warn } from '../output';
import { createClient, toCliError, warnFirstConnectFailure } from '../session/connect';
import { storingHandler } from '../session/receiver';
import { recordRunMesh, resolveSession } from '../session/run-files';
import type { PeerClient } from '../sdk';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function selectMeshes(ref?: string): MeshConfig[] {
  const meshes = ref ? [findMesh(ref)] : listMeshes();
  if (!meshes.length) throw new CliError(EXIT.notFound, 'no mesh joined yet; run "claudemesh join <invite>" first');
  return meshes;
}

/** Connects a short-lived full session (its own sessionId) and stores what is queued, then disconnects. */
async function fetchQueued(mesh: MeshConfig): Promise<number> {
  const identity = loadIdentity();
  let stored = 0;
  let lastActivity = Date.now();
  const handler = storingHandler(mesh.meshId, mesh.name, () => stored++);
  const client = createClient(mesh, identity, {
    sessionId: generateUuid(),
    reconnect: false,
    maxConnectAttempts: 3,
    cwd: process.cwd(),
    onMessage: (m) => {
      lastActivity = Date.now();
      handler(m);
    },
  });
  try {
    const welcome = await client.connect();
    progress(`${mesh.name}: ${welcome.queued} queued; fetching…`);
    const deadline = Date.now() + 10_000;
    // Quiet for 1.5 s after the last delivery (or the welcome) means the queue was drained.
    lastActivity = Date.now();
    while (Date.now() < deadline && Date.now() - lastActivity < 1500) await sleep(100);
  } catch (e) {
    throw toCliError(e, mesh);
  } finally {
    await client.close();
  }
  return stored;
}

export async function inboxCommand(opts: { fetch?: boolean; json?: boolean; mesh?: string }): Promise<void> {
  const meshes = selectMeshes(opts.mesh);
  if (opts.fetch) {
    await cryptoReady();
    for (const m of meshes) {
      const n = await fetchQueued(m);
      progress(`${m.name}: ${n} new message${n === 1 ? '' : 's'}`);
    }
  }
  const records: { mesh: MeshConfig; rec: InboxRecord }[] = [];
  for (const m of meshes) for (const rec of readInbox(m.meshId)) records.push({ mesh: m, rec });
  if (opts.json) {
    out(JSON.stringify(records.map((r) => r.rec), null, 2));
    return;
  }
  if (!records.length) return out('The inbox is empty.');
  for (const { mesh, rec } of records) out(formatRecord(rec, meshes.length > 1 ? mesh.name : undefined));
}

/** Stays connected (one full session per mesh, the anchor's sessionId) and prints messages as they arrive. */
export async function watchCommand(opts: { json?: boolean; mesh?: string }): Promise<void> {
  await cryptoReady();
  const identity = loadIdentity();
  const meshes = selectMeshes(opts.mesh);
  const anchor = process.ppid;
  const run = resolveSession(anchor);
  const clients: PeerClient[] = [];
  const print = (mesh: MeshConfig) => (r: InboxRecord) =>
    out(opts.json ? JSON.stringify(r) : formatRecord(r, meshes.length > 1 ? mesh.name : undefined));
  for (const mesh of meshes) {
    const client = createClient(mesh, identity, {
      sessionId: run.sessionId,
      cwd: process.cwd(),
      pid: anchor,
      onMessage: storingHandler(mesh.meshId, mesh.name, print(mesh)),
    });
    client.on('welcome', (w) => {
      if (w.hookToken) recordRunMesh(anchor, run.sessionId, { meshId: mesh.meshId, serverUrl: mesh.serverUrl, hookToken: w.hookToken });
      progress(`${mesh.name}: connected as session ${run.sessionId} (${w.peerCount} online, ${w.queued} queued)`);
    });
    client.on('status', (s) => s === 'reconnecting' && progress(`${mesh.name}: connection lost; reconnecting…`));
    client.on('peer_joined', (p) => progress(`${mesh.name}: ${p.displayName} joined`));
    client.on('peer_left', (p) => progress(`${mesh.name}: ${p.displayName} left (${p.reason})`));
    client.on('stopped', (e) => warn(`${mesh.name}: ${toCliError(e, mesh).message}`));
    warnFirstConnectFailure(client, mesh.name);
    clients.push(client);
  }
  const results = await Promise.allSettled(clients.map((c) => c.connect()));
  if (results.every((r) => r.status === 'rejected')) {
    await Promise.all(clients.map((c) => c.close()));
    throw toCliError((results[0] as PromiseRejectedResult).reason, meshes[0]);
  }
  progress('Watching; press Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const check = setInterval(() => {
      if (clients.every((c) => c.stopReason)) resolve();
    }, 500);
    check.unref();
  });
  await Promise.all(clients.map((c) => c.close()));
  const ended = clients.map((c, i) => ({ e: c.stopReason, mesh: meshes[i] })).filter((x) => x.e);
  if (ended.length === clients.length) throw toCliError(ended[0].e, ended[0].mesh);
}
