/** The startup/membership fixture of the conformance suites (from the broker harness), plus assertion helpers. */
import type { TestApp } from '../../../server/src/testing/test-app';
import { startBrokerWithMesh, type Member, type Owner } from '../broker/harness';
import { connect, hello, sealDirect, sodiumReady, uuid, type ConnectOpts, type HelloOpts, type Identity, type Peer } from './contract-peer';

export const MAX = 4096; // MAX_MESSAGE_BYTES here, so maxHttpBufferSize = 2 × 4096 + 65 536 (§3)
export const ID = /^[0-9A-Za-z]{32}$/;
export const PEER_KEYS = ['cwd', 'connected', 'connectedAt', 'displayName', 'groups', 'memberId', 'pubkey', 'role', 'self', 'sessionId', 'status', 'statusSource', 'summary'].sort();
export const MESSAGE_KEYS = ['attempt', 'ciphertext', 'from', 'id', 'keyEpoch', 'meshId', 'nonce', 'priority', 'sentAt', 'seq', 'to', 'toSession'].sort();
const ERROR_KEYS = ['code', 'message', 'details', 'retryAfterMs'];

/** An ack error is exactly {ok:false, error:{code, message, [details | retryAfterMs]}} (§3 Acks). */
export function expectAckError(ack: any, code: string, label = ''): void {
  expect({ label, ack }).toEqual({ label, ack: { ok: false, error: expect.objectContaining({ code, message: expect.any(String) }) } });
  for (const k of Object.keys(ack.error)) expect(ERROR_KEYS).toContain(k);
}

/** connect_error data is {code, message} plus exactly the extras of the §4 table. */
export function expectRefusal(data: any, code: string, extras: string[] = []): void {
  expect(data?.code).toBe(code);
  expect(typeof data.message).toBe('string');
  expect(Object.keys(data).sort()).toEqual(['code', 'message', ...extras].sort());
}

export const ident = (x: Member): Identity => ({ publicKey: x.keys.publicKey, secretKey: x.keys.secretKey });

export interface World {
  app: TestApp;
  owner: Owner;
  meshId: string;
  m: Member[];
  /** Connects member `x` (fresh auth, fresh client IP); the socket is closed after the test. */
  up(x: Member, o?: HelloOpts, c?: ConnectOpts): Promise<Peer>;
  /** A valid direct `send` payload from `from` to the key `to`. */
  direct(from: Member, to: string, text?: string, extra?: Record<string, unknown>): Record<string, unknown>;
  rows<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  closeAll(): void;
}

export async function startWorld(n: number, env: Record<string, string> = {}): Promise<World> {
  await sodiumReady();
  const { app, owner, meshId, members } = await startBrokerWithMesh(n, { MAX_MESSAGE_BYTES: String(MAX), ...env });
  const open: Peer[] = [];
  return {
    app,
    owner,
    meshId,
    m: members,
    async up(x, o = {}, c = {}) {
      const p = await connect(app.baseUrl, hello(x.meshId, ident(x), o), c);
      open.push(p);
      return p;
    },
    direct: (from, to, text = 'hi', extra = {}) => ({ clientId: uuid(), to, ...sealDirect(text, to, ident(from)), ...extra }),
    rows: (sql, params = []) => app.dataSource.query(sql, params),
    closeAll() {
      for (const p of open.splice(0)) p.close();
    },
  };
}
