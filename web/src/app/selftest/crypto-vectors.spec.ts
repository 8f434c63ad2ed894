/**
 * @jest-environment node
 */
// jsdom mixes two realms (Node's TextEncoder returns a Uint8Array that is not jsdom's), which libsodium's type checks refuse;
// the real-browser run of the same function is the Playwright check on /_selftest (e2e/src/web).
import { runCryptoVectors } from './crypto-vectors';

describe('crypto vectors through the web build config', () => {
  it('C-GEN-3: every protocol.md §11 and invites.md §10 vector matches (same module the /_selftest page runs)', async () => {
    const rows = await runCryptoVectors();
    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((r) => !r.ok)).toEqual([]);
  });
});
