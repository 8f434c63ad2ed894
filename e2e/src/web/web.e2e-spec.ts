import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PeerClient } from '@claudemesh/peer-sdk';

import { startServerProcess } from '../support/server-process';
import { claimAndConnect, codeOf, expireInvite, launchBrowser, setupTokenFrom, shot, watchPage } from './web-helpers';
import { toolsAvailable } from '@claudemesh/database';

/**
 * Issue 6, walked in real headless Chromium against a real server process (server/dist/main.js), real PostgreSQL and a real
 * peer (the CLI's SDK). Screenshots of every page go to e2e/artifacts/screenshots/.
 */
type Server = Awaited<ReturnType<typeof startServerProcess>>;

(toolsAvailable('web browser e2e', [process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium']) ? describe : describe.skip)('web SPA in a real browser (issue 6)', () => {
  let server: Server;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  let problems: string[];
  const peers: PeerClient[] = [];
  const state = { meshId: '', firstUrl: '', revokeUrl: '' };
  const email = 'dana@example.com';
  const password = 'correct horse battery';

  beforeAll(async () => {
    server = await startServerProcess({ MAIL_TRANSPORT: 'outbox' });
    browser = await launchBrowser();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    page = await ctx.newPage();
    page.on('dialog', (d) => void d.accept());
    problems = watchPage(page);
  });

  afterAll(async () => {
    for (const p of peers) await p.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  const url = (p: string) => `${server.baseUrl}${p}`;
  const testId = (id: string) => page.locator(`[data-testid="${id}"]`);

  it('C-OPS-1: the home page renders the SPA and shows /health/ready', async () => {
    await page.goto(url('/'));
    await page.getByText('Let your Claude Code sessions talk to each other').waitFor();
    await testId('readiness').getByText('Ready').waitFor();
    await shot(page, '01-home');
  });

  it('C-GEN-3: the shared crypto helpers reproduce every protocol.md §11 and invites.md §10 vector in Chromium', async () => {
    await page.goto(url('/_selftest'));
    const summary = testId('selftest-summary');
    await summary.waitFor({ timeout: 20_000 });
    const total = Number(await summary.getAttribute('data-total'));
    expect(total).toBeGreaterThanOrEqual(20);
    expect(Number(await summary.getAttribute('data-passed'))).toBe(total);
    expect(await page.locator('tr[data-ok="false"]').count()).toBe(0);
    await shot(page, '02-selftest');
  });

  it('step 1: signs up with the setup token from the server output, lands on an empty mesh list, creates "platform"', async () => {
    const token = setupTokenFrom(server.stdout());
    await page.goto(url(`/signup?setup=${token}`));
    await page.getByRole('heading', { name: 'Set up this server' }).waitFor();
    expect(await page.getByLabel('Setup token').inputValue()).toBe(token);
    await page.getByLabel('Your name').fill('Dana Ops');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await shot(page, '03-signup');
    await page.getByRole('button', { name: 'Create the admin account' }).click();
    await page.waitForURL(/\/meshes$/);
    await testId('meshes-empty').waitFor();
    await shot(page, '04-meshes-empty');

    await page.getByRole('link', { name: 'New mesh' }).click();
    await page.waitForURL(/\/meshes\/new$/);
    expect(await page.locator('input').count()).toBe(1); // a name only, no slug field
    await page.getByLabel('Mesh name').fill('platform');
    await shot(page, '05-mesh-new');
    await page.getByRole('button', { name: 'Create mesh' }).click();
    await page.waitForURL(/\/meshes\/[0-9A-Za-z]{32}\/invite$/);
    state.meshId = page.url().match(/meshes\/([0-9A-Za-z]{32})\/invite/)![1];
  });

  it('step 2: generates an invite, opens its short URL and sees the consent page with role and inviter', async () => {
    await page.getByRole('heading', { name: 'Invite people to platform' }).waitFor();
    const toggle = page.getByRole('group', { name: 'How to send the invite' });
    expect(await toggle.getByRole('button', { name: 'Link' }).getAttribute('aria-pressed')).toBe('true');
    const advanced = page.getByRole('button', { name: 'Advanced' });
    expect(await advanced.getAttribute('aria-expanded')).toBe('false');
    expect(await testId('invite-summary').innerText()).toBe('One-time invite for a member, valid 7 days');
    await shot(page, '06-invite-generator');
    await advanced.click();
    await page.getByLabel('Max uses').waitFor();
    await shot(page, '07-invite-generator-advanced');
    await advanced.click();

    await page.getByRole('button', { name: 'Create invite link' }).click();
    await testId('invite-result').waitFor();
    state.firstUrl = (await testId('short-url').innerText()).trim();
    expect(state.firstUrl).toMatch(new RegExp(`^${server.baseUrl}/i/[0-9A-Za-z]+$`));
    expect((await testId('cli-command').innerText()).trim()).toContain(state.firstUrl);
    expect(await page.getByRole('img', { name: `QR code for ${state.firstUrl}` }).count()).toBe(1);
    await shot(page, '08-invite-result');

    const landing = await ctx.newPage();
    const landingProblems = watchPage(landing);
    await landing.goto(state.firstUrl);
    await landing.waitForURL(/\/join\/[0-9A-Za-z]+$/);
    await landing.locator('[data-testid="landing-valid"]').waitFor();
    expect(await landing.locator('[data-testid="landing-mesh"]').innerText()).toBe('platform');
    expect(await landing.locator('[data-testid="landing-inviter"]').innerText()).toBe('Invited by Dana Ops');
    expect(await landing.locator('[data-testid="landing-role"]').innerText()).toContain("You'll join as Member");
    expect(await landing.locator('[data-testid="landing-uses"]').innerText()).toBe('1 of 1 uses remaining');
    expect(await landing.locator('[data-testid="landing-counts"]').innerText()).toBe('0 members · 0 online');
    await shot(landing, '09-join-landing');
    await landing.getByRole('button', { name: 'Join platform as Member' }).click();
    expect((await landing.locator('[data-testid="landing-cli"]').innerText()).trim()).toBe(`claudemesh join ${state.firstUrl}`);
    await shot(landing, '10-join-landing-command');
    await landing.setViewportSize({ width: 390, height: 844 });
    await shot(landing, '11-join-landing-mobile');
    expect(landingProblems).toEqual([]);
    await landing.close();
  });

  it('steps 3–4: a test peer claims and connects, and the mesh page shows it online without a reload', async () => {
    await page.goto(url(`/meshes/${state.meshId}`));
    await testId('live-state').getByText('Live').waitFor();
    await testId('members-table').waitFor();
    await shot(page, '12-mesh-before-peer');
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    const peer = await claimAndConnect(server.baseUrl, codeOf(state.firstUrl), 'bob');
    peers.push(peer.client);
    const started = Date.now();
    const row = page.locator('tr[data-member="bob"][data-online="true"]');
    await row.waitFor({ timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await row.getByText('bob-session').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await page.locator('[data-testid="count-online"]', { hasText: '1' }).waitFor({ timeout: 2_000 });

    // A status change also arrives live.
    await peer.client.setStatus('working');
    await row.locator('.badge', { hasText: 'working' }).waitFor({ timeout: 2_000 });
    // The owner is listed first.
    expect(await page.locator('[data-testid="members-table"] tbody tr').first().getAttribute('data-member')).toBe('Dana Ops');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await testId('audit-verify').getByText('Chain intact').waitFor();
    await shot(page, '13-mesh-peer-online');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  });

  it('step 4: when the peer disconnects, the mesh page shows it offline within 2 s without a reload', async () => {
    const peer = peers.pop() as PeerClient;
    await peer.close();
    const started = Date.now();
    await page.locator('tr[data-member="bob"][data-online="false"]').waitFor({ timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await shot(page, '13b-mesh-peer-offline');
  });

  it('step 5: revoking an invite from the mesh page makes its link show the revoked state', async () => {
    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('button', { name: 'Create invite link' }).click();
    state.revokeUrl = (await testId('short-url').innerText()).trim();
    const code = codeOf(state.revokeUrl);

    await page.goto(url(`/meshes/${state.meshId}`));
    const row = page.locator(`tr[data-invite-code="${code}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Invite revoked').waitFor();
    await page.locator(`tr[data-invite-code="${code}"]`).waitFor({ state: 'detached' });

    await page.goto(state.revokeUrl);
    await testId('landing-problem').waitFor();
    expect(await testId('landing-title').innerText()).toBe('This invite was revoked');
    expect(await testId('landing-detail').innerText()).toMatch(/^Revoked on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);
    expect(await page.getByRole('button', { name: /^Join / }).count()).toBe(0);
    await shot(page, '14-join-revoked');
  });

  it('step 6: an expired and an exhausted invite each show their own state', async () => {
    // The first invite (1 use) was claimed by the peer: exhausted.
    await page.goto(state.firstUrl);
    await testId('landing-problem').waitFor();
    expect(await testId('landing-title').innerText()).toBe('This invite has been used up');
    expect(await testId('landing-detail').innerText()).toBe('All 1 uses were redeemed');
    await shot(page, '15-join-exhausted');

    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const expiredUrl = (await testId('short-url').innerText()).trim();
    await expireInvite(server.databaseUrl, codeOf(expiredUrl));
    await page.goto(expiredUrl);
    await testId('landing-problem').waitFor();
    expect(await testId('landing-title').innerText()).toBe('This invite has expired');
    expect(await testId('landing-detail').innerText()).toMatch(/^Expired on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);
    await shot(page, '16-join-expired');

    await page.goto(url('/join/nonexistent'));
    await testId('landing-problem').waitFor();
    expect(await testId('landing-title').innerText()).toBe('No invite matches this link');
    expect(await testId('landing-detail').innerText()).toBe('It may have been mistyped');
    await shot(page, '17-join-not-found');

    await page.goto(url('/join/ab%24'));
    await testId('landing-problem').waitFor();
    expect(await testId('landing-title').innerText()).toBe('This link is incomplete');
    expect(await testId('landing-detail').innerText()).toBe('Check that you copied the whole link');
    await shot(page, '18-join-malformed');
  });

  it('step 7: a server validation error is shown verbatim', async () => {
    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('button', { name: 'Advanced' }).click();
    await page.getByLabel('Max uses').fill('5000');
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/meshes/${state.meshId}/invites`) && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create invite link' }).click(),
    ]);
    expect(response.status()).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    const toast = testId('toast').filter({ hasText: body.error.message });
    await toast.waitFor();
    expect((await toast.locator('.toast-text').innerText()).trim()).toBe(body.error.message);
    await shot(page, '19-validation-error');
  });

  it('email mode: without a mail transport the result says the message is in the outbox, and /admin lists it', async () => {
    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('group', { name: 'How to send the invite' }).getByRole('button', { name: 'Email' }).click();
    await page.getByLabel('Email address').fill('carol@example.com');
    await page.getByRole('button', { name: 'Send invite' }).click();
    await testId('invite-result').waitFor();
    expect((await testId('mail-status').innerText()).trim()).toBe('Mail delivery is not configured; the message is in the outbox');
    expect(await testId('short-url').innerText()).toMatch(/\/i\/[0-9A-Za-z]+$/);
    await shot(page, '19b-invite-email-outbox');
    await page.goto(url('/admin'));
    await testId('outbox-table').getByText('carol@example.com').waitFor();
  });

  it('the mesh list shows the mesh newest first with its role badge and counts', async () => {
    await page.goto(url('/meshes'));
    const card = testId('mesh-list').locator('a', { hasText: 'platform' });
    await card.waitFor();
    expect(await card.innerText()).toContain('Owner');
    expect(await card.innerText()).toContain('1 member');
    await shot(page, '20-meshes');
    await page.getByRole('button', { name: 'Archived' }).click();
    await testId('meshes-empty').waitFor();
  });

  it('settings/tokens creates a token shown once, lists and revokes it', async () => {
    await page.goto(url('/settings/tokens'));
    await page.getByLabel('Name').fill('laptop CLI');
    await page.getByRole('button', { name: 'Create token' }).click();
    const value = (await testId('token-value').innerText()).trim();
    expect(value).toMatch(/^cmpat_[0-9A-Za-z]{40}$/);
    await testId('tokens-table').getByText('laptop CLI').waitFor();
    await shot(page, '21-tokens');
    await page.reload();
    await testId('tokens-table').waitFor();
    expect(await page.getByText(value).count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke laptop CLI' }).click();
    await page.getByText('You have no tokens.').waitFor();
  });

  it('admin shows accounts and the mail outbox', async () => {
    await page.goto(url('/admin'));
    await testId('accounts-table').getByText(email).waitFor();
    await page.getByRole('heading', { name: 'Mail outbox' }).waitFor();
    await shot(page, '22-admin');
  });

  it('sign out, then /login, the closed sign-up page, and a 401 redirect with ?next=', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(url(`/meshes/${state.meshId}`));
    await page.waitForURL(new RegExp(`/login\\?next=%2Fmeshes%2F${state.meshId}$`));
    await shot(page, '23-login');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await testId('toast').waitFor();
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(new RegExp(`/meshes/${state.meshId}$`));

    const anon = await browser.newPage();
    await anon.goto(url('/signup'));
    await anon.locator('[data-testid="signup-closed"]').getByText('Sign-up is closed').waitFor();
    await shot(anon, '24-signup-closed');
    await anon.close();
    expect(problems).toEqual([]);
  });
});
