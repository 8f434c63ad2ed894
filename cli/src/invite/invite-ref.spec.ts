import { buildInviteV1Token, cryptoReady, generateSigningKeyPair } from '@claudemesh/shared/crypto';
import type { MeshConfig } from '../config/meshes';
import { parseInviteArg } from './invite-ref';
import { chooseServer } from './join';

describe('join argument parsing and the default server (operations.md §10a)', () => {
  beforeAll(() => cryptoReady());
  const token = () =>
    buildInviteV1Token(
      {
        v: 1,
        mesh_id: 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv',
        mesh_slug: 'platform',
        broker_url: 'wss://mesh.example.com/ws',
        expires_at: 1796724000,
        mesh_root_key: 'QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8',
        role: 'member',
        owner_pubkey: generateSigningKeyPair().publicKey,
      },
      generateSigningKeyPair().secretKey,
    ).token;

  it('a short URL gives the code and the URL origin as server', () => {
    expect(parseInviteArg('https://mesh.example.com:8443/i/HXQEhdlw')).toEqual({ kind: 'code', code: 'HXQEhdlw', server: 'https://mesh.example.com:8443' });
    expect(parseInviteArg('http://127.0.0.1:7900/join/HXQEhdlw')).toEqual({ kind: 'code', code: 'HXQEhdlw', server: 'http://127.0.0.1:7900' });
  });

  it('a /join/<v1 token> URL and a bare token are tokens', () => {
    const t = token();
    const fromUrl = parseInviteArg(`https://mesh.example.com/join/${t}`);
    expect(fromUrl.kind).toBe('token');
    expect(fromUrl.server).toBe('https://mesh.example.com');
    const bare = parseInviteArg(t);
    expect(bare.kind).toBe('token');
    expect(chooseServer(bare, undefined, [])).toBe('https://mesh.example.com');
  });

  it('a bare code needs --server unless exactly one server is known', () => {
    const ref = parseInviteArg('HXQEhdlw');
    expect(ref).toEqual({ kind: 'code', code: 'HXQEhdlw', server: null });
    expect(() => chooseServer(ref, undefined, [])).toThrow(expect.objectContaining({ exitCode: 3 }));
    const known = [{ serverUrl: 'http://a:1' }, { serverUrl: 'http://a:1' }] as MeshConfig[];
    expect(chooseServer(ref, undefined, known)).toBe('http://a:1');
    expect(() => chooseServer(ref, undefined, [...known, { serverUrl: 'http://b:2' } as MeshConfig])).toThrow(expect.objectContaining({ exitCode: 3 }));
    expect(chooseServer(ref, 'https://mesh.example.com/some/path', [])).toBe('https://mesh.example.com');
  });

  it('garbage is an invalid argument (exit 3)', () => {
    for (const bad of ['ab$', 'https://mesh.example.com/', 'https://mesh.example.com/i/ab$', 'x'.repeat(65)]) {
      expect(() => parseInviteArg(bad)).toThrow(expect.objectContaining({ exitCode: 3 }));
    }
  });
});
