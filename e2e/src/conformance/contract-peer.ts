/**
 * An independent /peer client written only from the contract (protocol.md §2–§4, §7): plain socket.io-client and
 * libsodium-wrappers, with its own signing strings and envelopes. It deliberately imports nothing from shared/ or the
 * peer SDK, so a bug there cannot hide the same bug in the server.
 */
import sodiumLib from 'libsodium-wrappers';
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';

let s: typeof sodiumLib;
export async function sodiumReady(): Promise<typeof sodiumLib> {
  await sodiumLib.ready;
  s = sodiumLib;
  return s;
}
export const na = (): typeof sodiumLib => s;

/** Hex keys as the contract writes them (§1): 64-hex public, 128-hex secret (seed ‖ public). */
export interface Identity {
  publicKey: string;
  secretKey: string;
}

export const newIdentity = (): Identity => {
  const kp = s.crypto_sign_keypair();
  return { publicKey: s.to_hex(kp.publicKey), secretKey: s.to_hex(kp.privateKey) };
};
export const identityFromSeed = (seed: Uint8Array): Identity => {
  const kp = s.crypto_sign_seed_keypair(seed);
  return { publicKey: s.to_hex(kp.publicKey), secretKey: s.to_hex(kp.privateKey) };
};

export const uuid = (): string => randomUUID();
const B64 = (): number => s.base64_variants.ORIGINAL;
const B64URL = (): number => s.base64_variants.URLSAFE_NO_PADDING;
export const b64 = (b: Uint8Array): string => s.to_base64(b, B64());
export const fromB64 = (t: string): Uint8Array => s.from_base64(t, B64());
export const b64url = (b: Uint8Array): string => s.to_base64(b, B64URL());
export const fromB64url = (t: string): Uint8Array => s.from_base64(t, B64URL());
export const bytes = (n: number, fill?: number): Uint8Array => (fill === undefined ? s.randombytes_buf(n) : new Uint8Array(n).fill(fill));

// §4: claudemesh-hello|v1|<meshId>|<pubkey>|<sessionId>|<timestamp>, no trailing newline.
export const helloString = (meshId: string, pubkey: string, sessionId: string, timestamp: number): string =>
  `claudemesh-hello|v1|${meshId}|${pubkey}|${sessionId}|${timestamp}`;
export const signHex = (msg: string | Uint8Array, secretKeyHex: string): string => s.to_hex(s.crypto_sign_detached(msg, s.from_hex(secretKeyHex)));

export interface HelloOpts {
  sessionId?: string;
  timestamp?: number;
  /** Overrides the signed text (to sign something other than the exact signing string). */
  signed?: string;
  /** Signs with another identity. */
  signer?: Identity;
  /** Extra or replacing auth fields (displayName, passive, groups, or hostile values). */
  fields?: Record<string, unknown>;
  /** Field names to delete from the auth. */
  omit?: string[];
}

/** A fresh auth object for one connect attempt (§4: built again for every attempt). */
export function hello(meshId: string, id: Identity, o: HelloOpts = {}): Record<string, unknown> {
  const sessionId = o.sessionId ?? uuid();
  const timestamp = o.timestamp ?? Date.now();
  const text = o.signed ?? helloString(meshId, id.publicKey, sessionId, timestamp);
  const auth: Record<string, unknown> = { meshId, pubkey: id.publicKey, sessionId, timestamp, signature: signHex(text, (o.signer ?? id).secretKey) };
  Object.assign(auth, o.fields ?? {});
  for (const k of o.omit ?? []) delete auth[k];
  return auth;
}

// §2.2 and §2.4: crypto_box between the x25519 halves of the ed25519 identities.
const xpk = (edPkHex: string): Uint8Array => s.crypto_sign_ed25519_pk_to_curve25519(s.from_hex(edPkHex));
const xsk = (edSkHex: string): Uint8Array => s.crypto_sign_ed25519_sk_to_curve25519(s.from_hex(edSkHex));
const bodyBytes = (text: string): Uint8Array => s.from_string(JSON.stringify({ v: 1, text }));

export function sealDirect(text: string, toPubHex: string, from: Identity): { nonce: string; ciphertext: string } {
  const nonce = s.randombytes_buf(24);
  return { nonce: b64(nonce), ciphertext: b64(s.crypto_box_easy(bodyBytes(text), nonce, xpk(toPubHex), xsk(from.secretKey))) };
}
export function openDirect(msg: { nonce: string; ciphertext: string; from: { pubkey: string } }, me: Identity): string | null {
  try {
    const plain = s.crypto_box_open_easy(fromB64(msg.ciphertext), fromB64(msg.nonce), xpk(msg.from.pubkey), xsk(me.secretKey));
    return JSON.parse(s.to_string(plain)).text;
  } catch {
    return null;
  }
}

// §2.5: K_mc = kdf(32, 1, "cm-mcast", rootKey); plaintext = sig(64) ‖ body, sig over "claudemesh-mc|v1|<meshId>|<to>|<epoch>|" ‖ body.
export const kMc = (rootKey: Uint8Array): Uint8Array => s.crypto_kdf_derive_from_key(32, 1, 'cm-mcast', rootKey);
const mcPrefix = (meshId: string, to: string, epoch: number): Uint8Array => s.from_string(`claudemesh-mc|v1|${meshId}|${to}|${epoch}|`);
const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
};

