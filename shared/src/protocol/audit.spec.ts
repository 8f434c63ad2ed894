import { cryptoReady } from '../crypto/sodium';
import { canonicalJson } from '../crypto/canonical-json';
import { sha256Hex } from '../crypto/encoding';
import { AUDIT_GENESIS_HASH, auditCanonical, auditHash, type AuditHashInput } from './audit';

describe('audit canonical JSON and hash (data-model.md §4)', () => {
  beforeAll(async () => {
    await cryptoReady();
  });

  it('C-DATA-11: sorts keys at every depth, keeps arrays and nulls, no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
  });

  it('C-DATA-11: swapping key order gives the same hash; swapping array order changes it', () => {
    const h1 = sha256Hex(canonicalJson({ b: 1, a: { d: [2, 1], c: null } }));
    const h2 = sha256Hex(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    const h3 = sha256Hex(canonicalJson({ b: 1, a: { d: [1, 2], c: null } }));
    expect(h1).toBe(h2);
    expect(h1).not.toBe(h3);
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
  });

  it('C-DATA-11: orders keys by UTF-16 code units, escapes like JSON.stringify, drops absent values, refuses floats', () => {
    // 'Z' (0x5a) < 'a' (0x61) < 'é' (0xe9) < '😀' (surrogate 0xd83d) < 'ｆ' (0xff46): code units, not code points
    expect(canonicalJson({ 'ｆ': 1, '😀': 2, é: 3, a: 4, Z: 5 })).toBe('{"Z":5,"a":4,"é":3,"😀":2,"ｆ":1}');
    expect(canonicalJson({ s: 'a"b\\c\n\u0001', u: undefined })).toBe(JSON.stringify({ s: 'a"b\\c\n\u0001' }));
    expect(() => canonicalJson({ x: 1.5 })).toThrow();
  });

  it('hashes the row object of data-model.md §4 with lowercase SHA-256 hex', () => {
    const row: AuditHashInput = {
      meshId: 'A9LBx2xw7ZkqYt5nP1rVf0sDcGhJuE6m',
      seq: 1,
      type: 'mesh.created',
      actor: { kind: 'account', id: '7kJ0KrhXw8C9fVeBNH5DmPXCpRgnCc7k', displayName: 'Dana Ops' },
      data: { name: 'platform' },
      createdAt: '2026-12-01T10:00:00.000Z',
      prevHash: AUDIT_GENESIS_HASH,
    };
    const expected =
      '{"actor":{"displayName":"Dana Ops","id":"7kJ0KrhXw8C9fVeBNH5DmPXCpRgnCc7k","kind":"account"},' +
      '"createdAt":"2026-12-01T10:00:00.000Z","data":{"name":"platform"},"meshId":"A9LBx2xw7ZkqYt5nP1rVf0sDcGhJuE6m",' +
      `"prevHash":"${'0'.repeat(64)}","seq":1,"type":"mesh.created"}`;
    expect(auditCanonical(row)).toBe(expected);
    expect(auditHash(row)).toBe(sha256Hex(expected));
    expect(auditHash({ ...row, actor: { ...row.actor, displayName: null } })).not.toBe(auditHash(row));
  });
});
