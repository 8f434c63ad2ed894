import type { MemberResponse, MeshResponse } from '@claudemesh/shared/dto';

import { memberRows, sessionStatusLabel } from './mesh-members.component';

const mesh = { id: 'm', name: 'platform', owner: { accountId: 'acc-owner', displayName: 'Dana Ops' } } as MeshResponse;
const member = (id: string, accountId: string | null): MemberResponse => ({
  id,
  displayName: id,
  pubkey: 'aa',
  role: 'member',
  groups: [],
  joinedAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: null,
  removedAt: null,
  linkedAccount: accountId ? { accountId, displayName: accountId } : null,
  online: false,
  sessions: [],
});

describe('memberRows (api.md §11: owner listed first)', () => {
  it('lists the owner first even when no peer identity is linked', () => {
    const rows = memberRows(mesh, [member('bob', null), member('carol', 'acc-c')]);
    expect(rows.map((r) => [r.displayName, r.role])).toEqual([
      ['Dana Ops', 'owner'],
      ['bob', 'member'],
      ['carol', 'member'],
    ]);
    expect(rows[0].member).toBeNull();
    // Not a member, so not in counts.members: the row says so.
    expect(rows[0].detail).toBe('Web account only · not counted until one of their sessions joins');
  });

  it('labels session statuses in words, and a session in grace as reconnecting', () => {
    expect(sessionStatusLabel({ connected: true, status: 'working' })).toBe('Working');
    expect(sessionStatusLabel({ connected: true, status: 'dnd' })).toBe('Do not disturb');
    expect(sessionStatusLabel({ connected: false, status: 'working' })).toBe('Reconnecting');
  });

  it("moves the owner's linked member to the top instead of adding a row", () => {
    const rows = memberRows(mesh, [member('bob', null), member('dana-laptop', 'acc-owner')]);
    expect(rows.map((r) => [r.displayName, r.role])).toEqual([
      ['dana-laptop', 'owner'],
      ['bob', 'member'],
    ]);
  });
});
