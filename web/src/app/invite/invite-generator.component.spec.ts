import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { CreateInviteResponse } from '@claudemesh/shared/dto';

import { apiErrorInterceptor } from '../core/api-error.interceptor';
import { qrPath } from '../shared/qr-code.component';
import { InviteGeneratorComponent, inviteSummary } from './invite-generator.component';

const MESH_ID = 'A9LBWY7z2MGmF8wF1HRpXlFnW8chS6Bv';
const SHORT = 'https://mesh.example.com/i/HXQEhdlw';

function invite(over: Partial<CreateInviteResponse> = {}): CreateInviteResponse {
  return {
    id: 'hzpu8MZRN6v2punL8ASdsA78jco40AGp',
    version: 2,
    code: 'HXQEhdlw',
    shortUrl: SHORT,
    role: 'member',
    maxUses: 1,
    usedCount: 0,
    status: 'valid',
    expiresAt: '2026-12-08T10:00:00.000Z',
    createdAt: '2026-12-01T10:00:00.000Z',
    revokedAt: null,
    createdBy: { accountId: 'x', displayName: 'Dana Ops' },
    email: null,
    acceptedAt: null,
    cliCommand: `claudemesh join ${SHORT}`,
    ...over,
  };
}

async function render(v1InvitesEnabled = false) {
  TestBed.configureTestingModule({
    imports: [InviteGeneratorComponent],
    providers: [provideRouter([]), provideHttpClient(withInterceptors([apiErrorInterceptor])), provideHttpClientTesting()],
  });
  const fixture = TestBed.createComponent(InviteGeneratorComponent);
  fixture.componentRef.setInput('id', MESH_ID);
  fixture.detectChanges();
  const ctrl = TestBed.inject(HttpTestingController);
  ctrl.expectOne(`/api/meshes/${MESH_ID}`).flush({ id: MESH_ID, name: 'platform', role: 'owner', archivedAt: null });
  ctrl.expectOne('/api/public/config').flush({ version: '1.0.0', allowSignup: false, needsSetup: false, v1InvitesEnabled, publicUrl: 'https://mesh.example.com' });
  await settle(fixture);
  return { fixture, ctrl, el: fixture.nativeElement as HTMLElement };
}

async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  await fixture.whenStable();
  fixture.detectChanges();
}

function byText(root: HTMLElement, selector: string, text: string): HTMLElement {
  const found = Array.from(root.querySelectorAll<HTMLElement>(selector)).find((e) => e.textContent?.trim() === text);
  if (!found) throw new Error(`no ${selector} with text ${text}`);
  return found;
}

function type(input: HTMLInputElement | HTMLSelectElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event(input instanceof HTMLSelectElement ? 'change' : 'input'));
}

