import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { InviteLandingResponse } from '@claudemesh/shared/dto';

import { apiErrorInterceptor } from '../core/api-error.interceptor';
import { NotificationService } from '../core/notification.service';
import { InviteLandingComponent } from './invite-landing.component';

const SHORT = 'https://mesh.example.com/i/HXQEhdlw';

function landing(over: Partial<InviteLandingResponse> = {}): InviteLandingResponse {
  return {
    status: 'valid',
    version: 2,
    code: 'HXQEhdlw',
    mesh: { name: 'platform', slug: 'platform' },
    inviter: { displayName: 'Dana Ops' },
    role: 'member',
    roleCapabilities: ['send_receive', 'see_peers', 'read_audit'],
    memberCount: 7,
    onlineCount: 3,
    maxUses: 5,
    usedCount: 2,
    usesRemaining: 3,
    expiresAt: '2026-12-08T10:00:00.000Z',
    revokedAt: null,
    shortUrl: SHORT,
    cliCommand: `claudemesh join ${SHORT}`,
    installCommand: 'npm i -g https://mesh.example.com/cli/claudemesh.tgz',
    ownerKeyFingerprint: '03a1 07bf f3ce 10be',
    consent: ['local_keypair', 'e2e_direct', 'group_key', 'metadata_visible', 'audit_log', 'leave_anytime'],
    ...over,
  };
}

/** Renders /join/<ref> and answers the landing request with `status` and `body`. */
async function render(body: object | null, status = 200) {
  TestBed.configureTestingModule({
    imports: [InviteLandingComponent],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([apiErrorInterceptor])), provideHttpClientTesting()],
  });
  const fixture = TestBed.createComponent(InviteLandingComponent);
  fixture.componentRef.setInput('ref', 'HXQEhdlw');
  fixture.detectChanges();
  const ctrl = TestBed.inject(HttpTestingController);
  const req = ctrl.expectOne('/api/public/invites/HXQEhdlw');
  if (status === 0) req.error(new ProgressEvent('error'), { status: 0, statusText: 'Unknown Error' });
  else req.flush(body, { status, statusText: String(status) });
  await fixture.whenStable();
  fixture.detectChanges();
  const el = fixture.nativeElement as HTMLElement;
  const text = (id: string) => el.querySelector(`[data-testid="${id}"]`)?.textContent?.replace(/\s+/g, ' ').trim();
  return { fixture, el, text };
}

const errorBody = (code: string, message: string, statusCode: number) => ({
  error: { code, message, details: { reason: code } },
  statusCode,
  timestamp: '',
  path: '/api/public/invites/HXQEhdlw',
  requestId: 'r',
});

const localDate = (iso: string) =>
  new Date(iso).toLocaleString('en-US', { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });

