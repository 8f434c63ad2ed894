import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PeerClient } from '@claudemesh/peer-sdk';
import { cryptoReady } from '@claudemesh/shared/crypto';
import { claimV2 } from '../support/mesh-fixture';
import { pageProblems } from './ui-checks';

export const SCREENSHOT_DIR = path.resolve(__dirname, '../../artifacts/screenshots');

/** The system Chromium, headless, with nothing that phones home. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // Let transitions and the live socket settle so screenshots show the final state.
  await page.waitForTimeout(150);
  // Full-page shots of a scrolled page paint the sticky header mid-page; shoot from the top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** The phone size every main page is also shot and checked at. */
export const MOBILE = { width: 375, height: 812 };
const DESKTOP = { width: 1280, height: 860 };

/**
 * Shoots the page at desktop size and at 375 px (`<name>-mobile`), and returns what pageProblems finds at each size
 * (unlabelled controls, low contrast, content wider than the viewport), prefixed with the size.
 */
export async function shotBoth(page: Page, name: string): Promise<string[]> {
  const size = page.viewportSize() ?? DESKTOP;
  const found = (await pageProblems(page)).map((p) => `${name} desktop: ${p}`);
  await shot(page, name);
  await page.setViewportSize(MOBILE);
  found.push(...(await pageProblems(page)).map((p) => `${name} 375px: ${p}`));
  await shot(page, `${name}-mobile`);
  await page.setViewportSize(size);
  return found;
}

/** Collects what the page would report as broken: uncaught errors, console errors, CSP violations, failed requests. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d|status of 503/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    // Navigations abort in-flight calls of the page being left; that is not a failure.
    if (!r.url().includes('/socket.io/') && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return problems;
}

/** The setup token the server prints at first start (operations.md §1). */
export function setupTokenFrom(stdout: string): string {
  const m = stdout.match(/setup=([0-9A-Za-z]{24})/) ?? stdout.match(/setup token[^0-9A-Za-z]*([0-9A-Za-z]{24})/i);
  if (!m) throw new Error(`no setup token in the server output:\n${stdout.slice(0, 4000)}`);
  return m[1];
}

/** A test peer: claims a v2 invite over REST like the CLI does, then connects with the peer SDK. */
export async function claimAndConnect(
  baseUrl: string,
  code: string,
  displayName: string,
): Promise<{ client: PeerClient; memberId: string; meshId: string }> {
  await cryptoReady();
  const claimed = await claimV2(baseUrl, code, displayName);
  const identity = claimed.keys;
  const body = claimed.claim;
  const client = new PeerClient({
    serverUrl: baseUrl,
    meshId: body.mesh_id,
    identity: { pubkey: identity.publicKey, secretKey: identity.secretKey },
    hello: { displayName: `${displayName}-session`, cwd: '/home/dev/billing-api' },
    reconnect: false,
  });
  await client.connect();
  return { client, memberId: body.member_id, meshId: body.mesh_id };
}

/** Moves an invite's expiry into the past, straight in the database (the API never allows it). */
export async function expireInvite(databaseUrl: string, code: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const r = await db.query(`UPDATE mesh.invite SET expires_at = date_trunc('second', now() - interval '1 minute') WHERE code = $1`, [code]);
    if (r.rowCount !== 1) throw new Error(`no invite with code ${code}`);
  } finally {
    await db.end();
  }
}

/** The code at the end of a short URL (…/i/<code>). */
export function codeOf(shortUrl: string): string {
  const m = shortUrl.match(/\/i\/([0-9A-Za-z]+)$/);
  if (!m) throw new Error(`not a short URL: ${shortUrl}`);
  return m[1];
}
