import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Opaque start time, to tell a live process from a reused pid. */
  startTime: string;
}

/** Reads a process's parent and start time; null when it is not alive. */
export function procInfo(pid: number): ProcInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name, which may itself contain spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { pid, ppid: Number(rest[1]), startTime: rest[19] };
    } catch {
      return null;
    }
  }
  try {
    const outp = execFileSync('ps', ['-o', 'ppid=', '-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const m = /^(\d+)\s+(.*)$/.exec(outp);
    return m ? { pid, ppid: Number(m[1]), startTime: m[2] } : null;
  } catch {
    return null;
  }
}

/** The parent, grandparent, … of this process (at most `levels`). */
export function ancestors(levels = 10): number[] {
  const out: number[] = [];
  let pid = process.ppid;
  for (let i = 0; i < levels && pid > 1; i++) {
    out.push(pid);
    const info = procInfo(pid);
    if (!info) break;
    pid = info.ppid;
  }
  return out;
}
