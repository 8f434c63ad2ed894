import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from 'pg';

import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';

const isRoot = process.getuid?.() === 0;

function psRows(): Array<{ user: string; pid: number; ppid: number; args: string }> {
  return execFileSync('ps', ['-eo', 'user:32=,pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [user, pid, ppid, ...args] = l.trim().split(/\s+/);
      return { user, pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL (operations.md §3)', () => {
  jest.setTimeout(120_000);
  let base: string;
  let pg: EmbeddedPostgres | null = null;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-emb-spec-'));
    fs.chmodSync(base, 0o755);
  });

  afterAll(async () => {
    await pg?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it('C-OPS-2, C-OPS-3, C-OPS-4: starts as a non-root user, 0600 password, stops leaving no process, reuses data', async () => {
    const dataDir = path.join(base, 'data');
    pg = await startEmbeddedPostgres({ dataDir, port: 0 });
    expect(pg.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/claudemesh$/);

    const password = fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(decodeURIComponent(new URL(pg.url).password)).toBe(password);
    expect(fs.statSync(path.join(dataDir, 'pg-password')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(isRoot ? 0o711 : 0o700);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    // Password auth is enforced over TCP.
    const wrong = new URL(pg.url);
    wrong.password = 'wrong';
    await expect(query(wrong.toString(), 'SELECT 1')).rejects.toThrow(/password/);

    await query(pg.url, 'CREATE TABLE keep_me (v text)');
    await query(pg.url, `INSERT INTO keep_me VALUES ('survives a restart')`);
    const [settings] = await query<{ listen: string; sockets: string }>(
      pg.url,
      `SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets`,
    );
    expect(settings).toEqual({ listen: '127.0.0.1', sockets: '' });

    const postmaster = psRows().find((r) => r.args.includes(`-D ${path.join(dataDir, 'pg')}`));
    expect(postmaster).toBeDefined();
    const family = psRows().filter((r) => r.pid === postmaster!.pid || r.ppid === postmaster!.pid);
    expect(family.length).toBeGreaterThan(1);
    for (const proc of family) expect(proc.user).toBe(isRoot ? 'postgres' : os.userInfo().username);
    if (isRoot) expect(fs.statSync(path.join(dataDir, 'pg')).uid).toBe(Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })));

    const started = Date.now();
    await pg.stop();
    pg = null;
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const proc of family) expect(alive(proc.pid) ? `${proc.pid} alive` : 'gone').toBe('gone');
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    // Second start: same password file, same data.
    pg = await startEmbeddedPostgres({ dataDir });
    expect(fs.readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim()).toBe(password);
    expect(await query(pg.url, 'SELECT v FROM keep_me')).toEqual([{ v: 'survives a restart' }]);
    await pg.stop();
    pg = null;
  });

  it('removes a stale postmaster.pid left by a dead process', async () => {
    const dataDir = path.join(base, 'data');
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    // A pid that is surely dead: a finished child.
    const deadPid = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }));
    fs.writeFileSync(pidFile, `${deadPid}\n${path.join(dataDir, 'pg')}\n`);
    pg = await startEmbeddedPostgres({ dataDir });
    expect(await query(pg.url, 'SELECT v FROM keep_me')).toHaveLength(1);
    await pg.stop();
    pg = null;

    // A pid reused by a live process that is not postgres is stale too (postgres alone would refuse to start).
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      fs.writeFileSync(pidFile, `${other.pid}\n${path.join(dataDir, 'pg')}\n`);
      pg = await startEmbeddedPostgres({ dataDir });
      expect(await query(pg.url, 'SELECT v FROM keep_me')).toHaveLength(1);
      await pg.stop();
      pg = null;
    } finally {
      other.kill('SIGKILL');
    }
  });

  (isRoot ? it : it.skip)('refuses a data dir the postgres user cannot reach, with the operations.md message', async () => {
    const locked = path.join(base, 'locked');
    fs.mkdirSync(locked, { mode: 0o700 });
    fs.chmodSync(locked, 0o700);
    await expect(startEmbeddedPostgres({ dataDir: path.join(locked, 'data') })).rejects.toThrow(
      `Embedded PostgreSQL cannot start: ${locked} is not traversable by user postgres; run chmod o+x ${locked} or set DATABASE_URL`,
    );
  });

  (isRoot ? it : it.skip)('relocates the cluster of an unreachable data dir when asked (the default data dir, D9), and finds it again', async () => {
    const locked = path.join(base, 'locked-relocate');
    fs.mkdirSync(locked, { mode: 0o700 });
    fs.chmodSync(locked, 0o700);
    const dataDir = path.join(locked, 'data');
    const warnings: string[] = [];
    pg = await startEmbeddedPostgres({ dataDir, relocateUnreachableCluster: true, warn: (l) => warnings.push(l) });
    const target = fs.readlinkSync(path.join(dataDir, 'pg'));
    try {
      expect(target).toMatch(/^\/var\/lib\/claudemesh\/embedded\/[0-9a-f]{16}\/pg$/);
      expect(warnings).toEqual([`${locked} is not traversable by user postgres: the embedded cluster lives in ${target} (linked from ${path.join(dataDir, 'pg')})`]);
      expect(fs.statSync(target).uid).not.toBe(0);
      expect(fs.statSync(target).mode & 0o777).toBe(0o700);
      // The password stays in the private data dir; nothing secret is left beside the cluster.
      expect(fs.readdirSync(path.dirname(target))).toEqual(['pg']);
      await query(pg.url, 'CREATE TABLE relocated (v int)');
      await pg.stop();
      pg = null;
      warnings.length = 0;
      pg = await startEmbeddedPostgres({ dataDir, relocateUnreachableCluster: true, warn: (l) => warnings.push(l) });
      expect(warnings).toEqual([]);
      expect(await query(pg.url, "SELECT to_regclass('relocated') AS t")).toEqual([{ t: 'relocated' }]);
      await pg.stop();
      pg = null;
      // Without the option, an existing relocated cluster is still used only if reachable: it is, through the link.
      pg = await startEmbeddedPostgres({ dataDir });
      await pg.stop();
      pg = null;
    } finally {
      fs.rmSync(path.dirname(target), { recursive: true, force: true });
    }
  });
});
