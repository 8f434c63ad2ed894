/* Test harness for the broker suites: a real server (createTestApp), real REST admission, real socket.io-client peers. */
import { io, type Socket } from 'socket.io-client';
import {
  cryptoReady,
  generateUuid,
  helloSigningString,
  signDetached,
  type Ed25519KeyPair,
} from '@claudemesh/shared/crypto';
import type { WelcomeEvent } from '@claudemesh/shared/protocol';
import { createTestApp, type TestApp } from '../../../server/src/testing/test-app';
import { claimAll, codeFor, createMeshViaApi, mintV2Invites, signupFirstAccount } from '../support/mesh-fixture';
import { RestClient } from '../support/rest-client';

export { cryptoReady };

/** Env for broker tests: generous handshake limits (many connects from 127.0.0.1), proxy trust for distinct claim IPs. */
export const BROKER_TEST_ENV: Record<string, string> = {
  HANDSHAKE_RATE_PER_IP_PER_MIN: '100000',
  HANDSHAKE_RATE_PER_PUBKEY_PER_MIN: '100000',
  CLAIM_RATE_PER_IP_PER_MIN: '100000',
  CLAIM_RATE_PER_CODE_PER_MIN: '100000',
  TRUST_PROXY: 'true',
};

export async function startBroker(env: Record<string, string> = {}): Promise<TestApp> {
  await cryptoReady();
  return createTestApp({ ...BROKER_TEST_ENV, ...env });
}

let ipN = 0;
const nextIp = (): string => {
  ipN++;
  return `10.77.${(ipN >> 8) & 255}.${ipN & 255}`;
};

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<{ status: number; body: T; text: string }> {
  const headers: Record<string, string> = { 'x-forwarded-for': nextIp(), ...(opts.headers ?? {}) };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T, text };
}

/** What the REST helpers need of a server: a TestApp, or a server process with its printed setup token. */
export type ServerRef = Pick<TestApp, 'baseUrl'> & { setupToken?: string | null };

export interface Owner {
  token: string;
  accountId: string;
  cookie: string;
  xsrf: string;
}

/** Each REST call of a broker suite comes from its own client IP (TRUST_PROXY), like distinct integrators. */
const restClient = { forwardedFor: nextIp };

/** The first account (setup token), with a PAT and its cookie session. */
export async function signupOwner(app: ServerRef, email = 'owner@example.com'): Promise<Owner> {
  const a = await signupFirstAccount(app.baseUrl, [app.setupToken], {
    email,
    password: 'correct horse battery',
    displayName: 'Owner',
    tokenName: 'broker-test',
    tokenExpiresInDays: 1,
    client: restClient,
  });
  return { token: a.token, accountId: a.accountId, cookie: a.cookie, xsrf: a.xsrf };
}

const ownerApi = (app: ServerRef, owner: Owner): RestClient => Object.assign(new RestClient(app.baseUrl, restClient), { bearer: owner.token });

export async function createMesh(app: ServerRef, owner: Owner, name = 'platform'): Promise<string> {
  return (await createMeshViaApi(ownerApi(app, owner), name)).id;
}

export interface Member {
  meshId: string;
  memberId: string;
  displayName: string;
  keys: Ed25519KeyPair;
}

/** Admits `n` new peer identities through one v2 invite and real, verified claims (invites.md §4), one at a time. */
export async function admitMembers(app: ServerRef, owner: Owner, meshId: string, n: number, prefix = 'peer'): Promise<Member[]> {
  const codes = await mintV2Invites(ownerApi(app, owner), meshId, n);
  const jobs = Array.from({ length: n }, (_, i) => ({ code: codeFor(codes, i), displayName: `${prefix}-${i}` }));
  const claimed = await claimAll(app.baseUrl, jobs, { concurrency: 1, client: restClient });
  return claimed.map((c) => ({ meshId, memberId: c.memberId, displayName: c.displayName, keys: c.keys }));
}

/** A broker (startBroker) with its owner, one mesh named 'platform' and `n` admitted members. */
export async function startBrokerWithMesh(n: number, env: Record<string, string> = {}): Promise<{ app: TestApp; owner: Owner; meshId: string; members: Member[] }> {
  const app = await startBroker(env);
  const owner = await signupOwner(app);
  const meshId = await createMesh(app, owner);
  return { app, owner, meshId, members: await admitMembers(app, owner, meshId, n) };
}

