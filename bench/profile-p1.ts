/**
 * Where P1's time goes: runs the P1 load (single-reading POSTs, c=50) against the service
 * started with `node --cpu-prof`, and prints the CPU used by the service, Redis and the load
 * generator, then the top functions of the service's profile by self time.
 * npm run bench:profile [-- seconds]
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { freePort } from '../src/infra/redisServer.js';
import { api, benchDataset, cpuSeconds, postLoad, readingSequence, startBenchService } from './lib.js';
import { Keys } from '../src/store/keys.js';

const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 8);
const apiOnly = process.argv.includes('--api-only'); // no workers in the process: the request path alone
const split = process.argv.includes('--split'); // API process + one worker process (npm run worker), CPU of each
const STATIONS = 2_000;
const batchSize = Number(process.argv.find((a) => a.startsWith('--batch='))?.slice(8) ?? 1);
const profDir = mkdtempSync(join(tmpdir(), 'fangxun-prof-'));

const kickArg = process.argv.find((a) => a.startsWith('--kick='))?.slice(7);
const bare = process.argv.includes('--bare'); // the bare Hono handler of P1's baseline, for comparison
if (bare) await profileBare();
else await profileService();

/** The P1 baseline (bench/baseline-server.ts) under the same load. */
async function profileBare() {
  const port = await freePort();
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', profDir, '--import', 'tsx', 'bench/baseline-server.ts'], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/v1/readings`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url, { method: 'POST', body: '{}' })).ok) break;
    } catch {
      if (i > 200) throw new Error('baseline server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const before = cpuSeconds(child.pid!);
  const r = await postLoad(url, null, { seconds, body: readingSequence(STATIONS) });
  const used = cpuSeconds(child.pid!) - before;
  await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
  console.log(`bare handler: ${Math.round(r.requests.average)} posts/s, p99 ${r.latency.p99} ms over ${seconds} s`);
  console.log(`cpu bare handler: ${used.toFixed(1)} s, ${((used / (r.requests.total || 1)) * 1e6).toFixed(0)} µs per post`);
}

async function profileService() {
  const env = await startBenchService({
    workers: !apiOnly && !split,
    ...(kickArg
      ? {
          config: {
            'service.yaml': {
              evaluation: { ...(parse(readFileSync('config/service.yaml', 'utf8')) as { evaluation: object }).evaluation, kickDelay: kickArg },
            },
          },
        }
      : {}),
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir],
  });
  try {
    await api(env, 'POST', '/v1/admin/import', benchDataset(STATIONS));
    const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
    const one = readingSequence(STATIONS);
    // `--batch=N`: batches of N readings (P2's shape) instead of single readings.
    const next = () => (batchSize > 1 ? { readings: Array.from({ length: batchSize }, one) } : one());
    const worker = split ? spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], { env: env.processEnv, stdio: 'ignore' }) : null;
    if (worker) await new Promise((r) => setTimeout(r, 3_000));
    const redis = new Redis(env.redis.url);
    const jobsAdded = async () => Number((await redis.get(`${new Keys('fx').bullPrefix()}:evaluate:id`)) ?? 0);
    const kicks0 = await jobsAdded();
    const before = {
      worker: worker ? cpuSeconds(worker.pid!) : 0,
      svc: cpuSeconds(env.service.pid!),
      redis: cpuSeconds(env.redis.process.pid!),
      self: process.cpuUsage(),
    };
    const r = await postLoad(`${env.url}/v1/readings`, key, { seconds, connections: batchSize > 1 ? 6 : 50, body: next });
    const self = process.cpuUsage(before.self);
    const used = {
      service: cpuSeconds(env.service.pid!) - before.svc,
      ...(worker ? { worker: cpuSeconds(worker.pid!) - before.worker } : {}),
      redis: cpuSeconds(env.redis.process.pid!) - before.redis,
      loadGenerator: (self.user + self.system) / 1e6,
    };
    const kicks = (await jobsAdded()) - kicks0;
    redis.disconnect();
    worker?.kill();
    console.log(
      `${Math.round(r.requests.average)} posts/s, p99 ${r.latency.p99} ms over ${seconds} s; ${kicks} evaluation jobs (${(kicks / seconds).toFixed(0)}/s)`,
    );
    for (const [who, s] of Object.entries(used))
      console.log(
        `cpu ${who}: ${s.toFixed(1)} s (${((100 * s) / seconds).toFixed(0)} % of a core), ${((s / (r.requests.total || 1)) * 1e6).toFixed(0)} µs per post`,
      );
  } finally {
    await env.stop();
  }
}

