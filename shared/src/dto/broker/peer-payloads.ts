import { AckFailure } from '../../errors/error-codes';
import { fromBase64, isHex128, isHex64 } from '../../crypto/encoding';
import { isId, isUuid } from '../../crypto/ids';
import { isValidPeerPubkey } from '../../crypto/keys';
import {
  ACK_IDS_MAX,
  CLIENT_MAX,
  CWD_MAX,
  DISPLAY_NAME_MAX,
  GROUP_NAME_PATTERN,
  GROUPS_MAX,
  LIST_PEERS_LIMIT_MAX,
  PRIORITIES,
  STATUSES,
  SUMMARY_MAX_CODEPOINTS,
  hasControlChars,
  type PeerStatus,
  type Priority,
} from '../../protocol/constants';
import type { PeerHelloAuth } from '../../protocol/events';

/**
 * Validators for every /peer and /ui socket payload (protocol.md §4, §7.1; security.md §6).
 * Each returns a normalised value or throws AckFailure('malformed', message naming the field and rule);
 * unknown keys are ignored (forward compatibility), a wrong type for a known key is malformed. No I/O.
 */

/** A lone UTF-16 surrogate has no UTF-8 encoding: such a string is not valid text (security.md §6 item 3). */
const LONE_SURROGATE = /\p{Cs}/u;
const MAX_SAFE_MS = 8_640_000_000_000_000;

export const malformed = (message: string): AckFailure => new AckFailure('malformed', message);

type Obj = Record<string, unknown>;

/**
 * A plain JSON object. Payloads are JSON only (protocol.md §3): a binary attachment arrives as a Buffer, which is an
 * object too, and must not pass as an empty payload (a Buffer `leave` would otherwise end the membership).
 */
export function asObject(v: unknown, what = 'payload'): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw malformed(`${what} must be an object`);
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw malformed(`${what} must be a JSON object, not binary data`);
  return v as Obj;
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** An optional, trimmed, control-free string of min..max code points; undefined when absent. */
function optText(o: Obj, key: string, min: number, max: number, trim = true): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw malformed(`${key} must be a string`);
  const s = trim ? v.trim() : v;
  const n = codePoints(s);
  if (n < min || n > max) throw malformed(`${key} must be ${min} to ${max} characters`);
  if (hasControlChars(s)) throw malformed(`${key} must not contain control characters`);
  if (LONE_SURROGATE.test(s)) throw malformed(`${key} must be valid UTF-8 text`);
  return s;
}

