import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestDatabase, startEmbeddedPostgres } from '@claudemesh/database';
import { jsonLines, runServerToExit, ServerProcess, startServerProcess } from '../support/server-process';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A temp dir the `postgres` OS user can traverse when the tests run as root (operations.md §3). */
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8).padStart(4, '0');
}

function postgresPidsFor(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes('postgres') && cmd.includes(path.join(dataDir, 'pg'))) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

function cookieJar(res: Response): { cookie: string; xsrf: string } {
  const pairs = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  const xsrf = pairs.find((p) => p.startsWith('XSRF-TOKEN='))?.slice('XSRF-TOKEN='.length) ?? '';
  return { cookie: pairs.join('; '), xsrf: decodeURIComponent(xsrf) };
}

async function waitFor(fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

const SETUP_LINE = /^First-time setup: (http:\/\/\S+)\/signup\?setup=([A-Za-z0-9]{24})$/m;

describe('operations: embedded start, restart and files (C-OPS-1..4)', () => {
  const root = tempDir('cm-ops-');
  const dataDir = path.join(root, 'data');
  let server: ServerProcess | null = null;

  afterAll(async () => {
    if (server) await server.stop('SIGKILL');
    for (const pid of postgresPidsFor(dataDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('C-OPS-1: without DATABASE_URL the server starts an embedded PostgreSQL, is ready within 60 s and / renders the SPA', async () => {
    const started = Date.now();
    server = await startServerProcess({ DATABASE_URL: '', SERVER_SECRET: '', CLAUDEMESH_DATA_DIR: dataDir }, { timeoutMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(server.stdout()).toContain(`claudemesh is ready at ${server.baseUrl}\n`);
    const setup = SETUP_LINE.exec(server.stdout());
    expect(setup?.[1]).toBe(server.baseUrl);
    const home = await fetch(`${server.baseUrl}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await home.text()).toMatch(/<html/i);
  });

  it('C-OPS-2: run as root, postgres runs as a non-root user', async () => {
    const pids = postgresPidsFor(dataDir);
    expect(pids.length).toBeGreaterThan(0);
    const users = execFileSync('ps', ['-o', 'user=', '-p', pids.join(',')], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
    expect(users.length).toBeGreaterThan(0);
    if (isRoot) for (const u of users) expect(u).not.toBe('root');
    else for (const u of users) expect(u).toBe(os.userInfo().username);
  });

  it('C-OPS-4: server-secret and pg-password are 0600; the data dir is 0700 (0711 as root)', () => {
    expect(mode(path.join(dataDir, 'server-secret'))).toBe('0600');
    expect(mode(path.join(dataDir, 'pg-password'))).toBe('0600');
    expect(mode(dataDir)).toBe(isRoot ? '0711' : '0700');
    expect(fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a crash of the embedded PostgreSQL makes readiness db_down; the server restarts it (operations.md §3)', async () => {
    const s = server!;
    const pid = Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await waitFor(async () => (await fetch(`${s.baseUrl}/health/ready`)).status === 503, 15_000).catch(async (e: Error) => {
      const exit = await Promise.race([s.exited().then((c) => `exited with ${c}`), sleep(100).then(() => 'still running')]);
      const problems = s.stdout().split('\n').filter((l) => /"level":"(warn|error|fatal)"/.test(l)).slice(-10).map((l) => l.slice(0, 600));
      throw new Error(`${e.message}; the server ${exit}; its last warnings and errors:\n${problems.join('\n')}\n${s.stderr().slice(-2000)}`);
    });
    expect((await (await fetch(`${s.baseUrl}/health/ready`)).json()).reasons).toContain('db_down');
    await waitFor(async () => (await fetch(`${s.baseUrl}/health/ready`)).status === 200, 40_000);
    expect((await (await fetch(`${s.baseUrl}/health`)).json()).db).toBe('up');
  });

  it('C-OPS-3: SIGTERM leaves no postgres process; a second start keeps accounts and meshes and the same server-secret', async () => {
    const s = server!;
    const token = SETUP_LINE.exec(s.stdout())![2];
    const signup = await fetch(`${s.baseUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', password: 'correct horse battery', displayName: 'Ops', setupToken: token }),
    });
    expect(signup.status).toBe(201);
    const jar = cookieJar(signup);
    const mesh = await fetch(`${s.baseUrl}/api/meshes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Cookie: jar.cookie, 'X-XSRF-TOKEN': jar.xsrf },
      body: JSON.stringify({ name: 'ops mesh' }),
    });
    expect(mesh.status).toBe(201);
    const secretBefore = fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8');

    expect(await s.stop('SIGTERM')).toBe(0);
    server = null;
    expect(postgresPidsFor(dataDir)).toEqual([]);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    server = await startServerProcess({ DATABASE_URL: '', SERVER_SECRET: '', CLAUDEMESH_DATA_DIR: dataDir });
    expect(fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8')).toBe(secretBefore);
    expect(server.stdout()).not.toMatch(SETUP_LINE);
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'ops@example.com', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    const meshes = await fetch(`${server.baseUrl}/api/meshes`, { headers: { Cookie: cookieJar(login).cookie } });
    expect(meshes.status).toBe(200);
    const list = (await meshes.json()) as { data: { name: string }[] };
    expect(list.data.map((m) => m.name)).toEqual(['ops mesh']);
    expect(await server.stop('SIGTERM')).toBe(0);
    server = null;
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });
});

describe('operations: configuration and key check (C-OPS-5, C-DATA-15)', () => {
  it('C-OPS-5: MAX_MESSAGE_BYTES=abc → exit 1 with one line naming MAX_MESSAGE_BYTES', async () => {
    const r = await runServerToExit({ MAX_MESSAGE_BYTES: 'abc', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['Invalid MAX_MESSAGE_BYTES: must be an integer from 1024 to 1048576']);
  });

  it('C-DATA-15: another SERVER_SECRET against an existing database exits non-zero with the key-mismatch message', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startServerProcess({ DATABASE_URL: db.url, SERVER_SECRET: randomBytes(32).toString('hex') });
      expect(await first.stop()).toBe(0);
      // The graceful stop marked its server_node row (operations.md §8 step 5).
      const { Client } = await import('pg');
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const nodes = await c.query('SELECT stopped_at FROM mesh.server_node');
      await c.end();
      expect(nodes.rows).toHaveLength(1);
      expect(nodes.rows[0].stopped_at).toBeInstanceOf(Date);
      const r = await runServerToExit({ DATABASE_URL: db.url, SERVER_SECRET: randomBytes(32).toString('hex') });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('SERVER_SECRET does not match this database');
      expect(r.stdout).not.toContain('claudemesh is ready');
    } finally {
      await db.drop();
    }
  });
});

describe('operations: running server (C-OPS-6..8, C-API-1, C-API-15, C-SEC-8)', () => {
  let server: ServerProcess;
  const pgRoot = tempDir('cm-ops-pg-');
  let pg: Awaited<ReturnType<typeof startEmbeddedPostgres>>;

  beforeAll(async () => {
    // A PostgreSQL of our own, so that C-OPS-6 can stop and restart it.
    pg = await startEmbeddedPostgres({ dataDir: path.join(pgRoot, 'data') });
    server = await startServerProcess({ DATABASE_URL: pg.url, METRICS_TOKEN: 'metrics-secret-token' });
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await pg?.stop();
    fs.rmSync(pgRoot, { recursive: true, force: true });
  });

  it('C-API-1: a 404 and an invalid_json error match the error shape, with requestId equal to X-Request-Id', async () => {
    const nf = await fetch(`${server.baseUrl}/api/nope`);
    const body = await nf.json();
    expect(nf.status).toBe(404);
    expect(body).toEqual({
      error: { code: 'not_found', message: expect.any(String) },
      statusCode: 404,
      timestamp: expect.stringMatching(/Z$/),
      path: '/api/nope',
      requestId: nf.headers.get('x-request-id'),
    });
    const bad = await fetch(`${server.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":' });
    const b = await bad.json();
    expect(bad.status).toBe(400);
    expect(b.error.code).toBe('invalid_json');
    expect(b.statusCode).toBe(400);
    expect(b.requestId).toBe(bad.headers.get('x-request-id'));
    expect(JSON.stringify(b)).not.toMatch(/at .*\.js|SyntaxError/);
  });

  it('C-API-15: GET /api/nope → 404 in the error shape; GET /meshes/anything → the SPA index.html', async () => {
    expect((await (await fetch(`${server.baseUrl}/api/nope`)).json()).error.code).toBe('not_found');
    const spa = await fetch(`${server.baseUrl}/meshes/anything`);
    expect(spa.status).toBe(200);
    const html = await spa.text();
    expect(html).toBe(await (await fetch(`${server.baseUrl}/`)).text());
    expect(html).toMatch(/<html/i);
  });

  it('C-SEC-8: every HTML response carries the CSP and Referrer-Policy: no-referrer', async () => {
    const csp =
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
      "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
    for (const p of ['/', '/login', '/meshes/abc', '/join/some-token', '/api/docs']) {
      const res = await fetch(`${server.baseUrl}${p}`);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('content-security-policy')).toBe(csp);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('C-OPS-15 (server side): /cli/claudemesh.tgz is the gzip tarball with an ETag; /cli/version its version', async () => {
    const version = await (await fetch(`${server.baseUrl}/cli/version`)).json();
    expect(version).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const res = await fetch(`${server.baseUrl}/cli/claudemesh.tgz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/gzip');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const again = await fetch(`${server.baseUrl}/cli/claudemesh.tgz`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
  });

  it('C-OPS-7: /metrics needs the token when METRICS_TOKEN is set, and exposes every metric with HELP and TYPE', async () => {
    expect((await fetch(`${server.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { Authorization: 'Bearer metrics-secret-token' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const metrics: [string, string][] = [
      ['claudemesh_peer_connections', 'gauge'],
      ['claudemesh_peer_handshakes_total', 'counter'],
      ['claudemesh_messages_sent_total', 'counter'],
      ['claudemesh_messages_rejected_total', 'counter'],
      ['claudemesh_deliveries_pushed_total', 'counter'],
      ['claudemesh_deliveries_acked_total', 'counter'],
      ['claudemesh_send_ack_seconds', 'histogram'],
      ['claudemesh_delivery_seconds', 'histogram'],
      ['claudemesh_queue_depth', 'gauge'],
      ['claudemesh_presences', 'gauge'],
      ['claudemesh_hook_requests_total', 'counter'],
      ['claudemesh_invite_claims_total', 'counter'],
      ['claudemesh_audit_lag_seconds', 'gauge'],
      ['claudemesh_mail_total', 'counter'],
      ['claudemesh_rate_limited_total', 'counter'],
      ['claudemesh_http_requests_total', 'counter'],
      ['claudemesh_http_request_seconds', 'histogram'],
      ['claudemesh_db_up', 'gauge'],
      ['claudemesh_leader', 'gauge'],
      ['claudemesh_process_resident_memory_bytes', 'gauge'],
      ['claudemesh_nodejs_eventloop_lag_seconds', 'gauge'],
    ];
    for (const [name, type] of metrics) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(text).toMatch(/^claudemesh_db_up 1$/m);
    expect(text).toMatch(/claudemesh_http_requests_total\{method="GET",route="\/api\/nope"|claudemesh_http_requests_total\{method="GET",route="unmatched",status="404"\}/);
    expect(text).not.toContain('route="/meshes/anything"');
  });

  it('C-OPS-8: stdout is JSON lines with time, level, msg; HTTP lines carry the response X-Request-Id', async () => {
    const res = await fetch(`${server.baseUrl}/health`, { headers: { 'X-Request-Id': 'ops-e2e-request-0001' } });
    expect(res.headers.get('x-request-id')).toBe('ops-e2e-request-0001');
    const auto = await fetch(`${server.baseUrl}/api/nope`);
    const autoId = auto.headers.get('x-request-id');
    await sleep(200);
    const lines = server.stdout().split('\n').filter(Boolean);
    const plain = lines.filter((l) => !l.startsWith('{'));
    for (const l of plain) expect(l).toMatch(/^(claudemesh is ready at |First-time setup: )/);
    const json = jsonLines(server.stdout());
    expect(json.length).toBeGreaterThan(5);
    for (const l of json) {
      expect(typeof l.time).toBe('string');
      expect(new Date(l.time as string).toISOString()).toBe(l.time);
      expect(typeof l.level).toBe('string');
      expect(typeof l.msg).toBe('string');
    }
    const access = json.filter((l) => l.requestId === 'ops-e2e-request-0001');
    expect(access).toEqual([expect.objectContaining({ method: 'GET', route: '/health', status: 200, durationMs: expect.any(Number) })]);
    expect(json.some((l) => l.requestId === autoId && l.status === 404)).toBe(true);
  });

  it('C-OPS-6: with the database stopped /health says db down and readiness db_down; both recover when it returns', async () => {
    await pg.stop();
    await waitFor(async () => (await (await fetch(`${server.baseUrl}/health`)).json()).db === 'down', 15_000);
    const live = await fetch(`${server.baseUrl}/health`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${server.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'not_ready', reasons: ['db_down'] });

    await pg.restart();
    await waitFor(async () => (await fetch(`${server.baseUrl}/health/ready`)).status === 200, 20_000);
    expect((await (await fetch(`${server.baseUrl}/health`)).json()).db).toBe('up');
    expect(await (await fetch(`${server.baseUrl}/health/ready`)).json()).toEqual({ status: 'ready', db: 'up', migrations: 'current', redis: 'disabled' });
  });
});