export function sealMulticast(text: string, meshId: string, to: string, epoch: number, rootKey: Uint8Array, from: Identity): { nonce: string; ciphertext: string } {
  const body = bodyBytes(text);
  const sig = s.crypto_sign_detached(concat(mcPrefix(meshId, to, epoch), body), s.from_hex(from.secretKey));
  const nonce = s.randombytes_buf(24);
  return { nonce: b64(nonce), ciphertext: b64(s.crypto_secretbox_easy(concat(sig, body), nonce, kMc(rootKey))) };
}
export function openMulticast(msg: { meshId: string; to: string; keyEpoch: number; nonce: string; ciphertext: string; from: { pubkey: string } }, rootKey: Uint8Array): string | null {
  try {
    const plain = s.crypto_secretbox_open_easy(fromB64(msg.ciphertext), fromB64(msg.nonce), kMc(rootKey));
    const sig = plain.slice(0, 64);
    const body = plain.slice(64);
    if (!s.crypto_sign_verify_detached(sig, concat(mcPrefix(msg.meshId, msg.to, msg.keyEpoch), body), s.from_hex(msg.from.pubkey))) return null;
    return JSON.parse(s.to_string(body)).text;
  } catch {
    return null;
  }
}

/** §2.6: crypto_box_seal_open with our own x25519 pair; anything but exactly 32 bytes is rejected. */
export function openSealedRootKey(sealed: string, me: Identity): Uint8Array {
  const key = s.crypto_box_seal_open(fromB64url(sealed), xpk(me.publicKey), xsk(me.secretKey));
  if (key.length !== 32) throw new Error(`sealed root key opened to ${key.length} bytes`);
  return key;
}

let ipN = 0;
/** A distinct client IP per connection (the server trusts X-Forwarded-For), so per-IP handshake buckets stay separate. */
export const freshIp = (): string => {
  ipN++;
  return `10.91.${(ipN >> 8) & 255}.${ipN & 255}`;
};

export interface Logged {
  event: string;
  payload: any;
}

/** A connected socket plus an ordered log of every server event and every ack (logged as `ack:<event>`). */
export class Peer {
  readonly log: Logged[] = [];
  welcome: any;
  private waiters: { event: string; pred: (p: any) => boolean; resolve: (p: any) => void }[] = [];

  constructor(readonly socket: Socket, readonly sessionId: string) {
    socket.onAny((event: string, payload: unknown) => this.push({ event, payload }));
  }

  private push(e: Logged): void {
    this.log.push(e);
    for (const w of [...this.waiters]) {
      if (w.event === e.event && w.pred(e.payload)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e.payload);
      }
    }
  }

  /** Emits `event` with the given raw arguments and an ack callback; resolves with the ack body. */
  callRaw(event: string, args: unknown[], timeoutMs = 8000): Promise<any> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)), timeoutMs);
      this.socket.emit(event, ...args, (r: unknown) => {
        clearTimeout(t);
        this.push({ event: `ack:${event}`, payload: r });
        resolve(r);
      });
    });
  }
  call(event: string, payload: unknown = {}, timeoutMs?: number): Promise<any> {
    return this.callRaw(event, [payload], timeoutMs);
  }

  of(event: string): any[] {
    return this.log.filter((e) => e.event === event).map((e) => e.payload);
  }

  /** The first logged event of that name matching `pred`, now or later. */
  next(event: string, pred: (p: any) => boolean = () => true, timeoutMs = 8000): Promise<any> {
    const seen = this.log.find((e) => e.event === event && pred(e.payload));
    if (seen) return Promise.resolve(seen.payload);
    return new Promise((resolve, reject) => {
      const w = { event, pred, resolve: (p: any) => (clearTimeout(t), resolve(p)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timeout waiting for ${event}`));
      }, timeoutMs);
      t.unref(); // a refused connect leaves its welcome waiter behind; it must not hold the process open
      this.waiters.push(w);
    });
  }

  /** A transport drop, as opposed to a deliberate namespace disconnect (§5.2). */
  dropTransport(): void {
    this.socket.io.engine.close();
  }
  close(): void {
    this.socket.disconnect();
  }
}

export interface ConnectOpts {
  ip?: string;
  transports?: string[];
  /** Called on the socket before it connects (to emit before the welcome). */
  before?: (p: Peer) => void;
}

export function openSocket(baseUrl: string, auth: unknown, o: ConnectOpts = {}): Socket {
  return io(`${baseUrl}/peer`, {
    path: '/socket.io',
    transports: o.transports ?? ['websocket'],
    auth: auth as Record<string, unknown>,
    extraHeaders: { 'x-forwarded-for': o.ip ?? freshIp() },
    reconnection: false,
    forceNew: true,
    timeout: 8000,
  });
}

/** Connects; resolves once `welcome` arrives, rejects with the `connect_error` data. */
export function connect(baseUrl: string, auth: Record<string, unknown>, o: ConnectOpts = {}): Promise<Peer> {
  const socket = openSocket(baseUrl, auth, o);
  const peer = new Peer(socket, String(auth['sessionId']));
  o.before?.(peer);
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      reject(Object.assign(new Error(`connect_error ${JSON.stringify(err.data ?? err.message)}`), { data: err.data }));
    });
    peer.next('welcome').then((w) => {
      peer.welcome = w;
      resolve(peer);
    }, reject);
  });
}

/** Resolves with the `connect_error` data; fails the test if the connect succeeds. */
export function refused(baseUrl: string, auth: unknown, o: ConnectOpts = {}): Promise<any> {
  const socket = openSocket(baseUrl, auth, o);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (socket.close(), reject(new Error('no connect_error within 8 s'))), 8000);
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      clearTimeout(t);
      socket.close();
      resolve(err.data ?? { transportError: err.message });
    });
    socket.once('connect', () => {
      clearTimeout(t);
      socket.close();
      reject(new Error('connected, but the contract says this handshake is refused'));
    });
  });
}
