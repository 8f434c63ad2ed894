import { randomBytes, randomInt } from 'node:crypto';
import { generateUuid, sealDirect } from '@claudemesh/shared/crypto';
import { ACK_ERROR_CODES } from '@claudemesh/shared/errors';
import type { TestApp } from '../../../server/src/testing/test-app';
import { connectPeer, http, sleep, startBrokerWithMesh, type Member, type TestPeer } from './harness';

const EVENTS = ['send', 'ack', 'set_status', 'set_summary', 'set_groups', 'list_peers', 'get_root_key', 'leave_', 'nope', 'welcome', 'message', 'constructor', '__proto__', ''];

function randomValue(depth = 0): unknown {
  switch (randomInt(12)) {
    case 0:
      return null;
    case 1:
      return randomInt(-1e9, 1e9) / (randomInt(2) ? 1 : 7);
    case 2:
      return randomBytes(randomInt(0, 40)).toString(randomInt(2) ? 'hex' : 'base64');
    case 3:
      return 'x'.repeat(randomInt(0, 3000));
    case 4:
      return randomInt(2) === 1;
    case 5:
      return depth > 2 ? [] : Array.from({ length: randomInt(0, 6) }, () => randomValue(depth + 1));
    case 6:
      return depth > 2 ? {} : Object.fromEntries(Array.from({ length: randomInt(0, 6) }, () => [randomBytes(3).toString('hex'), randomValue(depth + 1)]));
    case 7:
      return '\u0000\u0001\u007f' + '😀'.repeat(randomInt(0, 300));
    case 8:
      return Number.MAX_SAFE_INTEGER + randomInt(1, 1000);
    case 9:
      return { toString: 'x', valueOf: 1, __proto__: { polluted: true } };
    case 10:
      return randomBytes(randomInt(1, 64)); // a binary attachment
    default:
      return undefined;
  }
}

/** A payload that is close to valid, with one field broken. */
function nearMiss(event: string): unknown {
  const valid: Record<string, Record<string, unknown>> = {
    send: { clientId: generateUuid(), to: randomBytes(32).toString('hex'), nonce: randomBytes(24).toString('base64'), ciphertext: randomBytes(40).toString('base64') },
    ack: { messageIds: ['A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv'] },
    set_status: { status: 'working' },
    set_summary: { summary: 'fuzzing' },
    set_groups: { groups: ['fuzz'] },
    list_peers: { limit: 5 },
    get_root_key: { epoch: 1 },
  };
  const base = { ...(valid[event] ?? {}) };
  const keys = Object.keys(base);
  if (keys.length && randomInt(4) > 0) base[keys[randomInt(keys.length)]] = randomValue();
  if (randomInt(3) === 0) base[['to', 'keyEpoch', 'toSession', 'priority', 'sessionId', 'cursor', 'includeOffline'][randomInt(7)]] = randomValue();
  return base;
}

describe('broker fuzzing (C-PROTO-31, C-SEC-7 socket side)', () => {
  let app: TestApp;
  let m: Member[];

  beforeAll(async () => {
    ({ app, members: m } = await startBrokerWithMesh(12));
  });
  afterAll(async () => app?.close());

  it('C-PROTO-31: an event without an ack callback changes nothing; an unknown event gets unknown_event', async () => {
    const a = await connectPeer(app.baseUrl, m[0]);
    const before = await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.message`);
    const env = sealDirect({ v: 1, text: 'no ack' }, m[1].keys.publicKey, m[0].keys.secretKey);
    a.socket.emit('send', { clientId: generateUuid(), to: m[1].keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext });
    a.socket.emit('set_status', { status: 'dnd' });
    await sleep(500);
    expect(await app.dataSource.query(`SELECT count(*)::int AS n FROM mesh.message`)).toEqual(before);
    expect((await app.dataSource.query(`SELECT status FROM mesh.presence WHERE id = $1`, [a.welcome.presenceId]))[0].status).toBe('idle');
    expect(await a.call('frobnicate', {})).toMatchObject({ ok: false, error: { code: 'unknown_event', message: expect.any(String) } });
    expect(await a.call('send', 'not an object')).toMatchObject({ ok: false, error: { code: 'malformed' } });
    expect(a.socket.connected).toBe(true);
    a.close();
  });

  it('C-PROTO-31: 10 000 fuzzed events give error acks, never crash the server, never touch another peer', async () => {
    const victimA = await connectPeer(app.baseUrl, m[0]);
    const victimB = await connectPeer(app.baseUrl, m[1]);
    await victimB.call('set_summary', { summary: 'untouched' });
    const fuzzers: TestPeer[] = [];
    for (let i = 2; i < 12; i++) fuzzers.push(await connectPeer(app.baseUrl, m[i]), await connectPeer(app.baseUrl, m[i], { passive: i % 2 === 0 }));
    const codes = new Map<string, number>();
    let acked = 0;
    const perSocket = 500;
    await Promise.all(
      fuzzers.map(async (f) => {
        for (let chunk = 0; chunk < perSocket; chunk += 100) {
          await Promise.all(
            Array.from({ length: 100 }, () => {
              const event = randomInt(3) === 0 ? EVENTS[randomInt(EVENTS.length)] : ['send', 'ack', 'set_status', 'set_summary', 'set_groups', 'list_peers', 'get_root_key'][randomInt(7)];
              const payload = randomInt(2) ? nearMiss(event) : randomValue();
              return f.call(event, payload, 30_000).then((r: any) => {
                acked++;
                expect(typeof r.ok).toBe('boolean');
                if (!r.ok) {
                  expect(ACK_ERROR_CODES).toContain(r.error.code);
                  expect(r.error.code).not.toBe('internal');
                  expect(typeof r.error.message).toBe('string');
                  codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1);
                }
              });
            }),
          );
        }
      }),
    );
    expect(acked).toBe(fuzzers.length * perSocket);
    expect(acked).toBeGreaterThanOrEqual(10_000);
    expect(codes.get('malformed')).toBeGreaterThan(100);
    expect(codes.get('unknown_event')).toBeGreaterThan(100);
    // The server is alive and the victims are unaffected.
    expect((await http(app.baseUrl, 'GET', '/health')).status).toBe(200);
    expect(victimA.socket.connected && victimB.socket.connected).toBe(true);
    const env = sealDirect({ v: 1, text: 'still fine' }, m[1].keys.publicKey, m[0].keys.secretKey);
    const ack = await victimA.call('send', { clientId: generateUuid(), to: m[1].keys.publicKey, nonce: env.nonce, ciphertext: env.ciphertext });
    expect(ack.ok).toBe(true);
    await victimB.next('message', (x) => x.id === ack.messageId);
    const row = await app.dataSource.query(`SELECT status, summary, ended_at FROM mesh.presence WHERE id = $1`, [victimB.welcome.presenceId]);
    expect(row[0]).toEqual({ status: 'idle', summary: 'untouched', ended_at: null });
    expect(victimA.of('terminated')).toHaveLength(0);
    for (const p of [victimA, victimB, ...fuzzers]) p.close();
  }, 170_000);
});
