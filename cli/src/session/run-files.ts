import fs from 'node:fs';
import { generateUuid, isUuid } from '@claudemesh/shared/crypto';
import { paths } from '../config/home';
import { readJsonFile, writeJsonAtomic } from '../config/secure-fs';
import { ancestors, procInfo } from './process-tree';

export interface RunMesh {
  meshId: string;
  serverUrl: string;
  hookToken: string;
}

/** run/<anchorPid>.json (protocol.md §10); `anchorStartTime` tells a live anchor from a reused pid. */
export interface RunFile {
  anchorPid: number;
  sessionId: string;
  meshes: RunMesh[];
  anchorStartTime?: string | null;
}

export function readRunFile(anchorPid: number): RunFile | null {
  try {
    return readJsonFile<RunFile>(paths.runFile(anchorPid));
  } catch {
    return null;
  }
}

export function envSessionId(): string | null {
  const v = process.env.CLAUDEMESH_SESSION_ID?.trim().toLowerCase();
  return v && isUuid(v) ? v : null;
}

/**
 * The session of an anchor (the Claude Code process): CLAUDEMESH_SESSION_ID if set; else the one in the anchor's run file
 * when the anchor is the same live process; else a new UUID, written to the run file.
 */
export function resolveSession(anchorPid: number): RunFile {
  const anchor = procInfo(anchorPid);
  const existing = readRunFile(anchorPid);
  const sameAnchor = !!existing && !!anchor && (existing.anchorStartTime ?? null) === anchor.startTime;
  const sessionId = envSessionId() ?? (sameAnchor && isUuid(existing!.sessionId) ? existing!.sessionId : generateUuid());
  const run: RunFile = {
    anchorPid,
    sessionId,
    meshes: sameAnchor && existing!.sessionId === sessionId ? existing!.meshes : [],
    anchorStartTime: anchor?.startTime ?? null,
  };
  writeJsonAtomic(paths.runFile(anchorPid), run);
  pruneDeadRunFiles(anchorPid);
  return run;
}

/** Removes the run files (and hook stamps) of anchors that are no longer alive. */
function pruneDeadRunFiles(keep: number): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(paths.runDir());
  } catch {
    return;
  }
  for (const n of names) {
    const m = /^(\d+)\.(json|hook\.json)$/.exec(n);
    if (!m || Number(m[1]) === keep || procInfo(Number(m[1]))) continue;
    try {
      fs.unlinkSync(`${paths.runDir()}/${n}`);
    } catch {
      // another process pruned it first
    }
  }
}

/** Records (or refreshes) the hook token of one mesh for the anchor's session. */
export function recordRunMesh(anchorPid: number, sessionId: string, mesh: RunMesh): void {
  const run = readRunFile(anchorPid);
  const base: RunFile = run && run.sessionId === sessionId ? run : { anchorPid, sessionId, meshes: [], anchorStartTime: procInfo(anchorPid)?.startTime ?? null };
  base.meshes = [...base.meshes.filter((m) => m.meshId !== mesh.meshId), mesh];
  writeJsonAtomic(paths.runFile(anchorPid), base);
}

/**
 * The run file of the session this process belongs to: by CLAUDEMESH_SESSION_ID, else by walking up ≤ 10 ancestors.
 * When Claude Code starts the MCP server through a wrapper (a shell), the anchor is a child of an ancestor: accepted too.
 */
export function findOwnRunFile(): RunFile | null {
  const wanted = envSessionId();
  const chain = ancestors(10);
  for (const pid of chain) {
    const run = readRunFile(pid);
    if (run && (!wanted || run.sessionId === wanted)) return run;
  }
  let names: string[] = [];
  try {
    names = fs.readdirSync(paths.runDir());
  } catch {
    return null;
  }
  const runs = names
    .map((n) => /^(\d+)\.json$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => readRunFile(Number(m[1])))
    .filter((r): r is RunFile => !!r);
  if (wanted) return runs.find((r) => r.sessionId === wanted) ?? null;
  const inChain = new Set(chain);
  return runs.find((r) => inChain.has(procInfo(r.anchorPid)?.ppid ?? -1)) ?? null;
}