describe('InviteGeneratorComponent (invites.md §8.2)', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('has a Link | Email toggle as role=group with aria-pressed, Link first', async () => {
    const { fixture, el } = await render();
    const group = el.querySelector('[role="group"]') as HTMLElement;
    expect(group).toBeTruthy();
    const [link, email] = Array.from(group.querySelectorAll('button'));
    expect(link.textContent?.trim()).toBe('Link');
    expect(link.getAttribute('aria-pressed')).toBe('true');
    expect(email.getAttribute('aria-pressed')).toBe('false');
    expect(el.querySelector('#invite-email')).toBeNull();
    email.click();
    await settle(fixture);
    expect(email.getAttribute('aria-pressed')).toBe('true');
    expect(link.getAttribute('aria-pressed')).toBe('false');
    expect(el.querySelector('#invite-email')).toBeTruthy();
  });

  it('keeps role, maxUses and expiresInDays under an Advanced disclosure, closed by default', async () => {
    const { fixture, el } = await render();
    const toggle = byText(el, 'button', '▸ Advanced');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(el.querySelector('#invite-role')).toBeNull();
    toggle.click();
    await settle(fixture);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(el.querySelector('label[for="invite-role"]')?.textContent).toContain('Role');
    expect(el.querySelector('#invite-max-uses')).toBeTruthy();
    expect(el.querySelector('#invite-days')).toBeTruthy();
    // v1 disabled on this server: no legacy checkbox.
    expect(el.textContent).not.toContain('Legacy v1 link');
  });

  it('shows the legacy v1 checkbox and its warning only when v1 is enabled', async () => {
    const { fixture, el } = await render(true);
    byText(el, 'button', '▸ Advanced').click();
    await settle(fixture);
    const box = el.querySelector('input[name="legacyV1"]') as HTMLInputElement;
    expect(box).toBeTruthy();
    expect(el.textContent).not.toContain('v1 links contain the mesh key');
    box.click();
    await settle(fixture);
    expect(el.textContent).toContain('v1 links contain the mesh key');
    expect(el.querySelector('[data-testid="invite-summary"]')?.textContent).toContain('(legacy v1 link)');
  });

  it('the summary line follows the chosen values', async () => {
    const { fixture, el } = await render();
    const summary = () => el.querySelector('[data-testid="invite-summary"]')?.textContent?.trim();
    expect(summary()).toBe('One-time invite for a member, valid 7 days');
    byText(el, 'button', '▸ Advanced').click();
    await settle(fixture);
    type(el.querySelector('#invite-max-uses') as HTMLInputElement, '5');
    type(el.querySelector('#invite-role') as HTMLSelectElement, 'admin');
    type(el.querySelector('#invite-days') as HTMLInputElement, '30');
    await settle(fixture);
    expect(summary()).toBe('Invite for up to 5 admins, valid 30 days');
    expect(inviteSummary({ role: 'member', maxUses: 1, expiresInDays: 1 })).toBe('One-time invite for a member, valid 1 day');
  });

  it('link mode submits the defaults (v2, member, 1 use, 7 days) and shows the result card with a QR of only the short URL', async () => {
    const { fixture, ctrl, el } = await render();
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = ctrl.expectOne(`/api/meshes/${MESH_ID}/invites`);
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ version: 2, role: 'member', maxUses: 1, expiresInDays: 7 });
    req.flush(invite(), { status: 201, statusText: 'Created' });
    await settle(fixture);

    expect(el.querySelector('[data-testid="short-url"]')?.textContent?.trim()).toBe(SHORT);
    expect(el.querySelector('[data-testid="cli-command"]')?.textContent?.trim()).toBe(`claudemesh join ${SHORT}`);
    expect(el.querySelector('[aria-label="Copy invite link"]')).toBeTruthy();
    expect(el.querySelector('[aria-label="Copy command"]')).toBeTruthy();
    expect(el.querySelector('[data-testid="result-uses"]')?.textContent?.trim()).toBe('0 of 1 used');
    expect(el.querySelector('[data-testid="result-expiry"]')?.textContent).toContain('2026');

    const svg = el.querySelector('[data-testid="invite-qr"] svg') as SVGElement;
    expect(svg.getAttribute('aria-label')).toBe(`QR code for ${SHORT}`);
    const d = svg.querySelector('path')?.getAttribute('d');
    expect(d).toBe(qrPath(SHORT).d);
    expect(d).not.toBe(qrPath(`claudemesh join ${SHORT}`).d);

    byText(el, 'button', 'Generate another').click();
    await settle(fixture);
    expect(el.querySelector('[data-testid="invite-result"]')).toBeNull();
    expect(el.querySelector('[data-testid="invite-form"]')).toBeTruthy();
  });

  it('email mode sends the address and says "Invite sent to <email>"', async () => {
    const { fixture, ctrl, el } = await render();
    byText(el, 'button', 'Email').click();
    await settle(fixture);
    type(el.querySelector('#invite-email') as HTMLInputElement, 'bob@example.com');
    await settle(fixture);
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = ctrl.expectOne(`/api/meshes/${MESH_ID}/invites`);
    expect(req.request.body).toEqual({ version: 2, role: 'member', maxUses: 1, expiresInDays: 7, email: 'bob@example.com' });
    req.flush(invite({ email: 'bob@example.com', mail: { transport: 'smtp', status: 'pending', outboxId: 'o1' } }), { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect(el.querySelector('[data-testid="mail-status"]')?.textContent?.trim()).toBe('Invite sent to bob@example.com');
    expect(el.querySelector('[data-testid="short-url"]')?.textContent?.trim()).toBe(SHORT);
  });

  it('with the outbox transport it says mail is not configured, with the same card', async () => {
    const { fixture, ctrl, el } = await render();
    byText(el, 'button', 'Email').click();
    await settle(fixture);
    type(el.querySelector('#invite-email') as HTMLInputElement, 'bob@example.com');
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    ctrl
      .expectOne(`/api/meshes/${MESH_ID}/invites`)
      .flush(invite({ email: 'bob@example.com', mail: { transport: 'outbox', status: 'stored', outboxId: 'o1' } }), { status: 201, statusText: 'Created' });
    await settle(fixture);
    expect(el.querySelector('[data-testid="mail-status"]')?.textContent?.trim()).toBe(
      'Mail delivery is not configured; the message is in the outbox',
    );
    expect(el.querySelector('[data-testid="invite-qr"]')).toBeTruthy();
  });

  it('passes out-of-range numbers to the server and shows its validation message verbatim', async () => {
    const { fixture, ctrl, el } = await render();
    byText(el, 'button', '▸ Advanced').click();
    await settle(fixture);
    type(el.querySelector('#invite-max-uses') as HTMLInputElement, '5000');
    await settle(fixture);
    (el.querySelector('form') as HTMLFormElement).dispatchEvent(new Event('submit'));
    const req = ctrl.expectOne(`/api/meshes/${MESH_ID}/invites`);
    expect(req.request.body.maxUses).toBe(5000);
    const msg = 'maxUses must be an integer from 1 to 1000';
    req.flush(
      { error: { code: 'validation_failed', message: msg, details: { fields: [{ field: 'maxUses', message: msg }] } }, statusCode: 400, timestamp: '', path: '', requestId: 'r' },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle(fixture);
    expect(el.querySelector('.field-error')?.textContent?.trim()).toBe(msg);
    expect((el.querySelector('#invite-max-uses') as HTMLElement).getAttribute('aria-invalid')).toBe('true');
  });
});
