import type { AuditEvent } from '@claudemesh/shared/protocol';

import { auditActor, auditText, verifyText } from './mesh-audit-text';

const event = (type: AuditEvent['type'], data: Record<string, unknown>, displayName: string | null = 'Dana Ops'): AuditEvent => ({
  seq: 1,
  type,
  actor: { kind: displayName ? 'account' : 'system', id: null, displayName },
  data,
  createdAt: '2026-01-01T00:00:00.000Z',
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
});

describe('audit entries in words (no ids on the page)', () => {
  it('describes each kind of entry, naming members instead of showing their ids', () => {
    const names = new Map([['iPujFZ7NBHwKmXq57dl51XTmXAELMHAf', 'bob']]);
    expect(auditText(event('mesh.created', { name: 'platform' }))).toEqual({ title: 'Created the mesh', detail: 'Name “platform”' });
    expect(auditText(event('invite.created', { role: 'member', maxUses: 1, version: 2, byEmail: false }))).toEqual({
      title: 'Created an invite link',
      detail: 'For a member · 1 use',
    });
    expect(auditText(event('invite.created', { role: 'admin', maxUses: 5, version: 2, byEmail: true })).title).toBe('Sent an email invite');
    expect(auditText(event('member.removed', { memberId: 'iPujFZ7NBHwKmXq57dl51XTmXAELMHAf' }), names).title).toBe('Removed bob');
    expect(auditText(event('member.removed', { memberId: 'unknownunknownunknownunknown1234' }), names).title).toBe('Removed a member');
    expect(auditText(event('member.role_changed', { memberId: 'iPujFZ7NBHwKmXq57dl51XTmXAELMHAf', from: 'member', to: 'admin' }), names)).toEqual({
      title: 'Changed the role of bob',
      detail: 'From member to admin',
    });
    expect(auditText(event('mesh.root_key_rotated', { epoch: 3, reason: 'member_left' })).detail).toBe('Now epoch 3 · after a member left');
    expect(auditText(event('peer.disconnected', { reason: 'timeout' })).detail).toBe('timed out');
    expect(auditText(event('message.sent', { recipients: 2, priority: 'next', size: 310 })).detail).toBe('To 2 recipients · priority next · 310 bytes, encrypted');
    for (const e of [event('member.linked', { memberId: 'iPujFZ7NBHwKmXq57dl51XTmXAELMHAf', accountId: 'x' }), event('invite.claimed', { usedCount: 1 })]) {
      expect(JSON.stringify(auditText(e, names))).not.toMatch(/[0-9A-Za-z]{32}/);
    }
  });

  it('names the actor, or says what kind it is', () => {
    expect(auditActor(event('mesh.created', {}))).toBe('Dana Ops');
    expect(auditActor(event('message.sent', {}, null))).toBe('System');
  });

  it('states the verification result as a sentence, with the first broken link', () => {
    expect(verifyText({ valid: true, checked: 5, headSeq: 5, headHash: 'ab' })).toBe('Chain intact: 5 entries checked, up to entry #5.');
    expect(verifyText({ valid: false, checked: 57, brokenAt: { seq: 58, reason: 'hash_mismatch' } })).toBe(
      'Chain broken at entry #58: its content does not match its hash. 57 entries before it verified.',
    );
  });
});