describe('InviteLandingComponent (invites.md §8.1)', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('valid: headline, inviter, counts, role badge with capabilities, consent, uses and expiry', async () => {
    const { el, text } = await render(landing());
    expect(text('landing-mesh')).toBe('platform');
    expect(text('landing-inviter')).toBe('Invited by Dana Ops');
    expect(text('landing-counts')).toBe('7 members · 3 online');
    expect(text('landing-role')).toContain("You'll join as Member");
    expect(text('landing-role')).toContain('exchange end-to-end encrypted messages with every peer in the mesh');
    expect(text('landing-role')).toContain("read the mesh's audit log (metadata only)");
    expect(el.querySelectorAll('[data-testid="landing-consent"] li')).toHaveLength(6);
    expect(text('landing-consent')).toContain('the server cannot read them');
    expect(el.querySelector('[data-testid="landing-consent"] code')?.textContent).toBe('claudemesh leave <mesh>');
    expect(text('landing-uses')).toBe('3 of 5 uses remaining');
    expect(text('landing-expiry')).toBe(`Valid until ${localDate('2026-12-08T10:00:00.000Z').replace(' at ', ', ')}`);
  });

  it('the primary button "Join <mesh> as <Role>" reveals the exact CLI command and the first-time install line', async () => {
    const { fixture, el, text } = await render(landing({ role: 'admin', roleCapabilities: ['send_receive', 'see_peers', 'read_audit', 'manage_invites', 'manage_members', 'manage_mesh'] }));
    expect(text('landing-role')).toContain("You'll join as Admin");
    expect(text('landing-role')).toContain('create, resend and revoke invites');
    const button = el.querySelector('[data-testid="landing-join"]') as HTMLButtonElement;
    expect(button.textContent?.trim()).toBe('Join platform as Admin');
    expect(el.querySelector('[data-testid="landing-cli"]')).toBeNull();
    button.click();
    await fixture.whenStable();
    fixture.detectChanges();
    expect(text('landing-cli')).toBe(`claudemesh join ${SHORT}`);
    expect(text('landing-install')).toBe('npm i -g https://mesh.example.com/cli/claudemesh.tgz');
    expect(el.querySelector('[aria-label="Copy join command"]')).toBeTruthy();
  });

  it('counts: members are joined peer identities, so a new mesh says nobody has joined yet; no note otherwise', async () => {
    const empty = await render(landing({ memberCount: 0, onlineCount: 0 }));
    expect(empty.text('landing-counts')).toBe('0 members · 0 online');
    expect(empty.text('landing-counts-note')).toBe('No Claude Code session has joined yet: you would be the first member.');
    TestBed.resetTestingModule();
    const one = await render(landing({ memberCount: 1, onlineCount: 0 }));
    expect(one.text('landing-counts')).toBe('1 member · 0 online');
    expect(one.text('landing-counts-note')).toBeUndefined();
  });

  it('an invite whose inviter account is gone still renders', async () => {
    const { text } = await render(landing({ inviter: null }));
    expect(text('landing-inviter')).toBe('Invited by an account that no longer exists');
  });

  const lifecycle: [string, Partial<InviteLandingResponse>, string, string][] = [
    ['expired', { status: 'expired', expiresAt: '2026-01-02T03:04:00.000Z' }, 'This invite has expired', `Expired on ${localDate('2026-01-02T03:04:00.000Z').replace(' at ', ', ')}`],
    ['revoked', { status: 'revoked', revokedAt: '2026-02-03T04:05:00.000Z' }, 'This invite was revoked', `Revoked on ${localDate('2026-02-03T04:05:00.000Z').replace(' at ', ', ')}`],
    ['exhausted', { status: 'exhausted', maxUses: 5, usedCount: 5, usesRemaining: 0 }, 'This invite has been used up', 'All 5 uses were redeemed'],
    ['exhausted (one use)', { status: 'exhausted', maxUses: 1, usedCount: 1, usesRemaining: 0 }, 'This invite has been used up', 'All 1 uses were redeemed'],
    ['mesh_archived', { status: 'mesh_archived' }, 'This mesh is no longer active', 'platform was archived'],
  ];
  it.each(lifecycle)('%s: its own title and detail line, nothing joinable', async (_s, over, title, detail) => {
    const { el, text } = await render(landing({ ...over, shortUrl: null, cliCommand: null, installCommand: null }));
    expect(text('landing-title')).toBe(title);
    expect(text('landing-detail')).toBe(detail);
    expect(text('landing-problem')).toContain('Ask the person who sent it to you for a new invite.');
    expect(el.querySelector('[data-testid="landing-join"]')).toBeNull();
    expect(el.textContent).not.toContain('claudemesh join');
  });

  const errors: [string, number, string, string][] = [
    ['invite_malformed', 400, 'This link is incomplete', 'Check that you copied the whole link'],
    ['invite_bad_signature', 400, 'This invite is not genuine', 'Ask for a fresh link through a channel you trust'],
    ['invite_not_found', 404, 'No invite matches this link', 'It may have been mistyped'],
  ];
  it.each(errors)('%s (%d): its own title and detail line, no toast', async (code, status, title, detail) => {
    const { el, text } = await render(errorBody(code, 'server text', status), status);
    expect(text('landing-title')).toBe(title);
    expect(text('landing-detail')).toBe(detail);
    expect(el.querySelector('[data-testid="landing-problem"]')?.getAttribute('data-state')).toBe(code);
    expect(el.querySelector('[data-testid="landing-join"]')).toBeNull();
    expect(TestBed.inject(NotificationService).notices()).toHaveLength(0);
  });

  it('any other failure shows the server message verbatim with a retry', async () => {
    const { el, text } = await render(errorBody('rate_limited', 'Too many requests; retry in 12 s', 429), 429);
    expect(text('landing-problem')).toContain('Too many requests; retry in 12 s');
    expect(el.querySelector('[data-testid="landing-problem"] button')?.textContent?.trim()).toBe('Try again');
  });

  it('a network failure reads "Cannot reach the server"', async () => {
    const { text } = await render(null, 0);
    expect(text('landing-problem')).toContain('Cannot reach the server');
  });
});
