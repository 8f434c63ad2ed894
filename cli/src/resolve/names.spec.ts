import type { Peer } from '@claudemesh/shared/protocol';
import { resolveTarget } from './names';

const hex = (c: string) => c.repeat(64);
function peer(over: Partial<Peer>): Peer {
  return {
    memberId: 'm'.repeat(32),
    pubkey: hex('a'),
    displayName: 'alice',
    role: 'member',
    sessionId: '11111111-1111-4111-8111-111111111111',
    status: 'idle',
    statusSource: 'inferred',
    summary: '',
    groups: [],
    cwd: null,
    connected: true,
    connectedAt: new Date().toISOString(),
    self: false,
    ...over,
  };
}

describe('name resolution (protocol.md §10)', () => {
  const alice = peer({});
  const bobLive = peer({ memberId: 'b'.repeat(32), pubkey: hex('b'), displayName: 'Bob', sessionId: '22222222-2222-4222-8222-222222222222' });
  const carolOffline = peer({ memberId: 'c'.repeat(32), pubkey: hex('c'), displayName: 'carol', sessionId: null, status: null, statusSource: null, connected: false, connectedAt: null });

  it('passes *, @group and 64-hex through unchanged', () => {
    expect(resolveTarget('*', []).to).toBe('*');
    expect(resolveTarget('@backend', []).to).toBe('@backend');
    expect(resolveTarget(hex('d'), []).to).toBe(hex('d'));
    expect(resolveTarget(hex('d'), []).toSession).toBeUndefined();
  });

  it('rejects an invalid group name', () => {
    expect(() => resolveTarget('@Bad Group', [])).toThrow(expect.objectContaining({ exitCode: 3 }));
  });

  it('matches live display names case-insensitively and pins toSession', () => {
    const r = resolveTarget('bob', [alice, bobLive, carolOffline]);
    expect(r).toEqual({ to: hex('b'), toSession: bobLive.sessionId, label: 'Bob' });
  });

  it('falls back to member display names without a pin', () => {
    const r = resolveTarget('CAROL', [alice, bobLive, carolOffline]);
    expect(r.to).toBe(hex('c'));
    expect(r.toSession).toBeUndefined();
  });

  it('an ambiguous name is an error that lists the candidates', () => {
    const bob2 = peer({ memberId: 'e'.repeat(32), pubkey: hex('e'), displayName: 'bob', sessionId: '33333333-3333-4333-8333-333333333333' });
    let err: Error & { exitCode?: number } = new Error();
    try {
      resolveTarget('bob', [bobLive, bob2]);
    } catch (e) {
      err = e as Error;
    }
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain('ambiguous');
    expect(err.message).toContain(hex('b').slice(0, 12));
    expect(err.message).toContain(hex('e').slice(0, 12));
  });

  it('an unknown name fails loudly with exit 4', () => {
    expect(() => resolveTarget('dave', [alice, bobLive, carolOffline])).toThrow(expect.objectContaining({ exitCode: 4 }));
  });
});
