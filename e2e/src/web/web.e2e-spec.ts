import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import type { PeerClient } from '@claudemesh/peer-sdk';

import { startServerProcess } from '../support/server-process';
import { claimAndConnect, codeOf, expireInvite, launchBrowser, setupTokenFrom, shot, shotBoth, watchPage } from './web-helpers';
import { focusProblems } from './ui-checks';
import { toolsAvailable } from '@claudemesh/database';

/**
 * Issue 6, walked in real headless Chromium against a real server process (server/dist/main.js), real PostgreSQL and a real
 * peer (the CLI's SDK). Screenshots of every page go to e2e/artifacts/screenshots/, the main pages also at 375 px
 * (`-mobile`); at both sizes every page is checked for unlabelled controls, text below WCAG AA contrast and sideways
 * overflow. The invitee opens links in a separate browser context with no account, as a real invitee would.
 */
type Server = Awaited<ReturnType<typeof startServerProcess>>;

(toolsAvailable('web browser e2e', [process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium']) ? describe : describe.skip)('web SPA in a real browser (issue 6)', () => {
  let server: Server;
  let browser: Browser;
  let ctx: BrowserContext;
  let page: Page;
  /** The invitee: a browser with no account. */
  let guest: Page;
  let problems: string[];
  let guestProblems: string[];
  /** What shotBoth found on the pages (must stay empty). */
  const uiProblems: string[] = [];
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
    const guestCtx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US' });
    guest = await guestCtx.newPage();
    guestProblems = watchPage(guest);
  });

  afterAll(async () => {
    for (const p of peers) await p.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  const url = (p: string) => `${server.baseUrl}${p}`;
  const testId = (id: string) => page.locator(`[data-testid="${id}"]`);
  const guestId = (id: string) => guest.locator(`[data-testid="${id}"]`);
  const check = async (p: Page, name: string) => uiProblems.push(...(await shotBoth(p, name)));

  it('C-OPS-1: the home page renders the SPA and shows /health/ready', async () => {
    await page.goto(url('/'));
    await page.getByText('Let your Claude Code sessions talk to each other').waitFor();
    await testId('readiness').getByText('Ready').waitFor();
    await check(page, '01-home');
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
    await check(page, '03-signup');
    await page.getByRole('button', { name: 'Create the admin account' }).click();
    await page.waitForURL(/\/meshes$/);
    await testId('meshes-empty').waitFor();
    await check(page, '04-meshes-empty');

    await page.getByRole('link', { name: 'New mesh' }).click();
    await page.waitForURL(/\/meshes\/new$/);
    expect(await page.locator('input').count()).toBe(1); // a name only, no slug field
    await page.getByLabel('Mesh name').fill('platform');
    await check(page, '05-mesh-new');
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
    await check(page, '06-invite-generator');
    expect(await focusProblems(page)).toEqual([]);
    await advanced.click();
    await page.getByLabel('Max uses').waitFor();
    expect(await testId('invite-format').innerText()).toContain('signed v2 invite (the default)');
    await check(page, '07-invite-generator-advanced');
    await advanced.click();

    await page.getByRole('button', { name: 'Create invite link' }).click();
    await testId('invite-result').waitFor();
    state.firstUrl = (await testId('short-url').innerText()).trim();
    expect(state.firstUrl).toMatch(new RegExp(`^${server.baseUrl}/i/[0-9A-Za-z]+$`));
    expect((await testId('cli-command').innerText()).trim()).toContain(state.firstUrl);
    expect(await page.getByRole('img', { name: `QR code for ${state.firstUrl}` }).count()).toBe(1);
    await check(page, '08-invite-result');

    const landing = guest;
    await landing.goto(state.firstUrl);
    await landing.waitForURL(/\/join\/[0-9A-Za-z]+$/);
    await landing.locator('[data-testid="landing-valid"]').waitFor();
    expect(await landing.locator('[data-testid="landing-mesh"]').innerText()).toBe('platform');
    expect(await landing.locator('[data-testid="landing-inviter"]').innerText()).toBe('Invited by Dana Ops');
    expect(await landing.locator('[data-testid="landing-role"]').innerText()).toContain("You'll join as Member");
    expect(await landing.locator('[data-testid="landing-uses"]').innerText()).toBe('1 of 1 uses remaining');
    // counts.members counts peer identities (invites.md §8); the owner's web account is none, so a new mesh has 0,
    // and the page says so instead of leaving "0 members" next to an inviter who plainly exists.
    expect(await landing.locator('[data-testid="landing-counts"]').innerText()).toBe('0 members · 0 online');
    expect(await landing.locator('[data-testid="landing-counts-note"]').innerText()).toBe(
      'No Claude Code session has joined yet: you would be the first member.',
    );
    expect(await landing.getByText('Meshes', { exact: true }).count()).toBe(0); // no admin navigation for an invitee
    await check(landing, '09-join-landing');
    expect(await focusProblems(landing)).toEqual([]);
    await landing.getByRole('button', { name: 'Join platform as Member' }).click();
    expect((await landing.locator('[data-testid="landing-cli"]').innerText()).trim()).toBe(`claudemesh join ${state.firstUrl}`);
    // Focus moves to the command that appeared.
    await landing.waitForFunction(() => document.activeElement?.id === 'reveal-title', undefined, { timeout: 2_000 });
    await check(landing, '10-join-landing-command');
    await landing.setViewportSize({ width: 390, height: 844 });
    await shot(landing, '11-join-landing-mobile');
    await landing.setViewportSize({ width: 1280, height: 860 });
  });

  it('steps 3–4: a test peer claims and connects, and the mesh page shows it online without a reload', async () => {
    await page.goto(url(`/meshes/${state.meshId}`));
    await testId('live-state').getByText('Live').waitFor();
    await testId('members-table').waitFor();
    // The owner is listed, and said not to be counted, next to a count of 0 members: the same numbers as the landing.
    expect(await testId('count-members').innerText()).toBe('0');
    expect((await testId('members-counts').innerText()).trim()).toBe('0 members · 0 online');
    expect(await page.locator('tr[data-member="Dana Ops"]').innerText()).toContain('not counted until one of their sessions joins');
    await check(page, '12-mesh-before-peer');
    expect(await focusProblems(page)).toEqual([]);
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

    expect((await testId('members-counts').innerText()).trim()).toBe('1 member · 1 online');
    // Audit entries read as sentences, with the contract's type underneath.
    const joined = page.locator('tr[data-audit-type="member.joined"]');
    await joined.waitFor();
    expect(await joined.innerText()).toContain('Joined the mesh');
    expect(await joined.innerText()).toContain('bob');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await testId('audit-verify').getByText('Chain intact').waitFor();
    await check(page, '13-mesh-peer-online');
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  });

  it('step 4: when the peer disconnects, the mesh page shows it offline within 2 s without a reload', async () => {
    const peer = peers.pop() as PeerClient;
    await peer.close();
    const started = Date.now();
    await page.locator('tr[data-member="bob"][data-online="false"]').waitFor({ timeout: 2_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
    await check(page, '13b-mesh-peer-offline');
  });

  it('step 5: revoking an invite from the mesh page makes its link show the revoked state', async () => {
    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('button', { name: 'Create invite link' }).click();
    state.revokeUrl = (await testId('short-url').innerText()).trim();
    const code = codeOf(state.revokeUrl);

    // The landing and the mesh page give the same counts: bob is a member, and offline since step 4.
    await guest.goto(state.revokeUrl);
    await guestId('landing-valid').waitFor();
    expect(await guestId('landing-counts').innerText()).toBe('1 member · 0 online');
    expect(await guestId('landing-counts-note').count()).toBe(0);

    await page.goto(url(`/meshes/${state.meshId}`));
    await testId('members-table').waitFor();
    await page.locator('[data-testid="members-counts"]', { hasText: '1 member · 0 online' }).waitFor();
    const row = page.locator(`tr[data-invite-code="${code}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Invite revoked').waitFor();
    await page.locator(`tr[data-invite-code="${code}"]`).waitFor({ state: 'detached' });

    await guest.goto(state.revokeUrl);
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('This invite was revoked');
    expect(await guestId('landing-detail').innerText()).toMatch(/^Revoked on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);
    expect(await guest.getByRole('button', { name: /^Join / }).count()).toBe(0);
    await check(guest, '14-join-revoked');
  });

  it('step 6: an expired and an exhausted invite each show their own state', async () => {
    // The first invite (1 use) was claimed by the peer: exhausted.
    await guest.goto(state.firstUrl);
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('This invite has been used up');
    expect(await guestId('landing-detail').innerText()).toBe('All 1 uses were redeemed');
    await check(guest, '15-join-exhausted');

    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const expiredUrl = (await testId('short-url').innerText()).trim();
    await expireInvite(server.databaseUrl, codeOf(expiredUrl));
    await guest.goto(expiredUrl);
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('This invite has expired');
    expect(await guestId('landing-detail').innerText()).toMatch(/^Expired on [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);
    await check(guest, '16-join-expired');

    await guest.goto(url('/join/nonexistent'));
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('No invite matches this link');
    expect(await guestId('landing-detail').innerText()).toBe('It may have been mistyped');
    await check(guest, '17-join-not-found');

    await guest.goto(url('/join/ab%24'));
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('This link is incomplete');
    expect(await guestId('landing-detail').innerText()).toBe('Check that you copied the whole link');
    await check(guest, '18-join-malformed');

    // A well-formed v1 token whose signature does not verify: the signature is checked before the lookup (invites.md §3.3).
    const hex = (bytes: number) => randomBytes(bytes).toString('hex');
    const forged = {
      v: 1,
      mesh_id: randomBytes(48).toString('base64').replace(/[^0-9A-Za-z]/g, '').slice(0, 32),
      mesh_slug: 'platform',
      broker_url: `${server.baseUrl.replace(/^http/, 'ws')}/peer`,
      expires_at: Math.floor(Date.now() / 1000) + 86_400,
      mesh_root_key: randomBytes(32).toString('base64url'),
      role: 'admin',
      owner_pubkey: hex(32),
      signature: hex(64),
    };
    await guest.goto(url(`/join/${Buffer.from(JSON.stringify(forged)).toString('base64url')}`));
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-problem').getAttribute('data-state')).toBe('invite_bad_signature');
    expect(await guestId('landing-title').innerText()).toBe('This invite is not genuine');
    expect(await guestId('landing-detail').innerText()).toBe('Ask for a fresh link through a channel you trust');
    expect(await guest.locator('[data-testid="landing-join"]').count()).toBe(0);
    await check(guest, '18c-join-not-genuine');
  });

  it('archive: the owner archives a mesh from its page, which becomes read-only, and its invite shows the archived state', async () => {
    await page.goto(url('/meshes/new'));
    await page.getByLabel('Mesh name').fill('legacy-tools');
    await page.getByRole('button', { name: 'Create mesh' }).click();
    await page.waitForURL(/\/invite$/);
    const legacyId = page.url().match(/meshes\/([0-9A-Za-z]{32})\/invite/)![1];
    await page.getByRole('button', { name: 'Create invite link' }).click();
    const inviteUrl = (await testId('short-url').innerText()).trim();

    await page.goto(url(`/meshes/${legacyId}`));
    await page.getByRole('button', { name: 'Archive' }).click(); // the confirm dialog is accepted
    await page.getByText('This mesh was archived on').waitFor();
    expect(await page.getByRole('link', { name: 'Invite people' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Settings' }).count()).toBe(0);
    await check(page, '18c-mesh-archived');

    await guest.goto(inviteUrl);
    await guestId('landing-problem').waitFor();
    expect(await guestId('landing-title').innerText()).toBe('This mesh is no longer active');
    expect(await guestId('landing-detail').innerText()).toBe('legacy-tools was archived');
    expect(await guest.getByRole('button', { name: /^Join / }).count()).toBe(0);
    await check(guest, '18b-join-archived');

    await page.goto(url(`/meshes/${legacyId}/invite`));
    await testId('invite-blocked').getByText('legacy-tools is archived').waitFor();
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
    // The field's own message is the server's, under the field, and tied to it for screen readers.
    const fieldMessage = body.error.message;
    expect((await testId('error-maxUses').innerText()).trim()).toBe(fieldMessage);
    expect(await page.getByLabel('Max uses').getAttribute('aria-invalid')).toBe('true');
    await shot(page, '19-validation-error');
  });

  it('email mode: without a mail transport the result says the message is in the outbox, and /admin lists it', async () => {
    await page.goto(url(`/meshes/${state.meshId}/invite`));
    await page.getByRole('group', { name: 'How to send the invite' }).getByRole('button', { name: 'Email' }).click();
    await page.getByLabel('Email address').fill('carol@example.com');
    expect(await page.getByRole('button', { name: 'Send invite' }).count()).toBe(1);
    await check(page, '19a-invite-email-mode');
    await page.getByRole('button', { name: 'Send invite' }).click();
    await testId('invite-result').waitFor();
    expect((await testId('mail-status').innerText()).trim()).toBe('Mail delivery is not configured; the message is in the outbox');
    expect(await testId('short-url').innerText()).toMatch(/\/i\/[0-9A-Za-z]+$/);
    await check(page, '19b-invite-email-outbox');
    await page.goto(url('/admin'));
    await testId('outbox-table').getByText('carol@example.com').waitFor();
  });

  it('the mesh list shows meshes newest first with role badges and counts, a loading state, and the archived filter', async () => {
    await page.goto(url('/meshes/new'));
    await page.getByLabel('Mesh name').fill('ops');
    await page.getByRole('button', { name: 'Create mesh' }).click();
    await page.waitForURL(/\/invite$/);

    // Hold the next list request back for a moment to see the loading state.
    const isList = (u: URL) => u.pathname === '/api/meshes';
    const slow = async (route: Route) => {
      await new Promise((r) => setTimeout(r, 1_500));
      await route.continue().catch(() => undefined);
    };
    await page.route(isList, slow, { times: 1 });
    await page.goto(url('/meshes'));
    await testId('meshes-loading').waitFor();
    expect(await testId('meshes-loading').getAttribute('aria-busy')).toBe('true');
    await shot(page, '20a-meshes-loading');

    const list = testId('mesh-list');
    await list.waitFor();
    expect(await list.locator('h2').allInnerTexts()).toEqual(['ops', 'platform']);
    expect(await testId('meshes-count').innerText()).toBe('2 meshes · newest first');
    const card = list.locator('a', { hasText: 'platform' });
    expect(await card.innerText()).toContain('Owner');
    expect(await card.innerText()).toContain('1 member');
    await check(page, '20-meshes');
    expect(await focusProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Archived' }).click();
    const archivedCard = list.locator('a', { hasText: 'legacy-tools' });
    await archivedCard.waitFor();
    expect(await list.locator('h2').allInnerTexts()).toEqual(['legacy-tools']);
    expect((await archivedCard.locator('.created').innerText()).trim()).toMatch(/^Archived [A-Z][a-z]{2} \d{1,2}, \d{4}$/);
  });

  it('settings/tokens creates a token shown once, lists and revokes it', async () => {
    await page.goto(url('/settings/tokens'));
    await page.getByLabel('Name').fill('laptop CLI');
    await page.getByRole('button', { name: 'Create token' }).click();
    const value = (await testId('token-value').innerText()).trim();
    expect(value).toMatch(/^cmpat_[0-9A-Za-z]{40}$/);
    await testId('tokens-table').getByText('laptop CLI').waitFor();
    await check(page, '21-tokens');
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
    await check(page, '22-admin');
  });

  it('sign out, then /login, the closed sign-up page, and a 401 redirect with ?next=', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(url(`/meshes/${state.meshId}`));
    await page.waitForURL(new RegExp(`/login\\?next=%2Fmeshes%2F${state.meshId}$`));
    await check(page, '23-login');
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
    await check(anon, '24-signup-closed');
    await anon.close();
    expect(problems).toEqual([]);
    expect(guestProblems).toEqual([]);
    expect(uiProblems).toEqual([]);
  });
});
