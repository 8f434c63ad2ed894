import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ServerProcess, startServerProcess } from '../support/server-process';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Pids of postgres processes whose command line names `dir`. */
function postgresPidsFor(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes('postgres') && cmd.includes(dir)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/**
 * C-OPS-1 and C-OPS-2 together, in the place a new user most often puts a clone: a private (0700) directory such as
 * `mktemp -d`, as root. User postgres cannot traverse it, so with the default data dir the cluster is relocated under
 * /var/lib/claudemesh/embedded and linked from .claudemesh-data/pg (docs/SPEC.md D9); `npm start` just works.
 */
(isRoot ? describe : describe.skip)('operations: npm start as root in a private 0700 checkout (C-OPS-1, C-OPS-2, D9)', () => {
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-private-')); // mkdtemp gives 0700
  const dataDir = path.join(checkout, '.claudemesh-data');
  let relocated: string | null = null;
  let server: ServerProcess | null = null;

  afterAll(async () => {
    if (server) await server.stop('SIGKILL');
    if (relocated) {
      for (const pid of postgresPidsFor(relocated)) process.kill(pid, 'SIGKILL');
      fs.rmSync(path.dirname(relocated), { recursive: true, force: true });
    }
    fs.rmSync(checkout, { recursive: true, force: true });
  });

  it('starts with no DATABASE_URL and no CLAUDEMESH_DATA_DIR, runs postgres as a non-root user, and keeps data across restarts', async () => {
    expect(fs.statSync(checkout).mode & 0o777).toBe(0o700);
    server = await startServerProcess({ DATABASE_URL: '', SERVER_SECRET: '', CLAUDEMESH_DATA_DIR: '' }, { cwd: checkout, timeoutMs: 60_000 });
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
    expect((await fetch(`${server.baseUrl}/`)).status).toBe(200);

    const link = path.join(dataDir, 'pg');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    relocated = fs.readlinkSync(link);
    expect(relocated.startsWith('/var/lib/claudemesh/embedded/')).toBe(true);
    expect(fs.existsSync(path.join(relocated, 'PG_VERSION'))).toBe(true);
    // The operator is told where the cluster went, and why.
    expect(server.stdout()).toContain(`${checkout} is not traversable by user postgres: the embedded cluster lives in ${relocated}`);
    // The secrets stay in the private data dir.
    expect(fs.statSync(path.join(dataDir, 'server-secret')).mode & 0o777).toBe(0o600);
    expect(fs.existsSync(path.join(relocated, '..', 'server-secret'))).toBe(false);

    const pids = postgresPidsFor(relocated);
    expect(pids.length).toBeGreaterThan(0);
    const users = execFileSync('ps', ['-o', 'user=', '-p', pids.join(',')], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
    expect(users.length).toBeGreaterThan(0);
    for (const u of users) expect(u).not.toBe('root');

    const setupToken = /First-time setup: \S+\/signup\?setup=([A-Za-z0-9]{24})$/m.exec(server.stdout())?.[1];
    expect(setupToken).toBeDefined();
    const signup = await fetch(`${server.baseUrl}/api/auth/signup`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'private@example.com', password: 'correct horse battery', displayName: 'Private', setupToken }),
    });
    expect(signup.status).toBe(201);

    const secret = fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8');
    expect(await server.stop('SIGTERM')).toBe(0);
    server = null;
    expect(postgresPidsFor(relocated)).toEqual([]);

    // A second start finds the same cluster through the link: the account is still there and the secret is reused.
    server = await startServerProcess({ DATABASE_URL: '', SERVER_SECRET: '', CLAUDEMESH_DATA_DIR: '' }, { cwd: checkout, timeoutMs: 60_000 });
    expect(fs.readlinkSync(link)).toBe(relocated);
    expect(fs.readFileSync(path.join(dataDir, 'server-secret'), 'utf8')).toBe(secret);
    expect(server.stdout()).not.toContain('is not traversable');
    const login = await fetch(`${server.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'private@example.com', password: 'correct horse battery' }),
    });
    expect(login.status).toBe(200);
    expect(await server.stop('SIGTERM')).toBe(0);
    server = null;
    expect(postgresPidsFor(relocated)).toEqual([]);
  });
});