// Self time per function of the service's profile.
// The main thread's profile is the largest (tsx's loader thread writes one of its own).
const file = readdirSync(profDir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort((a, b) => statSync(join(profDir, b)).size - statSync(join(profDir, a)).size)[0];
if (!file) throw new Error('no profile written');
const prof = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(prof.nodes.map((x) => [x.id, x]));
// Only the samples of the load (the last `seconds` before the service stopped), not start-up and import.
const sampleAt: number[] = [];
prof.timeDeltas.reduce((t, dt, i) => (sampleAt[i] = t + dt), 0);
const loadFrom = (sampleAt.at(-1) ?? 0) - (seconds + 0.3) * 1e6;
const inLoad = (i: number) => sampleAt[i]! >= loadFrom;
const self = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
prof.samples.forEach((id, i) => {
  if (!inLoad(i)) return;
  const node = byId.get(id)!;
  const dt = prof.timeDeltas[i] ?? 0;
  total += dt;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^.*\/(node_modules\/(@[^/]+\/)?[^/]+|src|workers)\//, '$1/');
  const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  self.set(name, (self.get(name) ?? 0) + dt);
  const area = url.includes('node_modules/')
    ? url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')
    : url.includes('/src/')
      ? url.replace(/^.*\/src\/([^/]+).*$/, 'src/$1')
      : functionName.startsWith('(')
        ? functionName
        : url.startsWith('node:')
          ? 'node internals'
          : 'other';
  byArea.set(area, (byArea.get(area) ?? 0) + dt);
});
const pct = (v: number) => `${((100 * v) / total).toFixed(1)} %`;
console.log('\nservice CPU by area:');
for (const [k, v] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(`  ${pct(v).padStart(7)}  ${k}`);
console.log('\ntop functions by self time:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${pct(v).padStart(7)}  ${k}`);

// Inclusive time of the service's own functions (a function counted once per sample even when recursive).
const parent = new Map<number, number>();
for (const x of prof.nodes as Array<{ id: number; children?: number[] }>) for (const c of x.children ?? []) parent.set(c, x.id);
const inclusive = new Map<string, number>();
prof.samples.forEach((id, i) => {
  if (!inLoad(i)) return;
  const dt = prof.timeDeltas[i] ?? 0;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const { functionName, url } = byId.get(cur)!.callFrame;
    if (!/\/(src|workers)\//.test(url) || !functionName) continue;
    const name = `${functionName} ${url.replace(/^.*\/(src|workers)\//, '$1/')}`;
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
});
console.log('\nservice functions by inclusive time:');
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(v).padStart(7)}  ${k}`);

// `--callers <name>`: the call paths (5 frames up) that spend the most self time in a function.
const ci = process.argv.indexOf('--callers');
if (ci > 0) {
  const target = process.argv[ci + 1]!;
  const paths = new Map<string, number>();
  prof.samples.forEach((id, i) => {
    if (!inLoad(i) || byId.get(id)!.callFrame.functionName !== target) return;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 14; cur = parent.get(cur)) {
      const { functionName, url, lineNumber } = byId.get(cur)!.callFrame;
      chain.push(`${functionName || '(anon)'}@${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`);
    }
    const key = chain.join(' < ');
    paths.set(key, (paths.get(key) ?? 0) + (prof.timeDeltas[i] ?? 0));
  });
  console.log(`\ncallers of ${target}:`);
  for (const [k, v] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${pct(v).padStart(7)}  ${k}`);
}
