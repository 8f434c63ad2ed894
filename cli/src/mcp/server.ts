import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { PRIORITIES, STATUSES, SUMMARY_MAX_CODEPOINTS } from '@claudemesh/shared/protocol';
import { identityExists, loadIdentity } from '../config/identity';
import { takeUnreturned, type InboxRecord } from '../config/inbox';
import { findMesh, listMeshes, type MeshConfig } from '../config/meshes';
import { formatPeer, formatRecord, recipientCount } from '../format';
import { progress, setQuiet, warn } from '../output';
import { resolveTarget } from '../resolve/names';
import type { PeerClient } from '../sdk';
import { createClient, toCliError, warnFirstConnectFailure } from '../session/connect';
import { storingHandler } from '../session/receiver';
import { recordRunMesh, resolveSession } from '../session/run-files';
import { CLI_VERSION } from '../version';

interface MeshSession {
  mesh: MeshConfig;
  client: PeerClient;
}

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };
const text = (t: string): ToolResult => ({ content: [{ type: 'text', text: t }] });
const failure = (t: string): ToolResult => ({ content: [{ type: 'text', text: t }], isError: true });

const INSTRUCTIONS =
  'claudemesh connects this Claude Code session to other sessions (peers) through end-to-end encrypted messages. ' +
  'Use list_peers to see who is online, send_message to write to a peer by display name, "*" for everyone or "@group", ' +
  'and check_messages to read new messages (call it when the user mentions the mesh or other sessions, and when you finish a task). ' +
  'Keep set_summary up to date with what you are working on.';

