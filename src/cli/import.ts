/**
 * npm run import -- FILE [FILE…]
 * Upserts townships, stations, people, assignments and shifts from YAML or JSON files
 * into the Redis at REDIS_URL. All or nothing per file; problems are listed with their
 * path and line.
 */
import { existsSync } from 'node:fs';
import { startup } from './startup.js';
import { describeIssues } from '../lib/issues.js';
import { importDatasetFile } from '../reference/file.js';
import { createRedis, waitReady } from '../store/redis.js';
import { withScripts } from '../store/scripts.js';
import { ReferenceStore } from '../reference/store.js';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: npm run import -- FILE [FILE…]   (YAML or JSON dataset; see README "Reference data")');
  process.exit(2);
}
const { config, redisUrl, keys } = startup('fangxun import');
void config;
// Only the reference store: an import needs no secrets, workers or queues.
const redis = withScripts(createRedis(redisUrl, 'api'));
await waitReady(redis).catch((err: unknown) => {
  console.error(`Cannot reach Redis at ${redisUrl}: ${(err as Error).message}. Start the service (npm start) or set REDIS_URL.`);
  process.exit(1);
});
const reference = new ReferenceStore(redis, keys);
let failed = false;
for (const file of files) {
  if (!existsSync(file)) {
    console.error(`${file}: no such file`);
    failed = true;
    continue;
  }
  const result = await importDatasetFile(reference, file);
  if (!result.ok) {
    failed = true;
    console.error(`${file}: nothing imported, ${result.issues.length} problem(s):\n  ${describeIssues(result.issues, '\n  ')}`);
    continue;
  }
  const summary = Object.entries(result.counts)
    .map(([c, n]) => `${c} +${n.created} ~${n.updated} =${n.unchanged}`)
    .join(', ');
  console.log(`${file}: imported (${summary}); ${result.dirtyStations} station(s) queued for evaluation`);
}
redis.disconnect();
process.exit(failed ? 1 : 0);
