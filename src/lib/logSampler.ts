import { Bounded } from './bounded.js';

/** One log line per key and interval; the lines in between are counted and reported with the next one. */
export class LogSampler {
  private readonly seen = new Bounded<{ at: number; suppressed: number }>(1_000);

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Calls `write(suppressed)` when this key may log now. */
  sample(key: string, write: (suppressed: number) => void): void {
    const now = this.now();
    const s = this.seen.get(key);
    if (s && now - s.at < this.intervalMs) {
      s.suppressed++;
      return;
    }
    this.seen.set(key, { at: now, suppressed: 0 });
    write(s?.suppressed ?? 0);
  }
}
