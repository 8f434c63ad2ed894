import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestDatabase, freePort, TestDatabase } from '@claudemesh/database';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** The server entry point; CM_E2E_SERVER_MAIN points at another build (e.g. one compiled into a private outDir). */
export const SERVER_MAIN = process.env['CM_E2E_SERVER_MAIN'] || path.join(REPO_ROOT, 'server/dist/main.js');

export interface ServerProcess {
  /** http://127.0.0.1:<port> (also the PUBLIC_URL unless env sets one). */
  baseUrl: string;
  /** The database the server uses (the fresh test database, the given DATABASE_URL, or '' when embedded). */
  databaseUrl: string;
  /** The SERVER_SECRET given to the process ('' when it generates its own in the data dir). */
  serverSecret: string;
  pid: number;
  /** Everything written on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends the signal (SIGTERM by default), waits for the exit, drops the fresh database; resolves the exit code. */
  stop(signal?: NodeJS.Signals, opts?: { keepDatabase?: boolean }): Promise<number>;
  /** SIGKILL, no cleanup by the server (the database is dropped by the next stop() or dropDatabase()). */
  kill9(): void;
  /** Resolves the exit code once the process has exited. */
  exited(): Promise<number>;
  dropDatabase(): Promise<void>;
}

export interface StartOptions {
  /** Wait for GET /health/ready = 200 (default true). */
  waitReady?: boolean;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Reuse an existing test database instead of creating one (kept on stop). */
  databaseUrl?: string;
  /** Working directory of the server (default: the repository root); the default data dir is relative to it. */
  cwd?: string;
}

function spawnServer(env: Record<string, string>, cwd = REPO_ROOT): { child: ChildProcess; out: { stdout: string; stderr: string }; exit: Promise<number> } {
  if (!fs.existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: build the server first (npx nx run server:build)`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // The test runner's admin URL must not leak into a server that should use the embedded database.
  delete childEnv['DATABASE_URL'];
  for (const [k, v] of Object.entries(env)) {
    if (v === '') delete childEnv[k];
    else childEnv[k] = v;
  }
  const child = spawn(process.execPath, [SERVER_MAIN], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (b: Buffer) => (out.stdout += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (out.stderr += b.toString('utf8')));
  const exit = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, out, exit };
}

async function waitReady(baseUrl: string, exit: Promise<number>, timeoutMs: number, out: () => string): Promise<void> {
  let exited: number | null = null;
  void exit.then((c) => (exited = c));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`server exited with ${exited} before ready:\n${out()}`);
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready within ${timeoutMs} ms:\n${out()}`);
}

/**
 * Spawns `node server/dist/main.js` on a fresh database (createTestDatabase, from the runner's DATABASE_URL) and a
 * random free port, and waits for /health/ready. `env` overrides anything; `DATABASE_URL: ''` means the embedded
 * PostgreSQL (give CLAUDEMESH_DATA_DIR), and `SERVER_SECRET: ''` lets the server generate its own.
 */
export async function startServerProcess(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<ServerProcess> {
  const port = env['PORT'] ? Number(env['PORT']) : await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  let db: TestDatabase | null = null;
  let databaseUrl: string;
  if (env['DATABASE_URL'] !== undefined) databaseUrl = env['DATABASE_URL'];
  else if (opts.databaseUrl) databaseUrl = opts.databaseUrl;
  else {
    db = await createTestDatabase();
    databaseUrl = db.url;
  }
  const serverSecret = env['SERVER_SECRET'] ?? randomBytes(32).toString('hex');
  const { child, out, exit } = spawnServer({
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...env,
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    SERVER_SECRET: serverSecret,
  }, opts.cwd);
  const dropDatabase = async () => {
    await db?.drop();
  };
  const all = () => `${out.stdout}\n${out.stderr}`;
  if (opts.waitReady !== false) {
    try {
      await waitReady(baseUrl, exit, opts.timeoutMs ?? 60_000, all);
    } catch (e) {
      child.kill('SIGKILL');
      await exit;
      await dropDatabase();
      throw e;
    }
  }
  return {
    baseUrl,
    databaseUrl,
    serverSecret,
    pid: child.pid!,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited: () => exit,
    kill9: () => {
      child.kill('SIGKILL');
    },
    dropDatabase,
    async stop(signal: NodeJS.Signals = 'SIGTERM', stopOpts: { keepDatabase?: boolean } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const code = await exit;
      if (!stopOpts.keepDatabase) await dropDatabase();
      return code;
    },
  };
}

/** Runs the server until it exits by itself (failed starts), with a timeout; returns its code and output. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const port = env['PORT'] ?? String(await freePort());
  const { child, out, exit } = spawnServer({ HOST: '127.0.0.1', NODE_ENV: 'test', ...env, PORT: port });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await exit;
  clearTimeout(timer);
  return { code, stdout: out.stdout, stderr: out.stderr };
}

/** The JSON log lines of a server's stdout (other lines are the plain lines of operations.md §1). */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The setup token of the first-time setup line (operations.md §1) a fresh server printed on stdout. */
export function setupTokenOf(server: Pick<ServerProcess, 'stdout'>): string {
  const m = /First-time setup: \S+\/signup\?setup=([0-9A-Za-z]{24})/.exec(server.stdout());
  if (!m) throw new Error('no first-time setup line on stdout');
  return m[1];
}
