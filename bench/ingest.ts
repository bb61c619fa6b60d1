/**
 * Ingest throughput against the running service (child process, real Redis):
 * single-reading POSTs and 100-reading batches, with autocannon.
 *   npx tsx bench/ingest.ts [--quick]
 */
import { api, benchDataset, fmt, postLoad, readingSequence, startBenchService } from './lib.js';

const quick = process.argv.includes('--quick');
const duration = quick ? 5 : 10;
const STATIONS = 2_000;

const env = await startBenchService();
try {
  await api(env, 'POST', '/v1/admin/import', benchDataset(STATIONS));
  const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
  // Each request a new (station, observedAt): no duplicates, as in a storm.
  const next = readingSequence(STATIONS);
  const run = (name: string, connections: number, body: () => unknown) =>
    postLoad(`${env.url}/v1/readings`, key, { seconds: duration, connections, body }).then((r) => ({ name, r }));

  const single = await run('single', 50, next);
  const BATCH = 100;
  const batch = await run('batch', 10, () => ({ readings: Array.from({ length: BATCH }, next) }));
  for (const { name, r } of [single, batch]) {
    const per = name === 'batch' ? BATCH : 1;
    console.log(
      `${name.padEnd(7)} ${fmt(r.requests.average)} req/s  ${fmt(r.requests.average * per)} readings/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
    );
  }
} finally {
  await env.stop();
}
