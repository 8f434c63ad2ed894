import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher (group commit)', () => {
  it('batches items submitted while the flush slots are busy, keeps order and per-item results', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items.map((i) => i * 10);
      },
      { maxItems: 3, maxConcurrent: 1 },
    );
    const first = b.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4, 5].map((i) => b.submit(i));
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('rejects every item of a failed flush and keeps working', async () => {
    let fail = true;
    const b = new MicroBatcher<number, number>(
      async (items) => {
        if (fail) throw new Error('db down');
        return items;
      },
      { maxItems: 10, maxConcurrent: 2 },
    );
    await expect(b.submit(1)).rejects.toThrow('db down');
    fail = false;
    await expect(b.submit(2)).resolves.toBe(2);
  });

  it('with lingerMs, waits briefly while another flush is in flight so later items share one batch; idle load goes at once', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = new MicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await gate;
        return items;
      },
      { maxItems: 10, maxConcurrent: 2, lingerMs: 20 },
    );
    const first = b.submit(1); // no flush in flight: goes on the next turn
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1]]);
    const second = b.submit(2); // a free slot, but a flush in flight: lingers
    await new Promise((r) => setTimeout(r, 5));
    const third = b.submit(3);
    expect(batches).toEqual([[1]]);
    await Promise.all([second, third]);
    expect(batches).toEqual([[1], [2, 3]]);
    release();
    await first;
  });
});
