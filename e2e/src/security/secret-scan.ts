/* Helpers of the security suites: every printable form of a secret, a scan for them, and the at-rest scheme of
 * protocol.md §2.1 written out with raw libsodium calls (independent of the server's own implementation). */
import { spawnSync } from 'node:child_process';
import _sodium from 'libsodium-wrappers';
import { Client as PgClient } from 'pg';

export type Secret = [name: string, value: string];

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;
const HEX = /^[0-9a-f]+$/;

/**
 * The value itself and, for binary secrets (keys, nonces, ciphertexts, MACs) written in hex, base64 or base64url,
 * the same bytes in the other two encodings: a server that decodes a value and prints the bytes must be caught too.
 */
export function formsOf(value: string): string[] {
  const out = new Set([value]);
  let bytes: Buffer | null = null;
  if (value.length >= 32 && value.length % 2 === 0 && HEX.test(value)) bytes = Buffer.from(value, 'hex');
  else if (value.length >= 16 && B64.test(value) && !B64URL.test(value)) bytes = Buffer.from(value, 'base64');
  else if (value.length >= 16 && B64URL.test(value) && !/^(cmpat_|cmh1)/.test(value)) bytes = Buffer.from(value, 'base64url');
  if (bytes && bytes.length >= 12) for (const enc of ['hex', 'base64', 'base64url'] as const) out.add(bytes.toString(enc));
  return [...out].filter((f) => f.length >= 8);
}

/** The names of the secrets of which some form occurs in `text`. */
export function leakedIn(text: string, secrets: Secret[]): string[] {
  return secrets.filter(([, v]) => formsOf(v).some((f) => text.includes(f))).map(([n]) => n);
}

/** protocol.md §2.1 by hand: K_atrest, K_rec = generichash(32, context, K_atrest), then secretbox_open; null if it fails. */
export async function specDecrypt(stored: string, context: string, masterHex: string): Promise<Uint8Array | null> {
  await _sodium.ready;
  const s = _sodium;
  if (!stored.startsWith('enc1:')) return null;
  const raw = Buffer.from(stored.slice(5), 'base64');
  if (raw.toString('base64') !== stored.slice(5)) return null; // standard, padded base64
  const atRest = s.crypto_kdf_derive_from_key(32, 1, 'cmatrest', Buffer.from(masterHex, 'hex'));
  const rec = s.crypto_generichash(32, Buffer.from(context, 'utf8'), atRest);
  try {
    return s.crypto_secretbox_open_easy(raw.subarray(24), raw.subarray(0, 24), rec);
  } catch {
    return null;
  }
}

/** Every row of every table of schema `mesh`, as JSON text (bytea as \x… hex), one row per line. */
export async function rowDump(databaseUrl: string): Promise<string> {
  const db = new PgClient({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows: tables } = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'mesh' AND table_type = 'BASE TABLE'`);
    let dump = '';
    for (const { table_name } of tables) {
      const { rows } = await db.query(`SELECT row_to_json(t)::text AS j FROM mesh."${table_name}" t`);
      dump += rows.map((x) => x.j).join('\n') + '\n';
    }
    return dump;
  } finally {
    await db.end();
  }
}

/**
 * `pg_dump` of the database (schema and data), or null with a notice when no pg_dump on PATH can dump this server
 * (missing, or older than the server); the row dump then stands alone.
 */
export function pgDump(databaseUrl: string): string | null {
  const r = spawnSync('pg_dump', ['--no-owner', '--dbname', databaseUrl], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error || r.status !== 0) {
    console.warn(`pg_dump unavailable for this server, row dump only: ${r.error?.message ?? r.stderr.trim().split('\n')[0]}`);
    return null;
  }
  return r.stdout;
}
