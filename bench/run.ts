/**
 * npm run bench [-- --quick]: the performance figures of issue 7, each beside a baseline
 * measured in the same run on the same machine, and its target.
 *   P1 CPU per single-reading post of the API alone, and all-in-one POSTs/s, vs a bare Hono handler
 *   P2 readings/s end to end from batches vs one BullMQ job per reading
 *   P3 POST of a threshold-crossing reading → first message at a webhook sink (idle, loaded)
 *   P4 lateness of escalation steps with many pending deadlines
 *   P5 Redis memory per station with 24 h of data; backfill speed
 * `npm run bench -- P3` runs one; P2C (P2 on a local 3-node Redis Cluster) runs in a full run or alone.
 */
import { spawn } from 'node:child_process';
import { api, benchDataset, fmt, measuredLoad, postLoad, readingSequence, startBenchService } from './lib.js';
import { naivePipeline } from './naive-pipeline.js';
import { alertLatency, escalationLateness, memoryAndBackfill } from './latency.js';
import { freePort } from '../src/infra/redisServer.js';
import { Keys } from '../src/store/keys.js';
import { createRedis } from '../src/store/redis.js';
import { waitForEvaluation } from '../src/evaluation/drain.js';

const fxKeys = new Keys('fx');

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => /^P\dC?$/.test(a));
const STATIONS = 2_000;
const rows: Array<{ id: string; what: string; value: string; baseline: string; ratio: string; target: string; ok: boolean }> = [];

function report(row: (typeof rows)[number]) {
  rows.push(row);
  console.log(`${row.id}  ${row.what}: ${row.value}  | baseline ${row.baseline}  | ratio ${row.ratio}  | target ${row.target}  ${row.ok ? 'MET' : 'NOT MET'}`);
}

/** The bare Hono handler (bench/baseline-server.ts) as a process of its own, ready to take posts. */
async function startBaseline() {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/baseline-server.ts'], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/v1/readings`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(url, { method: 'POST', body: '{}' })).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('baseline server did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid!, stop: () => new Promise<void>((r) => (child.once('exit', () => r()), child.kill())) };
}

/**
 * P1, restated by issue 19: what one single-reading post costs the API process (CPU per post
 * over the whole process, the API alone: no workers anywhere) against the bare Hono handler
 * under the same load, and the all-in-one service's throughput against the same handler.
 * The machine is shared: the two sides take turns in short rounds (bare, ours, bare, ours…),
 * so a change in the background load falls on both, and each side's figure sums its rounds.
 */