/** `claudemesh mcp`: an MCP stdio server holding one full session per joined mesh (protocol.md §10). */
export async function runMcpServer(): Promise<void> {
  setQuiet(false);
  await cryptoReady();
  const sessions: MeshSession[] = [];
  let setupError: string | null = null;
  if (!identityExists()) setupError = 'claudemesh is not set up: run "claudemesh init" and "claudemesh join <invite>" in a terminal.';
  else if (!listMeshes().length) setupError = 'no mesh joined yet: run "claudemesh join <invite link>" in a terminal.';
  // Also on stderr: someone running `claudemesh mcp` in a terminal to debug it sees why no mesh connects.
  if (setupError) warn(setupError);
  if (!setupError) {
    const identity = loadIdentity();
    const anchor = process.ppid;
    const run = resolveSession(anchor);
    for (const mesh of listMeshes()) {
      const client = createClient(mesh, identity, {
        sessionId: run.sessionId,
        cwd: process.cwd(),
        pid: anchor,
        onMessage: storingHandler(mesh.meshId, mesh.name),
      });
      client.on('welcome', (w) => {
        if (w.hookToken) recordRunMesh(anchor, run.sessionId, { meshId: mesh.meshId, serverUrl: mesh.serverUrl, hookToken: w.hookToken });
        progress(`claudemesh: ${mesh.name} connected (session ${run.sessionId})`);
      });
      client.on('stopped', (e) => warn(`${mesh.name}: ${toCliError(e, mesh).message}`));
      warnFirstConnectFailure(client, mesh.name);
      client.connect().catch(() => undefined);
      sessions.push({ mesh, client });
    }
  }

  const pick = (ref: string | undefined): MeshSession[] => {
    if (setupError) throw new Error(setupError);
    if (!ref) return sessions;
    const mesh = findMesh(ref, sessions.map((s) => s.mesh));
    return sessions.filter((s) => s.mesh.meshId === mesh.meshId);
  };
  const pickOne = (ref: string | undefined): MeshSession => {
    const found = pick(ref);
    if (found.length !== 1) throw new Error(`several meshes are joined; pass mesh (${sessions.map((s) => s.mesh.name).join(', ')})`);
    return found[0];
  };
  const guard = (fn: () => Promise<ToolResult>) => async (): Promise<ToolResult> => {
    try {
      return await fn();
    } catch (e) {
      return failure((e as Error).message);
    }
  };
  const meshArg = z.string().min(1).max(64).optional().describe('mesh id or name; default: every joined mesh (or the only one)');

  const server = new McpServer({ name: 'claudemesh', version: CLI_VERSION }, { instructions: INSTRUCTIONS });

  server.registerTool(
    'send_message',
    {
      description: 'Send an end-to-end encrypted message to a peer (display name or 64-hex pubkey), to everyone ("*") or to a group ("@name").',
      inputSchema: {
        to: z.string().min(1).max(128).describe('display name, 64-hex pubkey, "*" or "@group"'),
        message: z.string().min(1).max(32_000).describe('the text to send'),
        priority: z.enum(PRIORITIES).optional().describe('now: interrupts a busy peer; next (default): when idle; low'),
        mesh: meshArg,
      },
    },
    ({ to, message, priority, mesh }) =>
      guard(async () => {
        const s = pickOne(mesh);
        const needsPeers = !(to === '*' || to.startsWith('@') || /^[0-9a-fA-F]{64}$/.test(to));
        const target = resolveTarget(to, needsPeers ? await s.client.listPeers({ includeOffline: true }) : []);
        const r = await s.client.send(target.to, message, { priority, toSession: target.toSession });
        return text(`Sent to ${target.label} on ${s.mesh.name}: ${recipientCount(r.recipients)}, message ${r.messageId}.`);
      })(),
  );

  server.registerTool(
    'list_peers',
    {
      description: 'List the peers (Claude Code sessions) online in the mesh, with status, summary and working directory.',
      inputSchema: { mesh: meshArg },
    },
    ({ mesh }) =>
      guard(async () => {
        const lines: string[] = [];
        for (const s of pick(mesh)) {
          const peers = await s.client.listPeers();
          lines.push(`${s.mesh.name}: ${peers.length} online`, ...peers.map(formatPeer));
        }
        return text(lines.join('\n'));
      })(),
  );

  server.registerTool(
    'check_messages',
    {
      description: 'Return the messages received since the last check (decrypted, oldest first).',
      inputSchema: { mesh: meshArg, limit: z.number().int().min(1).max(200).optional().describe('at most this many (default 50)') },
    },
    ({ mesh, limit }) =>
      guard(async () => {
        const all: { rec: InboxRecord; name: string }[] = [];
        const selected = pick(mesh);
        const max = limit ?? 50;
        for (const s of selected) for (const rec of takeUnreturned(s.mesh.meshId, max)) all.push({ rec, name: s.mesh.name });
        all.sort((a, b) => a.rec.sentAt.localeCompare(b.rec.sentAt) || a.rec.seq - b.rec.seq);
        if (!all.length) return text('No new messages.');
        return text(all.slice(0, max).map((m) => formatRecord(m.rec, selected.length > 1 ? m.name : undefined)).join('\n'));
      })(),
  );

  server.registerTool(
    'set_status',
    {
      description: 'Set this session\'s status manually: idle, working or dnd (do not disturb; only "now" messages get through).',
      inputSchema: { status: z.enum(STATUSES), mesh: meshArg },
    },
    ({ status, mesh }) =>
      guard(async () => {
        const lines: string[] = [];
        for (const s of pick(mesh)) {
          const r = await s.client.setStatus(status);
          lines.push(r.applied ? `${s.mesh.name}: status ${r.status}` : `${s.mesh.name}: not applied; status stays ${r.status} (${r.source})`);
        }
        return text(lines.join('\n'));
      })(),
  );

  server.registerTool(
    'set_summary',
    {
      description: 'Tell the other peers what this session is working on (at most 280 characters; empty clears it).',
      inputSchema: { summary: z.string().max(SUMMARY_MAX_CODEPOINTS * 2), mesh: meshArg },
    },
    ({ summary, mesh }) =>
      guard(async () => {
        for (const s of pick(mesh)) await s.client.setSummary(summary);
        return text(summary.trim() ? `Summary set: ${summary.trim()}` : 'Summary cleared.');
      })(),
  );

  const transport = new StdioServerTransport();
  await server.connect(transport);
  await new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await Promise.all(sessions.map((s) => s.client.close()));
}
