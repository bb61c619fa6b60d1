/**
 * P2 baseline: the naive pipeline, one BullMQ job per reading and a trivial processor.
 * Adds `count` jobs in batches and waits until every one is processed; prints readings/s.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

export async function naivePipeline(redisUrl: string, count: number, batch = 1_000, concurrency = 50): Promise<number> {
  // BullMQ leaves the connections it is given open: both are closed here, or they would go on
  // retrying a Redis the bench stops later ("[ioredis] Unhandled error event: ECONNREFUSED").
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('naive', { connection, prefix: 'naive' });
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    'naive',
    async (job) => {
      const r = job.data as { stationId: string; rainfallMm: number };
      if (++done === count) finish();
      return r.rainfallMm;
    },
    { connection: workerConnection, prefix: 'naive', concurrency, removeOnComplete: { count: 0 } },
  );
  try {
    const started = performance.now();
    for (let i = 0; i < count; i += batch) {
      const jobs = Array.from({ length: Math.min(batch, count - i) }, (_, j) => ({
        name: 'reading',
        data: { stationId: `S${(i + j) % 2000}`, observedAt: new Date(Date.now() - (i + j) * 1000).toISOString(), rainfallMm: 0.5 },
        opts: { removeOnComplete: true },
      }));
      await queue.addBulk(jobs);
    }
    await finished;
    const seconds = (performance.now() - started) / 1000;
    await queue.obliterate({ force: true });
    return count / seconds;
  } finally {
    await worker.close();
    await queue.close();
    connection.disconnect();
    workerConnection.disconnect();
  }
}
