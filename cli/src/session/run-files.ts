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
  return run;
}

/** Records (or refreshes) the hook token of one mesh for the anchor's session. */
export function recordRunMesh(anchorPid: number, sessionId: string, mesh: RunMesh): void {
  const run = readRunFile(anchorPid);
  const base: RunFile = run && run.sessionId === sessionId ? run : { anchorPid, sessionId, meshes: [], anchorStartTime: procInfo(anchorPid)?.startTime ?? null };
  base.meshes = [...base.meshes.filter((m) => m.meshId !== mesh.meshId), mesh];
  writeJsonAtomic(paths.runFile(anchorPid), base);
}

/** The run file of the session this process belongs to: by CLAUDEMESH_SESSION_ID, else by walking up ≤ 10 ancestors. */
export function findOwnRunFile(): RunFile | null {
  const wanted = envSessionId();
  for (const pid of ancestors(10)) {
    const run = readRunFile(pid);
    if (run && (!wanted || run.sessionId === wanted)) return run;
  }
  if (wanted) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(paths.runDir());
    } catch {
      return null;
    }
    for (const n of names) {
      const m = /^(\d+)\.json$/.exec(n);
      if (!m) continue;
      const run = readRunFile(Number(m[1]));
      if (run?.sessionId === wanted) return run;
    }
  }
  return null;
}
