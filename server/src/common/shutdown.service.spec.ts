import { ShutdownService } from './shutdown.service';

function fakeRequest(svc: ShutdownService) {
  const listeners: Record<string, (() => void)[]> = {};
  const res = { on: (ev: string, fn: () => void) => (listeners[ev] ??= []).push(fn) };
  svc.trackRequests({} as never, res as never, () => undefined);
  return { finish: () => listeners.finish.forEach((f) => f()), close: () => listeners.close.forEach((f) => f()) };
}

describe('ShutdownService (operations.md §8)', () => {
  it('counts in-flight requests once each and resolves waitForIdle when the last one ends', async () => {
    const svc = new ShutdownService();
    const a = fakeRequest(svc);
    const b = fakeRequest(svc);
    expect(svc.inflightRequests).toBe(2);
    let idle = false;
    const waiting = svc.waitForIdle(10_000).then(() => (idle = true));
    a.finish();
    a.close();
    await Promise.resolve();
    expect(svc.inflightRequests).toBe(1);
    expect(idle).toBe(false);
    b.close();
    await waiting;
    expect(svc.inflightRequests).toBe(0);
  });

  it('waitForIdle gives up after the grace, and a second signal skips it', async () => {
    const svc = new ShutdownService();
    fakeRequest(svc);
    const t0 = Date.now();
    await svc.waitForIdle(100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    const waiting = svc.waitForIdle(60_000);
    svc.skipWaiting();
    await waiting;
    await svc.waitForIdle(60_000); // already skipped: immediate
  });

  it('runs every drain hook in order even when one fails, after begin() flags the shutdown', async () => {
    const svc = new ShutdownService();
    const calls: string[] = [];
    svc.onDrain(() => {
      calls.push(`a:${svc.isShuttingDown}`);
    });
    svc.onDrain(async () => {
      throw new Error('boom');
    });
    svc.onDrain(async () => {
      calls.push('c');
    });
    svc.begin();
    await svc.runDrainHooks();
    expect(calls).toEqual(['a:true', 'c']);
  });
});
