import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cryptoReady, generateSigningKeyPair, randomRootKey } from '@claudemesh/shared/crypto';
import { createIdentity, loadIdentity } from './identity';
import { findMesh, loadMeshes, saveMesh, saveRootKey, type MeshConfig } from './meshes';
import { DEDUP_WINDOW, Inbox, readInbox, takeUnreturned, type InboxRecord } from './inbox';
import { writeFileAtomic } from './secure-fs';
import { CliError } from '../errors';

const mode = (p: string) => fs.statSync(p).mode & 0o777;

function mesh(over: Partial<MeshConfig> = {}): MeshConfig {
  return {
    meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv',
    name: 'Platform Team',
    slug: 'platform-team',
    serverUrl: 'http://127.0.0.1:7900',
    memberId: 'mUYXRsG31gNNMh8NnL4M4V1soVXu2zD6',
    role: 'member',
    ownerPubkey: generateSigningKeyPair().publicKey,
    rootKeys: {},
    joinedAt: new Date().toISOString(),
    inviteVersion: 2,
    ...over,
  };
}

function record(id: string, seq: number): InboxRecord {
  return {
    id,
    seq,
    meshId: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv',
    from: { memberId: 'm', pubkey: 'p', displayName: 'alice', sessionId: 's' },
    to: '*',
    toSession: null,
    kind: 'broadcast',
    priority: 'next',
    keyEpoch: 1,
    text: `text ${id}`,
    sentAt: new Date(1_700_000_000_000 + seq).toISOString(),
    receivedAt: new Date().toISOString(),
  };
}

describe('CLI config files', () => {
  let home: string;
  let stderr: jest.SpyInstance;
  beforeAll(() => cryptoReady());
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-cli-cfg-'));
    process.env.CLAUDEMESH_HOME = path.join(home, 'cfg');
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    delete process.env.CLAUDEMESH_HOME;
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('C-SEC-11: init writes identity.json 0600 in a 0700 dir, with {v, pubkey, secretKey, createdAt}', () => {
    const id = createIdentity();
    const file = path.join(home, 'cfg', 'identity.json');
    expect(mode(path.join(home, 'cfg'))).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(Object.keys(saved).sort()).toEqual(['createdAt', 'pubkey', 'secretKey', 'v']);
    expect(saved.pubkey).toBe(id.pubkey);
    expect(saved.secretKey).toMatch(/^[0-9a-f]{128}$/);
    expect(loadIdentity().pubkey).toBe(id.pubkey);
    // no temporary files left behind
    expect(fs.readdirSync(path.join(home, 'cfg'))).toEqual(['identity.json']);
  });

  it('init refuses to overwrite without --force', () => {
    const first = createIdentity();
    expect(() => createIdentity()).toThrow(CliError);
    expect(loadIdentity().pubkey).toBe(first.pubkey);
    expect(createIdentity(true).pubkey).not.toBe(first.pubkey);
  });

  it('C-SEC-11: a pre-existing 0644 file and a 0755 dir are corrected with a warning', () => {
    createIdentity();
    const dir = path.join(home, 'cfg');
    fs.chmodSync(path.join(dir, 'identity.json'), 0o644);
    fs.chmodSync(dir, 0o755);
    loadIdentity();
    expect(mode(path.join(dir, 'identity.json'))).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    const warnings = stderr.mock.calls.map((c) => String(c[0])).join('');
    expect(warnings).toContain('identity.json had mode 0644; corrected to 0600');
    expect(warnings).toContain('had mode 0755; corrected to 0700');
  });

  it('atomic writes replace the file and leave it 0600', () => {
    const file = path.join(home, 'cfg', 'x.json');
    writeFileAtomic(file, 'one');
    fs.chmodSync(file, 0o666);
    writeFileAtomic(file, 'two');
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(mode(file)).toBe(0o600);
  });

  it('meshes.json is keyed by meshId and pins the owner key', () => {
    const m = mesh();
    saveMesh(m);
    const file = path.join(home, 'cfg', 'meshes.json');
    expect(mode(file)).toBe(0o600);
    expect(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')))).toEqual([m.meshId]);
    expect(() => saveMesh({ ...m, ownerPubkey: generateSigningKeyPair().publicKey })).toThrow(/owner key/);
    expect(loadMeshes()[m.meshId].ownerPubkey).toBe(m.ownerPubkey);
    saveRootKey(m.meshId, 2, randomRootKey());
    expect(Object.keys(loadMeshes()[m.meshId].rootKeys)).toEqual(['2']);
  });

  it('findMesh resolves id, name and slug; unknown → exit 4; ambiguous → exit 3', () => {
    const a = mesh();
    const b = mesh({ meshId: 'B9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv', name: 'platform team', slug: 'platform-team' });
    expect(findMesh(a.meshId, [a, b])).toBe(a);
    expect(findMesh('Platform Team', [a])).toBe(a);
    expect(findMesh('platform-team', [a])).toBe(a);
    expect(() => findMesh('platform-team', [a, b])).toThrow(expect.objectContaining({ exitCode: 3 }));
    expect(() => findMesh('nope', [a])).toThrow(expect.objectContaining({ exitCode: 4 }));
    expect(() => findMesh(undefined, [a, b])).toThrow(expect.objectContaining({ exitCode: 3 }));
  });

  it('C-SEC-11: the inbox is 0600, de-duplicates by id across instances, and is shown in seq order', () => {
    const inbox = new Inbox(mesh().meshId);
    expect(inbox.append(record('m2', 2))).toBe(true);
    expect(inbox.append(record('m1', 1))).toBe(true);
    expect(inbox.append(record('m2', 2))).toBe(false);
    // another process (a second instance) sees the ids through the file
    expect(new Inbox(mesh().meshId).append(record('m1', 1))).toBe(false);
    const file = path.join(home, 'cfg', 'inbox', `${mesh().meshId}.jsonl`);
    expect(mode(file)).toBe(0o600);
    expect(mode(path.join(home, 'cfg', 'inbox'))).toBe(0o700);
    expect(readInbox(mesh().meshId).map((r) => r.id)).toEqual(['m1', 'm2']);
  });

  it(`the de-duplication window keeps the last ${DEDUP_WINDOW} ids`, () => {
    const inbox = new Inbox(mesh().meshId);
    const lines = Array.from({ length: DEDUP_WINDOW + 5 }, (_, i) => JSON.stringify(record(`id${i}`, i)) + '\n').join('');
    fs.mkdirSync(path.join(home, 'cfg', 'inbox'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(home, 'cfg', 'inbox', `${mesh().meshId}.jsonl`), lines, { mode: 0o600 });
    expect(inbox.has(`id${DEDUP_WINDOW + 4}`)).toBe(true);
    expect(inbox.has('id5')).toBe(true);
    expect(inbox.has('id4')).toBe(false);
  });

  it('check_messages returns each stored message once, oldest first', () => {
    const id = mesh().meshId;
    const inbox = new Inbox(id);
    inbox.append(record('b', 2));
    inbox.append(record('a', 1));
    expect(takeUnreturned(id, 1).map((r) => r.id)).toEqual(['a']);
    inbox.append(record('c', 3));
    expect(takeUnreturned(id, 10).map((r) => r.id)).toEqual(['b', 'c']);
    expect(takeUnreturned(id, 10)).toEqual([]);
  });
});