async function p1() {
  const rounds = quick ? 2 : 4;
  const seconds = quick ? 3 : 5;
  const base = await startBaseline();
  type Side = {
    url: string;
    pid: number;
    token: string | null;
    body: () => unknown;
    cpu: number;
    requests: number;
    seconds: number;
    non2xx: number;
    p99: number[];
  };
  const side = (url: string, pid: number, token: string | null): Side => ({
    url,
    pid,
    token,
    body: readingSequence(STATIONS),
    cpu: 0,
    requests: 0,
    seconds: 0,
    non2xx: 0,
    p99: [],
  });
  const turn = async (x: Side) => {
    const m = await measuredLoad(x.pid, x.url, x.token, { seconds, body: x.body });
    x.cpu += m.cpu;
    x.requests += m.r.requests.total;
    x.seconds += m.r.duration;
    x.non2xx += m.r.non2xx;
    x.p99.push(m.r.latency.p99);
  };
  const against = async (workers: boolean) => {
    const env = await startBenchService({ workers });
    try {
      await api(env, 'POST', '/v1/admin/import', benchDataset(STATIONS));
      const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
      if (workers) await waitForEvaluation(env.redis.url); // the import's evaluation is not part of the load
      const bare = side(base.url, base.pid, null);
      const ours = side(`${env.url}/v1/readings`, env.service.pid!, key);
      await postLoad(bare.url, null, { seconds: 1, body: bare.body }); // warm-up
      await postLoad(ours.url, key, { seconds: 1, body: ours.body });
      for (let i = 0; i < rounds; i++) {
        await turn(bare);
        await turn(ours);
      }
      return { bare, ours };
    } finally {
      await env.stop();
    }
  };
  let alone: Awaited<ReturnType<typeof against>>;
  let allInOne: Awaited<ReturnType<typeof against>>;
  try {
    alone = await against(false);
    allInOne = await against(true);
  } finally {
    await base.stop();
  }
  const us = (x: Side) => (x.cpu / Math.max(1, x.requests)) * 1e6;
  const rate = (x: Side) => x.requests / x.seconds;
  const p99 = (x: Side) => Math.max(...x.p99);
  const cpuRatio = us(alone.ours) / us(alone.bare);
  report({
    id: 'P1',
    what: `CPU per single-reading post, API process alone (npm run api, no workers), c=50, ${rounds} rounds of ${seconds} s each`,
    value: `${fmt(us(alone.ours))} µs/post (${fmt(rate(alone.ours))}/s, p99 ${p99(alone.ours)} ms, non-2xx ${alone.ours.non2xx})`,
    baseline: `${fmt(us(alone.bare))} µs/post (bare Hono handler, ${fmt(rate(alone.bare))}/s, p99 ${p99(alone.bare)} ms)`,
    ratio: `${cpuRatio.toFixed(2)}×`,
    target: '≤ 1.5×',
    ok: cpuRatio <= 1.5 && alone.ours.non2xx === 0,
  });
  const ratio = rate(allInOne.ours) / rate(allInOne.bare);
  report({
    id: 'P1',
    what: 'single-reading POSTs/s, all-in-one (npm start: API, workers, scheduler), c=50',
    value: `${fmt(rate(allInOne.ours))}/s p99 ${p99(allInOne.ours)} ms (non-2xx ${allInOne.ours.non2xx}; ${fmt(us(allInOne.ours))} µs CPU/post)`,
    baseline: `${fmt(rate(allInOne.bare))}/s (bare Hono handler, ${fmt(us(allInOne.bare))} µs CPU/post)`,
    ratio: `${ratio.toFixed(2)}×`,
    target: '≥ 0.5×',
    ok: ratio >= 0.5 && allInOne.ours.non2xx === 0,
  });
}

async function p2(cluster = false) {
  const total = quick ? 300_000 : 1_000_000;
  const batch = 5_000; // what a gateway or a forwarding gauge sends; the API takes up to 10,000
  const env = await startBenchService({ cluster });
  try {
    await api(env, 'POST', '/v1/admin/import', benchDataset(STATIONS));
    const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
    const redis = createRedis(env.redis.url, 'worker');
    const t0 = Date.now() - 20 * 3_600_000;
    let sent = 0;
    const started = performance.now();
    const poster = async () => {
      for (;;) {
        const from = sent;
        if (from >= total) return;
        sent += batch;
        const readings = Array.from({ length: Math.min(batch, total - from) }, (_, j) => {
          const i = from + j;
          return { stationId: `S${i % STATIONS}`, observedAt: new Date(t0 + Math.floor(i / STATIONS) * 10_000).toISOString(), rainfallMm: 0.2 };
        });
        await api(env, 'POST', '/v1/readings', { readings }, key);
      }
    };
    await Promise.all(Array.from({ length: 6 }, poster));
    const accepted = performance.now();
    // Evaluated: nothing dirty, nothing claimed.
    await waitForEvaluation(env.redis.url, { pollMs: 20 });
    const seconds = (performance.now() - started) / 1000;
    const rate = total / seconds;
    // How often each station was evaluated (its state version counts the writes).
    const versions = await Promise.all(Array.from({ length: STATIONS }, (_, i) => redis.hget(fxKeys.station(`S${i}`), 'sv')));
    const evaluations = versions.reduce((a, v) => a + Number(v ?? 0), 0);
    console.log(
      `P2 detail: ${fmt(evaluations)} station evaluations (${(evaluations / STATIONS).toFixed(1)} per station, ${fmt(total / evaluations)} readings each)`,
    );
    redis.disconnect();
    if (cluster) {
      report({
        id: 'P2C',
        what: `P2 on a local 3-node Redis Cluster (R6; ${fmt(total)} readings, batches of ${batch}, 3 Redis processes on the same 2 cores)`,
        value: `${fmt(rate)}/s`,
        baseline: '—',
        ratio: '—',
        target: 'a figure for sizing (no target)',
        ok: true,
      });
      return;
    }
    const naive = await naivePipeline(env.redis.url, quick ? 50_000 : 200_000);
    report({
      id: 'P2',
      what: `readings/s end to end (${fmt(total)} readings in batches of ${batch}; accepted in ${((accepted - started) / 1000).toFixed(1)} s)`,
      value: `${fmt(rate)}/s`,
      baseline: `${fmt(naive)}/s (one BullMQ job per reading)`,
      ratio: `${(rate / naive).toFixed(1)}×`,
      target: '≥ 100,000/s and ≥ 5×',
      ok: rate >= 100_000 && rate / naive >= 5,
    });
  } finally {
    await env.stop();
  }
}

