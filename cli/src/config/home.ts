import os from 'node:os';
import path from 'node:path';

/** The config dir: CLAUDEMESH_HOME, or ~/.claudemesh. */
export function claudemeshHome(): string {
  const env = process.env.CLAUDEMESH_HOME;
  return env && env.trim() ? path.resolve(env) : path.join(os.homedir(), '.claudemesh');
}

export const paths = {
  identity: () => path.join(claudemeshHome(), 'identity.json'),
  meshes: () => path.join(claudemeshHome(), 'meshes.json'),
  runDir: () => path.join(claudemeshHome(), 'run'),
  runFile: (anchorPid: number) => path.join(claudemeshHome(), 'run', `${anchorPid}.json`),
  hookStamp: (anchorPid: number) => path.join(claudemeshHome(), 'run', `${anchorPid}.hook.json`),
  inboxDir: () => path.join(claudemeshHome(), 'inbox'),
  inbox: (meshId: string) => path.join(claudemeshHome(), 'inbox', `${meshId}.jsonl`),
  inboxCursor: (meshId: string) => path.join(claudemeshHome(), 'inbox', `${meshId}.returned.json`),
  versionCheck: () => path.join(claudemeshHome(), 'version-check.json'),
};
