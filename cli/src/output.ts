/** Progress and warnings go to stderr so that stdout stays parseable (--json). */
let quiet = false;
let silent = false;

/** Nothing at all on stdout or stderr (the hook command must never disturb Claude Code). */
export function setSilent(s: boolean): void {
  silent = s;
}

export function setQuiet(q: boolean): void {
  quiet = q;
}

export function progress(line: string): void {
  if (!quiet && !silent) process.stderr.write(`${line}\n`);
}

export function warn(line: string): void {
  if (!silent) process.stderr.write(`warning: ${line}\n`);
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
