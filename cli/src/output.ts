/** Progress and warnings go to stderr so that stdout stays parseable (--json). */
let quiet = false;

export function setQuiet(q: boolean): void {
  quiet = q;
}

export function progress(line: string): void {
  if (!quiet) process.stderr.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}

export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