async function p3() {
  const alerts = quick ? 200 : 300;
  const idle = await alertLatency({ alerts, backgroundPerSecond: 0 });
  report({
    id: 'P3',
    what: `POST of a threshold-crossing reading → first message at a webhook sink, ${idle.received}/${alerts} alerts, idle`,
    value: `p50 ${idle.p50.toFixed(0)} ms, p99 ${idle.p99.toFixed(0)} ms`,
    baseline: '—',
    ratio: '—',
    target: 'p99 ≤ 100 ms',
    ok: idle.received === alerts && idle.p99 <= 100,
  });
  const busy = await alertLatency({ alerts, backgroundPerSecond: 10_000 });
  report({
    id: 'P3',
    what: `same, under ${fmt(busy.backgroundRate)} readings/s of background load`,
    value: `p50 ${busy.p50.toFixed(0)} ms, p99 ${busy.p99.toFixed(0)} ms`,
    baseline: '—',
    ratio: '—',
    target: 'p99 ≤ 100 ms',
    ok: busy.received === alerts && busy.p99 <= 100 && busy.backgroundRate >= 9_000,
  });
}

async function p4() {
  const r = await escalationLateness({ alerts: quick ? 500 : 1_000, perAlert: 10 });
  report({
    id: 'P4',
    what: `lateness of the first escalation step, ${fmt(r.pending)} pending deadlines (${fmt(r.fired)} fired)`,
    value: `p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms`,
    baseline: '—',
    ratio: '—',
    target: 'p99 ≤ 250 ms (target stated for 10,000)',
    ok: r.fired === r.pending && r.p99 <= 250,
  });
}

async function p5() {
  const stations = quick ? 2_000 : 10_000;
  const r = await memoryAndBackfill({ stations, backfill: stations * 288, progress: (s) => console.log(s) });
  const perMillion = (r.seconds / r.readings) * 1_000_000;
  console.log(`P5 detail (MEMORY USAGE per station, by key): ${r.breakdown.map((b) => `${b.kind} ${fmt(b.bytes)} B (${b.encoding})`).join(', ')}`);
  report({
    id: 'P5',
    what: `Redis memory per station, ${fmt(stations)} stations × 24 h of 5-minute data + state`,
    value: `${fmt(r.bytesPerStation / 1024, 2)} KB/station`,
    baseline: '—',
    ratio: '—',
    target: '≤ 4 KB per station',
    ok: r.bytesPerStation <= 4 * 1024,
  });
  report({
    id: 'P5',
    what: `backfill of ${fmt(r.readings)} readings through the API, evaluated`,
    value: `${r.seconds.toFixed(1)} s (${fmt(r.readings / r.seconds)}/s; 1,000,000 in ${perMillion.toFixed(1)} s)`,
    baseline: '—',
    ratio: '—',
    target: '1,000,000 ≤ 60 s',
    ok: perMillion <= 60,
  });
}

// P2C (P2 on a Redis Cluster) runs in a full run or when asked for, not in --quick.
const runs: Record<string, () => Promise<void>> = {
  P1: p1,
  P2: () => p2(),
  P3: p3,
  P4: p4,
  P5: p5,
  ...(quick && only !== 'P2C' ? {} : { P2C: () => p2(true) }),
};
for (const [id, run] of Object.entries(runs)) if (!only || only === id) await run();
console.log('\nsummary');
for (const r of rows) console.log(`${r.id}: ${r.value} vs ${r.baseline} → ${r.ratio}; target ${r.target}: ${r.ok ? 'MET' : 'NOT MET'}`);
process.exit(0);
