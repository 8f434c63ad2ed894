import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const CLI_BUNDLE = path.join(REPO_ROOT, 'cli/dist/claudemesh.cjs');

/** Builds the real bundle (and the npm pack tarball) the way `nx build cli` does. */
export function buildCli(): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'cli/build.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
  if (!fs.existsSync(CLI_BUNDLE)) throw new Error('cli build produced no bundle');
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `claudemesh <args>` as a real process with its own CLAUDEMESH_HOME. */
export function runCli(home: string, args: string[], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BUNDLE, ...args], {
      env: { ...process.env, CLAUDEMESH_HOME: home, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`claudemesh ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A long-running `claudemesh` process (watch), with its output collected. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  constructor(home: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI_BUNDLE, ...args], { env: { ...process.env, CLAUDEMESH_HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.stdout += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
  }
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const done = new Promise<number | null>((r) => this.child.once('close', (c) => r(c)));
    this.child.kill('SIGINT');
    return done;
  }
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 200): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export const fileMode = (p: string): number => fs.statSync(p).mode & 0o777;
