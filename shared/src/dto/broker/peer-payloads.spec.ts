import { createHash, randomUUID } from 'node:crypto';
import { cryptoReady, generateSigningKeyPair, generateUuid } from '../../crypto';
import { AckFailure } from '../../errors';
import { parseAckPayload, parseGroups, parseHelloAuth, parseLeave, parseListPeers, parseSend, parseSetSummary } from './peer-payloads';

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
const code = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof AckFailure ? e.code : 'threw';
  }
};

describe('broker payload validators (protocol.md §4, §7.1)', () => {
  let pubkey: string;
  beforeAll(async () => {
    await cryptoReady();
    pubkey = generateSigningKeyPair().publicKey;
  });

  const hello = () => ({ meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', pubkey, sessionId: generateUuid(), timestamp: 1796119200000, signature: 'a'.repeat(128) });

  it('accepts a well-formed hello and normalises optional fields', () => {
    const a = parseHelloAuth({ ...hello(), displayName: '  bob  ', groups: ['Backend', 'backend', 'ops'], passive: true, extra: 1 });
    expect(a.displayName).toBe('bob');
    expect(a.groups).toEqual(['backend', 'ops']);
    expect(a.passive).toBe(true);
  });

  it.each([
    ['pubkey not-hex', { pubkey: 'not-hex' }],
    ['uppercase hex pubkey', { pubkey: 'A'.repeat(64) }],
    ['string timestamp', { timestamp: '1796119200000' }],
    ['float timestamp', { timestamp: 1.5 }],
    ['uppercase uuid', { sessionId: randomUUID().toUpperCase() }],
    ['short signature', { signature: 'ab' }],
    ['empty displayName', { displayName: '   ' }],
    ['control char in cwd', { cwd: 'a\nb' }],
    ['C1 control char in cwd', { cwd: 'a\u009bb' }],
    ['pid 0', { pid: 0 }],
    ['33 groups', { groups: Array.from({ length: 33 }, (_, i) => `g${i}`) }],
    ['passive as string', { passive: 'true' }],
  ])('hello: %s → malformed', (_n, patch) => {
    expect(code(() => parseHelloAuth({ ...hello(), ...patch }))).toBe('malformed');
  });

  it('send: defaults, target kinds, and the content-hash input of §6 item 11', () => {
    const p = parseSend({ clientId: generateUuid(), to: 'ab'.repeat(32), nonce: b64(24), ciphertext: b64(17) });
    expect(p).toMatchObject({ targetKind: 'direct', priority: 'next', keyEpoch: null, toSession: null, size: 17 });
    expect(p.hashInput).toBe(`${'ab'.repeat(32)}||next||${b64(24)}|${b64(17)}`);
    expect(createHash('sha256').update(p.hashInput).digest('hex')).toHaveLength(64);
    expect(parseSend({ clientId: generateUuid(), to: '@ops', keyEpoch: 3, nonce: b64(24), ciphertext: b64(97) }).targetKind).toBe('group');
    expect(parseSend({ clientId: generateUuid(), to: '*', keyEpoch: 3, nonce: b64(24), ciphertext: b64(97), priority: 'now' }).hashInput).toBe(
      `*||now|3|${b64(24)}|${b64(97)}`,
    );
  });

  it.each([
    ['keyEpoch on direct', { keyEpoch: 1 }],
    ['toSession on multicast', { to: '*', keyEpoch: 1, toSession: randomUUID(), ciphertext: b64(97) }],
    ['missing keyEpoch on multicast', { to: '*', ciphertext: b64(97) }],
    ['multicast ciphertext under 97 bytes', { to: '*', keyEpoch: 1, ciphertext: b64(96) }],
    ['nonce of 23 bytes', { nonce: b64(23) }],
    ['base64url nonce', { nonce: Buffer.alloc(24, 255).toString('base64url') }],
    ['unpadded ciphertext', { ciphertext: b64(17).replace(/=+$/, '') }],
    ['bad priority', { priority: 'urgent' }],
    ['uppercase group', { to: '@Ops', keyEpoch: 1, ciphertext: b64(97) }],
    ['clientId not a uuid', { clientId: 'x' }],
  ])('send: %s → malformed', (_n, patch) => {
    expect(code(() => parseSend({ clientId: generateUuid(), to: 'ab'.repeat(32), nonce: b64(24), ciphertext: b64(17), ...patch }))).toBe('malformed');
  });

  it('other events', () => {
    expect(parseAckPayload({ messageIds: ['A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv'] }).messageIds).toHaveLength(1);
    expect(code(() => parseAckPayload({ messageIds: [] }))).toBe('malformed');
    expect(code(() => parseAckPayload({ messageIds: Array(501).fill('A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv') }))).toBe('malformed');
    expect(parseSetSummary({ summary: '😀'.repeat(280) }).summary).toHaveLength(560);
    expect(code(() => parseSetSummary({ summary: '😀'.repeat(281) }))).toBe('malformed');
    expect(parseListPeers({})).toEqual({ includeOffline: false, limit: 500, cursor: null });
    expect(code(() => parseListPeers({ limit: '5' }))).toBe('malformed');
    expect(code(() => parseGroups('ops'))).toBe('malformed');
    expect(code(() => parseSend([]))).toBe('malformed');
  });

  it('JSON only: a binary attachment (Buffer) is not an object payload; lone surrogates are not valid text', () => {
    expect(code(() => parseLeave(Buffer.from('{}')))).toBe('malformed');
    expect(code(() => parseListPeers(new Uint8Array(2)))).toBe('malformed');
    expect(parseLeave(Object.create(null))).toEqual({});
    expect(code(() => parseSetSummary({ summary: 'half \ud83d' }))).toBe('malformed');
    expect(code(() => parseHelloAuth({ ...hello(), displayName: 'bob\udc00' }))).toBe('malformed');
  });
});
