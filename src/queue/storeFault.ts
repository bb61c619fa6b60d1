import type { Worker } from 'bullmq';
import type { Logger } from 'pino';

/**
 * Faults of the data store, told truthfully. Redis out of memory (maxmemory with noeviction)
 * refuses every write; so does a Redis that is down. Both are the store's state, not a bug in
 * a request: HTTP answers 503 with a code saying which, and workers stop taking jobs for a
 * while (doubling, up to a minute) instead of failing thousands of them a second.
 */
export type StoreFault = 'store_full' | 'unavailable';

export function storeFault(err: unknown): StoreFault | null {
  const message = err instanceof Error ? err.message : String(err);
  if (/^OOM |OOM command not allowed/.test(message)) return 'store_full';
  if (/Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|Command timed out|max retries per request|READONLY|LOADING/i.test(message))
    return 'unavailable';
  return null;
}

/** Pauses `worker` on store faults, with a doubling backoff; one log line per pause, not per failure. */
export function backOffOnStoreFaults(worker: Worker, log: Logger, what: string, opts: { firstMs?: number; maxMs?: number } = {}): void {
  const first = opts.firstMs ?? 1_000;
  const max = opts.maxMs ?? 60_000;
  let delay = first;
  let pausedUntil = 0;
  let suppressed = 0;
  const onFault = (err: unknown) => {
    const fault = storeFault(err);
    if (!fault) return false;
    const now = Date.now();
    if (now < pausedUntil) {
      suppressed++;
      return true;
    }
    pausedUntil = now + delay;
    log.warn({ fault, what, pauseMs: delay, suppressed, err: (err as Error).message }, `${what}: the data store refuses work (${fault}); pausing`);
    suppressed = 0;
    const wait = delay;
    delay = Math.min(delay * 2, max);
    void worker.pause(true).catch(() => undefined);
    setTimeout(() => {
      if (worker.closing) return;
      worker.resume();
    }, wait).unref();
    return true;
  };
  worker.on('completed', () => {
    delay = first; // healthy again: the next fault starts the backoff afresh
  });
  worker.on('error', (err) => {
    if (!onFault(err)) log.error({ err }, `${what} error`);
  });
  worker.on('failed', (job, err) => {
    if (!onFault(err) && job?.name !== 'deliver' && job?.name !== 'notice') log.error({ err, jobId: job?.id, job: job?.name }, `${what} job failed`);
  });
}
