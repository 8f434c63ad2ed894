import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { warn } from '../output';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** Creates the dir with mode 0700, or corrects a wrong mode with a warning (protocol.md §10, C-SEC-11). */
export function ensureSecureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  fixMode(dir, DIR_MODE);
}

/** Corrects the mode of an existing file or dir; warns when it had to. */
export function fixMode(p: string, mode: number): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return;
  }
  if (process.platform === 'win32') return;
  const current = st.mode & 0o777;
  if (current !== mode) {
    fs.chmodSync(p, mode);
    warn(`${p} had mode ${current.toString(8).padStart(4, '0')}; corrected to ${mode.toString(8).padStart(4, '0')}`);
  }
}

/** Writes a file atomically: a 0600 temporary file in the same dir, fsync, rename (protocol.md §10). */
export function writeFileAtomic(file: string, data: string): void {
  const dir = path.dirname(file);
  ensureSecureDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', FILE_MODE);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, FILE_MODE);
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Reads a JSON file (null when absent), correcting its mode first. */
export function readJsonFile<T>(file: string): T | null {
  if (!fs.existsSync(file)) return null;
  fixMode(path.dirname(file), DIR_MODE);
  fixMode(file, FILE_MODE);
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
}

/** Appends lines to a 0600 file and fsyncs before returning (the inbox is append-only). */
export function appendLinesSync(file: string, lines: string[]): void {
  ensureSecureDir(path.dirname(file));
  const existed = fs.existsSync(file);
  if (existed) fixMode(file, FILE_MODE);
  const fd = fs.openSync(file, 'a', FILE_MODE);
  try {
    fs.writeSync(fd, lines.map((l) => l + '\n').join(''));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (!existed) fs.chmodSync(file, FILE_MODE);
}