export interface AuthOpts {
  sessionId?: string;
  timestamp?: number;
  passive?: boolean;
  displayName?: string;
  groups?: string[];
  pid?: number;
  cwd?: string;
}

export function helloAuth(m: Pick<Member, 'meshId' | 'keys'>, o: AuthOpts = {}): Record<string, unknown> {
  const sessionId = o.sessionId ?? generateUuid();
  const timestamp = o.timestamp ?? Date.now();
  const signature = signDetached(helloSigningString(m.meshId, m.keys.publicKey, sessionId, timestamp), m.keys.secretKey);
  const auth: Record<string, unknown> = { meshId: m.meshId, pubkey: m.keys.publicKey, sessionId, timestamp, signature };
  for (const k of ['passive', 'displayName', 'groups', 'pid', 'cwd'] as const) if (o[k] !== undefined) auth[k] = o[k];
  return auth;
}

/** A connected peer socket that records every event in arrival order. */
export interface TestPeer {
  socket: Socket;
  welcome: WelcomeEvent;
  sessionId: string;
  events: { event: string; payload: any }[];
  member: Member;
  /** Emits with an ack and resolves with the ack body. */
  call<T = any>(event: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  /** Resolves with the first (or next unseen) event of that name matching `pred`. */
  next<T = any>(event: string, pred?: (p: T) => boolean, timeoutMs?: number): Promise<T>;
  of<T = any>(event: string): T[];
  close(): void;
}

export function rawSocket(baseUrl: string, auth: unknown, nsp = '/peer', extra: Record<string, unknown> = {}): Socket {
  return io(baseUrl + nsp, {
    path: '/socket.io',
    transports: ['websocket'],
    auth: auth as Record<string, unknown>,
    reconnection: false,
    forceNew: true,
    ...extra,
  });
}

/** Connects and waits for welcome; rejects with the connect_error data. */
export function connectPeer(baseUrl: string, member: Member, o: AuthOpts = {}): Promise<TestPeer> {
  const sessionId = o.sessionId ?? generateUuid();
  const auth = helloAuth(member, { ...o, sessionId });
  const socket = rawSocket(baseUrl, auth);
  const events: { event: string; payload: any }[] = [];
  const waiters: { event: string; pred: (p: any) => boolean; resolve: (p: any) => void; from: number }[] = [];
  socket.onAny((event: string, payload: unknown) => {
    events.push({ event, payload });
    for (const w of [...waiters]) {
      if (w.event === event && w.pred(payload)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(payload);
      }
    }
  });
  const peer: TestPeer = {
    socket,
    welcome: undefined as unknown as WelcomeEvent,
    sessionId,
    events,
    member,
    call: (event, payload, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`ack timeout for ${event}`)), timeoutMs);
        socket.emit(event, payload, (r: any) => {
          clearTimeout(t);
          resolve(r);
        });
      }),
    next: (event, pred = () => true, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const seen = events.find((e) => e.event === event && pred(e.payload));
        if (seen) {
          events.splice(events.indexOf(seen), 1);
          return resolve(seen.payload);
        }
        const w = {
          event,
          pred,
          resolve: (p: any) => {
            clearTimeout(t);
            events.splice(events.findIndex((e) => e.payload === p), 1);
            resolve(p);
          },
          from: events.length,
        };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timeout waiting for ${event}`));
        }, timeoutMs);
        waiters.push(w);
      }),
    of: (event) => events.filter((e) => e.event === event).map((e) => e.payload),
    close: () => socket.disconnect(),
  };
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      reject(Object.assign(new Error(err.message), { data: err.data }));
    });
    socket.once('welcome', (w: WelcomeEvent) => {
      peer.welcome = w;
      resolve(peer);
    });
  });
}

/** Resolves with connect_error data (or rejects if the connection succeeds). */
export function connectError(baseUrl: string, auth: unknown, nsp = '/peer', extra: Record<string, unknown> = {}): Promise<any> {
  const socket = rawSocket(baseUrl, auth, nsp, extra);
  return new Promise((resolve, reject) => {
    setTimeout(() => {
      socket.close();
      reject(new Error('no connect_error within 10 s'));
    }, 10_000).unref();
    socket.once('connect_error', (err: Error & { data?: unknown }) => {
      socket.close();
      resolve(err.data ?? { message: err.message });
    });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected unexpectedly'));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error('waitFor timed out');
    await sleep(stepMs);
  }
}
