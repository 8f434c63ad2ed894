/**
 * docs/claude-code.md on one machine, with this test process standing in for Claude Code: it starts the MCP server
 * exactly as the generated .mcp.json says (no CLAUDEMESH_HOME of its own) and runs the generated hook commands through
 * `sh -c`, the way Claude Code does, with `claudemesh` found on the PATH.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CreateInviteResponse } from '@claudemesh/shared/dto';
import { createMeshViaApi } from '../support/mesh-fixture';
import { RestClient } from '../support/rest-client';
import { startServerProcess } from '../support/server-process';
import { buildCli, CLI_BUNDLE, runCli, waitFor } from './cli-runner';

type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;
type ToolResult = { content: { text: string }[]; isError?: boolean };

jest.setTimeout(120_000);

describe('docs/claude-code.md: two Claude Code sessions talking', () => {
  let server: ServerProcess;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-e2e-cc-'));
  const binDir = path.join(tmp, 'bin');
  const PATH = `${binDir}:${process.env.PATH}`;
  const peers: Record<'alice' | 'bob', { home: string; project: string; mcp?: Client }> = {
    alice: { home: path.join(tmp, '.claudemesh-alice'), project: path.join(tmp, 'mesh-demo', 'alice') },
    bob: { home: path.join(tmp, '.claudemesh-bob'), project: path.join(tmp, 'mesh-demo', 'bob') },
  };

  /** A shell command in a project, with the terminal's environment (the exported CLAUDEMESH_HOME included). */
  function sh(cmd: string, who: 'alice' | 'bob', input = ''): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', cmd], { cwd: peers[who].project, env: { ...process.env, PATH, CLAUDEMESH_HOME: peers[who].home } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
      child.stdin.end(input);
    });
  }

  async function startClaudeCodeMcp(who: 'alice' | 'bob'): Promise<Client> {
    const mcpJson = JSON.parse(fs.readFileSync(path.join(peers[who].project, '.mcp.json'), 'utf8'));
    const cfg = mcpJson.mcpServers.claudemesh;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), PATH, ...cfg.env };
    expect(env.CLAUDEMESH_HOME).toBe(peers[who].home); // from .mcp.json, not from this process
    const client = new Client({ name: 'claude-code-standin', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: cfg.command, args: cfg.args, env, cwd: peers[who].project, stderr: 'pipe' }));
    return client;
  }

  beforeAll(async () => {
    buildCli();
    fs.mkdirSync(binDir, { recursive: true });
    fs.writeFileSync(path.join(binDir, 'claudemesh'), `#!/bin/sh\nexec "${process.execPath}" "${CLI_BUNDLE}" "$@"\n`, { mode: 0o755 });
    server = await startServerProcess({ HANDSHAKE_RATE_PER_IP_PER_MIN: '1000', HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '1000' });
  });

  afterAll(async () => {
    for (const p of Object.values(peers)) await p.mcp?.close().catch(() => undefined);
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('steps 1–3: a mesh and a 2-use invite; each terminal runs init, join and hooks install --project --mcp', async () => {
    const setup = await waitFor('setup token', () => /\/signup\?setup=([0-9A-Za-z]+)/.exec(server.stdout())?.[1]);
    // A cookie session, as the web UI would use.
    const session = new RestClient(server.baseUrl);
    const signup = await session.call('POST', '/api/auth/signup', { email: 'dana@example.com', password: 'correct horse battery', displayName: 'Dana', setupToken: setup });
    expect(signup.status).toBe(201);
    const mesh = await createMeshViaApi(session, 'demo');
    const invite = await session.ok<CreateInviteResponse>('POST', `/api/meshes/${mesh.id}/invites`, { maxUses: 2 });
    expect(invite.shortUrl).toMatch(/\/i\/[0-9A-Za-z]{8}$/);

    for (const who of ['alice', 'bob'] as const) {
      fs.mkdirSync(peers[who].project, { recursive: true });
      expect((await sh('claudemesh init', who)).code).toBe(0);
      const joined = await sh(`claudemesh join ${invite.shortUrl} --name ${who}`, who);
      expect(joined.out).toContain(`Joined "demo" as member (mesh ${mesh.id}`);
      expect(joined.code).toBe(0);
      const installed = await sh('claudemesh hooks install --project --mcp', who);
      expect(installed.code).toBe(0);
      const settings = JSON.parse(fs.readFileSync(path.join(peers[who].project, '.claude', 'settings.json'), 'utf8'));
      expect(settings.permissions.allow).toHaveLength(5);
      expect(settings.enabledMcpjsonServers).toEqual(['claudemesh']);
      const meshes = await sh('claudemesh meshes', who);
      expect(meshes.out).toMatch(/demo .* online/);
    }
  });

  it('step 4: alice sees bob, sends to bob by name; bob checks and replies; alice reads the reply', async () => {
    peers.alice.mcp = await startClaudeCodeMcp('alice');
    peers.bob.mcp = await startClaudeCodeMcp('bob');
    const alice = peers.alice.mcp;
    const bob = peers.bob.mcp;
    const list = await waitFor('bob in alice\'s list_peers', async () => {
      const r = (await alice.callTool({ name: 'list_peers', arguments: {} })) as ToolResult;
      return /\bbob\b/.test(r.content[0].text) ? r.content[0].text : null;
    });
    expect(list).toMatch(/alice \(you\)/);
    const sent = (await alice.callTool({ name: 'send_message', arguments: { to: 'bob', message: 'Hi Bob, this is Alice. What are you working on?' } })) as ToolResult;
    expect(sent.content[0].text).toMatch(/^Sent to bob on demo: 1 recipient, message /);
    const inbox = await waitFor('the message in bob\'s check_messages', async () => {
      const r = (await bob.callTool({ name: 'check_messages', arguments: {} })) as ToolResult;
      return r.content[0].text.includes('Hi Bob') ? r.content[0].text : null;
    });
    expect(inbox).toContain('alice → you: Hi Bob, this is Alice. What are you working on?');
    await bob.callTool({ name: 'send_message', arguments: { to: 'alice', message: 'I am reviewing the README.' } });
    const reply = await waitFor('the reply in alice\'s check_messages', async () => {
      const r = (await alice.callTool({ name: 'check_messages', arguments: {} })) as ToolResult;
      return r.content[0].text.includes('README') ? r.content[0].text : null;
    });
    expect(reply).toContain('bob → you: I am reviewing the README.');
  });

  it('step 5: the generated hooks report working, then idle, as `claudemesh peers` shows', async () => {
    const settings = JSON.parse(fs.readFileSync(path.join(peers.bob.project, '.claude', 'settings.json'), 'utf8'));
    const prompt = settings.hooks.UserPromptSubmit[0].hooks[0].command;
    const stop = settings.hooks.Stop[0].hooks[0].command;
    const hookInput = JSON.stringify({ hook_event_name: 'UserPromptSubmit', session_id: 'x', prompt: 'hello' });
    expect(await sh(prompt, 'bob', hookInput)).toEqual({ code: 0, out: '' });
    await waitFor('bob working (hook)', async () => /bob\s+working \(hook\)/.test((await sh('claudemesh peers', 'alice')).out));
    expect(await sh(stop, 'bob', '{}')).toEqual({ code: 0, out: '' });
    await waitFor('bob idle (hook)', async () => /bob\s+idle \(hook\)/.test((await sh('claudemesh peers', 'alice')).out));
    // a message sent from alice's terminal reaches bob's Claude Code
    const sent = await runCli(peers.alice.home, ['send', 'bob', "sent from alice's terminal"], { env: { PATH } });
    expect(sent.code).toBe(0);
    await waitFor('the terminal message in bob\'s check_messages', async () => {
      const r = (await peers.bob.mcp!.callTool({ name: 'check_messages', arguments: {} })) as ToolResult;
      return r.content[0].text.includes("sent from alice's terminal");
    });
  });
});