function optInt(o: Obj, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw malformed(`${key} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function optBool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw malformed(`${key} must be a boolean`);
  return v;
}

function optUuid(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isUuid(v)) throw malformed(`${key} must be a lowercase UUID`);
  return v;
}

/** Group names: lowercased, §7.3 pattern, duplicates removed, at most 32. */
export function parseGroups(v: unknown, key = 'groups'): string[] {
  if (!Array.isArray(v)) throw malformed(`${key} must be an array of group names`);
  if (v.length > 1000) throw malformed(`${key} must hold at most ${GROUPS_MAX} group names`);
  const out: string[] = [];
  for (const g of v) {
    if (typeof g !== 'string') throw malformed(`${key} must be an array of group names`);
    const name = g.toLowerCase();
    if (!GROUP_NAME_PATTERN.test(name)) throw malformed(`${key} entries must match ^[a-z0-9][a-z0-9_-]{0,31}$`);
    if (!out.includes(name)) out.push(name);
  }
  if (out.length > GROUPS_MAX) throw malformed(`${key} must hold at most ${GROUPS_MAX} group names`);
  return out;
}

// ---- handshake (protocol.md §4) ----

/** The handshake auth after validation: PeerHelloAuth with `passive` defaulted. */
export type ParsedHelloAuth = Omit<PeerHelloAuth, 'passive'> & { passive: boolean };

export function parseHelloAuth(raw: unknown): ParsedHelloAuth {
  const o = asObject(raw, 'auth');
  if (!isId(o.meshId)) throw malformed('meshId must be 32 base62 characters');
  if (!isValidPeerPubkey(o.pubkey)) throw malformed('pubkey must be 64 lowercase hex characters of an ed25519 key');
  if (!isUuid(o.sessionId)) throw malformed('sessionId must be a lowercase UUID');
  if (typeof o.timestamp !== 'number' || !Number.isSafeInteger(o.timestamp) || o.timestamp < 0 || o.timestamp > MAX_SAFE_MS) {
    throw malformed('timestamp must be an integer number of milliseconds');
  }
  if (!isHex128(o.signature)) throw malformed('signature must be 128 lowercase hex characters');
  const groups = o.groups === undefined || o.groups === null ? undefined : parseGroups(o.groups);
  return {
    meshId: o.meshId,
    pubkey: o.pubkey,
    sessionId: o.sessionId,
    timestamp: o.timestamp,
    signature: o.signature,
    displayName: optText(o, 'displayName', 1, DISPLAY_NAME_MAX),
    pid: optInt(o, 'pid', 1, 2_147_483_647),
    cwd: optText(o, 'cwd', 0, CWD_MAX, false),
    groups,
    passive: optBool(o, 'passive') ?? false,
    client: optText(o, 'client', 0, CLIENT_MAX, false),
  };
}

// ---- send (protocol.md §7.1) ----

export type TargetKind = 'direct' | 'broadcast' | 'group';

export interface ParsedSend {
  clientId: string;
  to: string;
  targetKind: TargetKind;
  toSession: string | null;
  priority: Priority;
  keyEpoch: number | null;
  nonce: string;
  ciphertext: string;
  /** Decoded ciphertext length in bytes. */
  size: number;
  /** `to|toSession|priority|keyEpoch|nonce|ciphertext` as received (§6 item 11): hash it with SHA-256 for the content hash. */
  hashInput: string;
}

/** Shape and format checks of `send` (step 1, `malformed`). The size cap (`too_large`) is the caller's step 2. */
export function parseSend(raw: unknown): ParsedSend {
  const o = asObject(raw);
  if (!isUuid(o.clientId)) throw malformed('clientId must be a lowercase UUID');
  const to = o.to;
  let targetKind: TargetKind;
  if (to === '*') targetKind = 'broadcast';
  else if (typeof to === 'string' && to.startsWith('@') && GROUP_NAME_PATTERN.test(to.slice(1))) targetKind = 'group';
  else if (isHex64(to)) targetKind = 'direct';
  else throw malformed('to must be a 64-hex public key, * or @group');
  const toSession = optUuid(o, 'toSession') ?? null;
  if (toSession !== null && targetKind !== 'direct') throw malformed('toSession is allowed only for direct targets');
  const p = o.priority;
  if (p !== undefined && p !== null && !(PRIORITIES as readonly unknown[]).includes(p)) throw malformed('priority must be now, next or low');
  const priority = (p ?? 'next') as Priority;
  // Any int32 is well-formed (protocol.md §6: "integer"); one that is not the current epoch is stale_key_epoch, not malformed.
  const keyEpoch = optInt(o, 'keyEpoch', -2_147_483_648, 2_147_483_647) ?? null;
  if (targetKind === 'direct' && keyEpoch !== null) throw malformed('keyEpoch is not allowed for direct targets');
  if (targetKind !== 'direct' && keyEpoch === null) throw malformed('keyEpoch is required for * and @group targets');
  if (typeof o.nonce !== 'string' || fromBase64(o.nonce)?.length !== 24) throw malformed('nonce must be padded base64 of 24 bytes');
  if (typeof o.ciphertext !== 'string') throw malformed('ciphertext must be padded base64');
  const ct = fromBase64(o.ciphertext);
  if (!ct) throw malformed('ciphertext must be padded base64');
  const min = targetKind === 'direct' ? 17 : 97;
  if (ct.length < min) throw malformed(`ciphertext must decode to at least ${min} bytes`);
  const hashInput = `${to}|${toSession ?? ''}|${priority}|${keyEpoch === null ? '' : String(keyEpoch)}|${o.nonce}|${o.ciphertext}`;
  return { clientId: o.clientId, to, targetKind, toSession, priority, keyEpoch, nonce: o.nonce, ciphertext: o.ciphertext, size: ct.length, hashInput };
}

// ---- the other client events ----

export function parseAckPayload(raw: unknown): { messageIds: string[] } {
  const o = asObject(raw);
  const ids = o.messageIds;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > ACK_IDS_MAX) throw malformed(`messageIds must be an array of 1 to ${ACK_IDS_MAX} ids`);
  for (const id of ids) if (!isId(id)) throw malformed('messageIds must hold 32-character base62 ids');
  return { messageIds: [...new Set(ids as string[])] };
}

export function parseSetStatus(raw: unknown): { status: PeerStatus; sessionId?: string } {
  const o = asObject(raw);
  if (!(STATUSES as readonly unknown[]).includes(o.status)) throw malformed('status must be idle, working or dnd');
  return { status: o.status as PeerStatus, sessionId: optUuid(o, 'sessionId') };
}

export function parseSetSummary(raw: unknown): { summary: string; sessionId?: string } {
  const o = asObject(raw);
  if (typeof o.summary !== 'string') throw malformed('summary must be a string');
  const summary = optText(o, 'summary', 0, SUMMARY_MAX_CODEPOINTS) ?? '';
  return { summary, sessionId: optUuid(o, 'sessionId') };
}

export function parseSetGroups(raw: unknown): { groups: string[] } {
  const o = asObject(raw);
  return { groups: parseGroups(o.groups) };
}

export function parseListPeers(raw: unknown): { includeOffline: boolean; limit: number; cursor: string | null } {
  const o = asObject(raw);
  const c = o.cursor;
  if (c !== undefined && c !== null && (typeof c !== 'string' || c.length > 200)) throw malformed('cursor must be a cursor string');
  return {
    includeOffline: optBool(o, 'includeOffline') ?? false,
    limit: optInt(o, 'limit', 1, LIST_PEERS_LIMIT_MAX) ?? 500,
    cursor: (c as string | undefined) ?? null,
  };
}

export function parseGetRootKey(raw: unknown): { epoch?: number } {
  const o = asObject(raw);
  return { epoch: optInt(o, 'epoch', -2_147_483_648, 2_147_483_647) }; // an epoch the member cannot have is not_found
}

export function parseLeave(raw: unknown): Record<string, never> {
  asObject(raw);
  return {};
}

/** `/ui` subscribe and unsubscribe (api.md §10). */
export function parseUiSubscribe(raw: unknown): { meshId: string } {
  const o = asObject(raw);
  if (typeof o.meshId !== 'string' || o.meshId.length > 64) throw malformed('meshId must be a mesh id');
  return { meshId: o.meshId };
}
