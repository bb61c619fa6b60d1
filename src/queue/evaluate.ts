import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import { evaluateDirty, markActiveDirty, type EngineContext } from '../evaluation/engine.js';
import { backOffOnStoreFaults } from './storeFault.js';

/**
 * The evaluation queue. Jobs carry no readings: readings and the dirty set are in Redis
 * the moment a POST is answered, and a job only wakes a worker to evaluate what is dirty.
 * - `kick`: sent after an ingest (coalesced per process, deduplicated in Redis);
 * - `sweep`: a job scheduler, the safety net for a lost wake-up;
 * - `refresh`: a job scheduler, re-evaluates stations with rain or a level so windows roll on.
 */
export const EVALUATE_QUEUE = 'evaluate';
export const KICK_DEDUP_ID = 'evaluate-kick';

export function createEvaluateQueue(connection: Redis, keys: Keys): Queue {
  return new Queue(EVALUATE_QUEUE, {
    connection,
    prefix: keys.bullPrefix(),
    defaultJobOptions: { removeOnComplete: 100, removeOnFail: 1_000, attempts: 5, backoff: { type: 'exponential', delay: 200 } },
  });
}

export async function ensureEvaluationSchedulers(queue: Queue, config: AppConfig): Promise<void> {
  const { sweepEvery, refreshEvery } = config.service.evaluation;
  await queue.upsertJobScheduler('evaluate-sweep', { every: sweepEvery }, { name: 'sweep', opts: { removeOnComplete: 10, removeOnFail: 100 } });
  await queue.upsertJobScheduler('evaluate-refresh', { every: refreshEvery }, { name: 'refresh', opts: { removeOnComplete: 10, removeOnFail: 100 } });
}

/**
 * Coalesces wake-ups: at most one `kick` add per `delayMs` per process, however many
 * requests arrive. An urgent one (a level at a threshold) goes at once, taking along any
 * wake-up still waiting: the alert must not wait out the coalescing window. A failed add is
 * only logged: the sweep picks the stations up.
 */
export class EvaluationKicker {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly queue: Queue,
    private readonly log: Logger,
    private readonly delayMs = 2,
  ) {}

  kick(opts: { urgent?: boolean } = {}): void {
    if (this.closed) return;
    if (opts.urgent) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.send();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.send();
    }, this.delayMs);
  }

  private send(): void {
    this.queue.add('kick', {}, { deduplication: { id: KICK_DEDUP_ID } }).catch((err: unknown) => {
      this.log.warn({ err }, 'evaluation wake-up not sent; the sweep will pick the readings up');
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * The evaluation worker: each job, whatever woke it, evaluates every dirty station it can claim and
 * recomputes their townships (which hands level changes to alerts.onLevelChanges).
 */
export function createEvaluateWorker(ctx: EngineContext, connection: Redis, concurrency: number): Worker {
  const worker = new Worker(
    EVALUATE_QUEUE,
    async (job: Job) => {
      // Once running, let the next ingest queue a fresh wake-up.
      if (job.name === 'kick') await job.removeDeduplicationKey();
      const refreshed = job.name === 'refresh' ? await markActiveDirty(ctx) : 0;
      const report = await evaluateDirty(ctx);
      return { refreshed, stations: report.stations, townships: report.townships, changes: report.changes.length };
    },
    { connection, prefix: ctx.keys.bullPrefix(), concurrency },
  );
  backOffOnStoreFaults(worker, ctx.log, 'evaluation worker');
  return worker;
}
