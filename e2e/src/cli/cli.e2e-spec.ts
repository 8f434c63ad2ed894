/**
 * Issue 7 end to end, with real processes: the server (node server/dist/main.js), the bundled CLI
 * (cli/dist/claudemesh.cjs) in two homes, and an MCP client from @modelcontextprotocol/sdk over stdio.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startServerProcess } from '../support/server-process';
import { buildCli, CLI_BUNDLE, CliProcess, fileMode, runCli, waitFor } from './cli-runner';
import { startTamperProxy } from './tamper-proxy';

type ServerProcess = Awaited<ReturnType<typeof startServerProcess>>;

jest.setTimeout(180_000);

// Async, so that the event loop keeps serving keep-alive sockets while npm runs.
const execFileAsync = promisify(execFile);
const tag = Math.random().toString(36).slice(2, 8);
const readJson = (p: string) => JSON.parse(fs.readFileSync(p, 'utf8'));

async function api<T = any>(baseUrl: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(baseUrl + p, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, res };
}

describe('claudemesh CLI, MCP server and hooks (issue 7)', () => {
  let server: ServerProcess;
  let baseUrl: string;
  let pat: string;
  let meshId: string;
  let shortUrl: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-e2e-cli-'));
  const homeA = path.join(tmp, 'alice');
  const homeB = path.join(tmp, 'bob');
  let watchB: CliProcess | null = null;
  let mcp: Client | null = null;

  const bearer = () => ({ authorization: `Bearer ${pat}` });

  async function newInvite(maxUses = 1): Promise<{ code: string; shortUrl: string }> {
    const r = await api(baseUrl, 'POST', `/api/meshes/${meshId}/invites`, { maxUses }, bearer());
    expect(r.status).toBe(201);
    expect(r.body.version).toBe(2);
    return { code: r.body.code, shortUrl: r.body.shortUrl };
  }

  beforeAll(async () => {
    buildCli();
    server = await startServerProcess({ HANDSHAKE_RATE_PER_IP_PER_MIN: '1000', HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '1000' });
    baseUrl = server.baseUrl;
    // 2. an admin creates a mesh and a v2 invite through REST
    const setup = await waitFor('the setup token on stdout', () => /\/signup\?setup=([0-9A-Za-z]+)/.exec(server.stdout())?.[1]);
    const signup = await api(baseUrl, 'POST', '/api/auth/signup', { email: `admin-${tag}@example.com`, password: 'correct horse battery', displayName: 'Dana Ops', setupToken: setup });
    expect(signup.status).toBe(201);
    const cookies = signup.res.headers.getSetCookie().map((c) => c.split(';')[0]);
    const csrf = cookies.find((c) => c.startsWith('XSRF-TOKEN='))!.slice('XSRF-TOKEN='.length);
    const tok = await api(baseUrl, 'POST', '/api/tokens', { name: 'e2e', expiresInDays: 1 }, { cookie: cookies.join('; '), 'x-xsrf-token': decodeURIComponent(csrf) });
    expect(tok.status).toBe(201);
    pat = tok.body.token;
    const mesh = await api(baseUrl, 'POST', '/api/meshes', { name: `CLI e2e ${tag}` }, bearer());
    expect(mesh.status).toBe(201);
    meshId = mesh.body.id;
    ({ shortUrl } = await newInvite(2));
    expect(shortUrl).toBe(`${baseUrl}/i/${shortUrl.split('/').pop()}`);
  });

  afterAll(async () => {
    await mcp?.close().catch(() => undefined);
    await watchB?.stop();
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('C-SEC-11: init creates the identity 0600 in a 0700 dir; a second init is refused', async () => {
    for (const home of [homeA, homeB]) {
      const r = await runCli(home, ['init']);
      expect(r.code).toBe(0);
      expect(fileMode(home)).toBe(0o700);
      expect(fileMode(path.join(home, 'identity.json'))).toBe(0o600);
      expect(Object.keys(readJson(path.join(home, 'identity.json'))).sort()).toEqual(['createdAt', 'pubkey', 'secretKey', 'v']);
    }
    const again = await runCli(homeA, ['init']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('both homes join through the short URL (default server = the URL origin); meshes.json is 0600 and keyed by meshId', async () => {
    const a = await runCli(homeA, ['join', shortUrl, '--name', 'alice']);
    expect(a.stderr).toContain('Verifying the owner signature');
    expect(a.code).toBe(0);
    const b = await runCli(homeB, ['join', shortUrl, '--name', 'bob']);
    expect(b.code).toBe(0);
    for (const home of [homeA, homeB]) {
      const file = path.join(home, 'meshes.json');
      expect(fileMode(file)).toBe(0o600);
      const meshes = readJson(file);
      expect(Object.keys(meshes)).toEqual([meshId]);
      expect(meshes[meshId]).toMatchObject({ meshId, serverUrl: baseUrl, role: 'member', inviteVersion: 2 });
      expect(meshes[meshId].rootKeys['1']).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(meshes[meshId].ownerPubkey).toMatch(/^[0-9a-f]{64}$/);
    }
    // The 2-use invite is used up now. A member's key may still claim it again (invites.md §4.3 check 4): same member;
    // a new key gets invite_exhausted (exit 6).
    const memberId = readJson(path.join(homeA, 'meshes.json'))[meshId].memberId;
    const again = await runCli(homeA, ['join', shortUrl, '--name', 'alice']);
    expect(again.stderr).not.toContain('invite_exhausted');
    expect(again.code).toBe(0);
    expect(readJson(path.join(homeA, 'meshes.json'))[meshId].memberId).toBe(memberId);
    const homeC = path.join(tmp, 'home-c');
    expect((await runCli(homeC, ['init'])).code).toBe(0);
    const late = await runCli(homeC, ['join', shortUrl, '--name', 'carol']);
    expect(late.code).toBe(6);
    expect(late.stderr.trim().split('\n').pop()).toBe('claudemesh: This invite has been used up. (invite_exhausted)');
    expect(fs.existsSync(path.join(homeC, 'meshes.json'))).toBe(false);
  });

  it('A sends to B by display name; B\'s inbox --fetch shows the decrypted text exactly once', async () => {
    const text = `hello bob ${tag}`;
    const sent = await runCli(homeA, ['send', 'bob', text]);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/Sent to bob: 1 recipient \(message /);
    const first = await runCli(homeB, ['inbox', '--fetch']);
    expect(first.code).toBe(0);
    expect(first.stdout.split(text).length - 1).toBe(1);
    expect(first.stdout).toContain(`alice → you: ${text}`);
    const second = await runCli(homeB, ['inbox', '--fetch', '--json']);
    const records = JSON.parse(second.stdout);
    expect(records.filter((r: { text: string }) => r.text === text)).toHaveLength(1);
    const inboxFile = path.join(homeB, 'inbox', `${meshId}.jsonl`);
    expect(fileMode(inboxFile)).toBe(0o600);
    expect(fileMode(path.dirname(inboxFile))).toBe(0o700); // C-SEC-11: in a 0700 dir
    expect(fs.readFileSync(inboxFile, 'utf8').split(text).length - 1).toBe(1);
  });

  it('an unknown name fails loudly (exit 4) and sends nothing', async () => {
    const r = await runCli(homeA, ['send', 'nobody-here', 'x']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no peer or member is named "nobody-here"/);
  });

  it('`status --session` with a session that is not one of ours is refused (exit 2) and says why', async () => {
    const r = await runCli(homeA, ['status', 'dnd', '--session', randomUUID()]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/sessionId is not a live session of this member/);
  });

  it('a broadcast reaches B but not A', async () => {
    const text = `broadcast ${tag}`;
    const sent = await runCli(homeA, ['send', '*', text]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/1 recipient/);
    const b = await runCli(homeB, ['inbox', '--fetch']);
    expect(b.stdout).toContain(`alice → *: ${text}`);
    const a = await runCli(homeA, ['inbox', '--fetch']);
    expect(a.code).toBe(0);
    expect(a.stdout).not.toContain(text);
  });

  it('`claudemesh hook working` from a session\'s process tree shows in `peers` as working', async () => {
    watchB = new CliProcess(homeB, ['watch', '--json']);
    // watch's anchor is its parent (this test process): the run file is run/<our pid>.json
    const runFile = path.join(homeB, 'run', `${process.pid}.json`);
    const run = await waitFor('the watch session run file', () => {
      const r = fs.existsSync(runFile) ? readJson(runFile) : null;
      return r?.meshes?.length ? r : null;
    });
    expect(fileMode(runFile)).toBe(0o600);
    expect(fileMode(path.dirname(runFile))).toBe(0o700); // C-SEC-11: in a 0700 dir
    expect(run.meshes[0]).toMatchObject({ meshId, serverUrl: baseUrl });
    expect(run.meshes[0].hookToken).toMatch(/^cmh1\./);
    const hook = await runCli(homeB, ['hook', 'working'], { input: JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'x'.repeat(1000) }) });
    expect(hook.code).toBe(0);
    expect(hook.stdout + hook.stderr).toBe('');
    const peers = await waitFor('bob working in peers', async () => {
      const r = await runCli(homeA, ['peers', '--json']);
      const list = JSON.parse(r.stdout)[0].peers as { displayName: string; status: string; statusSource: string; sessionId: string }[];
      const bob = list.find((p) => p.displayName === 'bob');
      return bob?.status === 'working' ? bob : null;
    });
    expect(peers.statusSource).toBe('hook');
    expect(peers.sessionId).toBe(run.sessionId);
    const text = await runCli(homeA, ['peers']);
    expect(text.stdout).toMatch(/bob\s+working \(hook\)/);
    // back to idle so that `next` messages flow to the watch session
    expect((await runCli(homeB, ['hook', 'idle'])).code).toBe(0);
    // without a run file the hook is silent and exits 0
    const lost = await runCli(path.join(tmp, 'nobody'), ['hook', 'working']);
    expect(lost).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('an MCP client over stdio lists the five tools and sends a message that B receives', async () => {
    mcp = new Client({ name: 'e2e', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_BUNDLE, 'mcp'],
      env: { ...(process.env as Record<string, string>), CLAUDEMESH_HOME: homeA },
      stderr: 'pipe',
    });
    await mcp.connect(transport);
    const tools = await mcp.listTools();
    expect(tools.tools.map((t) => t.name).sort()).toEqual(['check_messages', 'list_peers', 'send_message', 'set_status', 'set_summary']);
    for (const t of tools.tools) expect(t.inputSchema.type).toBe('object');
    const text = `via mcp ${tag}`;
    const res = (await mcp.callTool({ name: 'send_message', arguments: { to: 'bob', message: text } })) as { content: { text: string }[]; isError?: boolean };
    expect(res.isError).toBeFalsy();
    expect(res.content[0].text).toMatch(/Sent to bob/);
    await waitFor('B\'s watch to print the MCP message', () => watchB!.stdout.includes(text));
    const printed = watchB!.stdout.split('\n').filter((l) => l.includes(text)).map((l) => JSON.parse(l));
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatchObject({ text, kind: 'direct', from: { displayName: 'alice' } });

    // the reverse direction: B answers alice (live through MCP, so the message is pinned to that session)
    const reply = `reply to mcp ${tag}`;
    const peers = (await mcp.callTool({ name: 'list_peers', arguments: {} })) as { content: { text: string }[] };
    expect(peers.content[0].text).toContain('bob');
    expect((await runCli(homeB, ['send', 'alice', reply])).code).toBe(0);
    const got = await waitFor('check_messages to return the reply', async () => {
      const r = (await mcp!.callTool({ name: 'check_messages', arguments: {} })) as { content: { text: string }[] };
      return r.content[0].text.includes(reply) ? r.content[0].text : null;
    });
    expect(got).toContain(`bob → you: ${reply}`);
    const again = (await mcp.callTool({ name: 'check_messages', arguments: {} })) as { content: { text: string }[] };
    expect(again.content[0].text).not.toContain(reply);
    const status = (await mcp.callTool({ name: 'set_summary', arguments: { summary: 'testing the mesh' } })) as { isError?: boolean };
    expect(status.isError).toBeFalsy();
  });

  it('C-INV-19: a tampered claim response (canonical_v2 changed) is refused before unsealing and writes no config', async () => {
    const homeC = path.join(tmp, 'carol');
    expect((await runCli(homeC, ['init'])).code).toBe(0);
    const { code } = await newInvite(1);
    const proxy = await startTamperProxy(baseUrl);
    try {
      const r = await runCli(homeC, ['join', `${proxy.url}/i/${code}`, '--name', 'carol']);
      expect(proxy.tampered()).toBe(1);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/refused: the invite signature does not verify with owner_pubkey; nothing was saved \(member [0-9A-Za-z]{32}/);
      expect(fs.existsSync(path.join(homeC, 'meshes.json'))).toBe(false);
      expect(fs.readdirSync(homeC)).toEqual(['identity.json']);
    } finally {
      await proxy.close();
    }
  });

  it('C-SEC-11: a pre-existing 0644 config file is corrected to 0600 with a warning', async () => {
    const file = path.join(homeA, 'meshes.json');
    fs.chmodSync(file, 0o644);
    const r = await runCli(homeA, ['meshes']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: ${file} had mode 0644; corrected to 0600`);
    expect(fileMode(file)).toBe(0o600);
    expect(r.stdout).toMatch(/online/);
  });

  it('C-OPS-15: the server distributes the CLI tarball; npm i -g of its URL gives the same --version, and join <shortUrl> reaches the server', async () => {
    const version = await api(baseUrl, 'GET', '/cli/version');
    const tgz = await fetch(`${baseUrl}/cli/claudemesh.tgz`);
    expect(tgz.status).toBe(200);
    expect(tgz.headers.get('content-type')).toMatch(/application\/gzip/);
    const prefix = path.join(tmp, 'prefix');
    await execFileAsync('npm', ['i', '-g', `${baseUrl}/cli/claudemesh.tgz`, '--prefix', prefix, '--no-audit', '--no-fund'], { timeout: 150_000 });
    const bin = path.join(prefix, 'bin', 'claudemesh');
    expect((await execFileAsync(bin, ['--version'])).stdout.trim()).toBe(version.body.version);
    const homeD = path.join(tmp, 'dave');
    await execFileAsync(bin, ['init'], { env: { ...process.env, CLAUDEMESH_HOME: homeD } });
    const { shortUrl: url } = await newInvite(1);
    const { stdout } = await execFileAsync(bin, ['join', url, '--name', 'dave'], { env: { ...process.env, CLAUDEMESH_HOME: homeD } });
    expect(stdout).toContain(`mesh ${meshId}`);
  });

  it('leave ends the membership and deletes the local entry', async () => {
    await watchB?.stop();
    watchB = null;
    const r = await runCli(homeB, ['leave', meshId]);
    expect(r.code).toBe(0);
    expect(readJson(path.join(homeB, 'meshes.json'))).toEqual({});
    const peers = await runCli(homeA, ['peers', '--all', '--json']);
    expect(JSON.parse(peers.stdout)[0].peers.map((p: { displayName: string }) => p.displayName)).not.toContain('bob');
    const gone = await runCli(homeA, ['send', 'bob', 'are you there?']);
    expect(gone.code).toBe(4);
  });
});
