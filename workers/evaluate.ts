import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { EVALUATE_QUEUE } from '../src/queue/evaluate.js';
import { evaluateDirty, markActiveDirty, type EngineContext } from '../src/evaluation/engine.js';
import { backOffOnStoreFaults } from '../src/queue/storeFault.js';

/**
 * The evaluation worker: each job, whatever woke it, evaluates every dirty station it
 * can claim and recomputes their townships.
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
