import { STATUSES, type PeerStatus } from '@claudemesh/shared/protocol';
import { paths } from '../config/home';
import { readJsonFile, writeJsonAtomic } from '../config/secure-fs';
import { findOwnRunFile } from '../session/run-files';
import { setSilent } from '../output';

export const REFRESH_MIN_INTERVAL_MS = 20_000;
const STDIN_MAX_BYTES = 256 * 1024;
const STDIN_MAX_MS = 500;
const POST_TIMEOUT_MS = 2_000;

/** Reads and discards what Claude Code writes on stdin (at most 256 KiB, 500 ms), so it never blocks on a full pipe. */
export function drainStdin(): Promise<void> {
  const stdin = process.stdin;
  if (stdin.isTTY) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let bytes = 0;
    const done = () => {
      clearTimeout(timer);
      stdin.removeAllListeners('data');
      stdin.pause();
      stdin.unref?.();
      resolve();
    };
    const timer = setTimeout(done, STDIN_MAX_MS);
    stdin.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes >= STDIN_MAX_BYTES) done();
    });
    stdin.once('end', done);
    stdin.once('error', done);
    stdin.resume();
  });
}

/**
 * `claudemesh hook <status> [--refresh]`: posts the status to every mesh of this session's run file with the hook token.
 * Never fails: a hook must not disturb Claude Code, so every problem is silent and the exit code is 0.
 */
export async function runHook(status: string, opts: { refresh?: boolean }): Promise<void> {
  setSilent(true);
  try {
    await drainStdin();
    if (!STATUSES.includes(status as PeerStatus)) return;
    const run = findOwnRunFile();
    if (!run || !Array.isArray(run.meshes) || run.meshes.length === 0) return;
    const stampFile = paths.hookStamp(run.anchorPid);
    if (opts.refresh) {
      const stamp = readJsonFile<{ at: number }>(stampFile);
      if (stamp && Date.now() - stamp.at < REFRESH_MIN_INTERVAL_MS) return;
    }
    const results = await Promise.all(
      run.meshes.map(async (m) => {
        try {
          const res = await fetch(`${new URL(m.serverUrl).origin}/hook/set-status`, {
            method: 'POST',
            headers: { authorization: `Bearer ${m.hookToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({ status, sessionId: run.sessionId }),
            signal: AbortSignal.timeout(POST_TIMEOUT_MS),
          });
          await res.arrayBuffer().catch(() => undefined);
          return res.ok;
        } catch {
          return false;
        }
      }),
    );
    if (results.some(Boolean)) writeJsonAtomic(stampFile, { at: Date.now(), status });
  } catch {
    // silent by contract
  }
}
