/**
 * Group commit for hot statements (protocol.md §6 item 15): items submitted while every flush slot is busy are
 * flushed together in one statement. With a free slot an item goes out on the next turn of the event loop,
 * so light load adds no latency and heavy load makes bigger batches instead of more round trips.
 */
export class MicroBatcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inflight = 0;
  private scheduled = false;

  constructor(
    private readonly flushFn: (items: I[]) => Promise<O[]>,
    private readonly opts: { maxItems: number; maxConcurrent: number; lingerMs?: number },
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inflight >= this.opts.maxConcurrent || this.queue.length === 0) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      this.flush();
    };
    // Another flush in flight means load: wait a moment so this one carries more items (fewer commits per message).
    if (this.opts.lingerMs && this.inflight > 0 && this.queue.length < this.opts.maxItems) setTimeout(run, this.opts.lingerMs);
    else setImmediate(run);
  }

  private flush(): void {
    while (this.inflight < this.opts.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxItems);
      this.inflight++;
      this.flushFn(batch.map((b) => b.item))
        .then(
          (out) => batch.forEach((b, i) => b.resolve(out[i])),
          (e) => batch.forEach((b) => b.reject(e)),
        )
        .finally(() => {
          this.inflight--;
          this.schedule();
        });
    }
  }
}
