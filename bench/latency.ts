import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { api, fmt, startBenchService } from './lib.js';
import { waitForEvaluation } from '../src/evaluation/drain.js';

/** P3, P4, P5: alert latency, escalation lateness, memory and backfill. */
export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN;
};

/** A webhook sink that notes when each township's first message arrived. */
async function sink() {
  const firstAt = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        const m = JSON.parse(body) as { townshipId: string };
        if (!firstAt.has(m.townshipId)) firstAt.set(m.townshipId, performance.now());
      } catch {
        /* ignore */
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, firstAt, close: () => new Promise((r) => server.close(r)) };
}

function alertDataset(n: number, hook: string, now: number, extraStations = 0) {
  const townships = Array.from({ length: n }, (_, i) => ({ id: `T${i}`, name: `测试镇${i}` }));
  const stations = [
    ...townships.map((t, i) => ({
      id: `W${i}`,
      name: `水位站${i}`,
      kind: 'river',
      townshipId: t.id,
      thresholds: { warning: 35.5, guarantee: 37, record: 38.2 },
    })),
    ...Array.from({ length: extraStations }, (_, i) => ({ id: `S${i}`, name: `雨量站${i}`, kind: 'rain', townshipId: `T${i % n}` })),
  ];
  const people = [
    ...townships.map((t) => ({ id: `lead-${t.id}`, name: `领导${t.id}`, contacts: [{ channel: 'webhook', to: `${hook}/lead-${t.id}` }] })),
    ...townships.map((t) => ({ id: `head-${t.id}`, name: `镇长${t.id}`, contacts: [{ channel: 'webhook', to: `${hook}/head-${t.id}` }] })),
    { id: 'duty', name: '值班员', contacts: [{ channel: 'webhook', to: `${hook}/duty` }] },
    { id: 'shift', name: '带班领导', contacts: [{ channel: 'webhook', to: `${hook}/shift` }] },
  ];
  const assignments = townships.flatMap((t) => [
    { townshipId: t.id, personId: `lead-${t.id}`, role: 'liaison-leader' },
    { townshipId: t.id, personId: `head-${t.id}`, role: 'township-head' },
  ]);
  const shifts = [
    { id: 'now', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 86_400_000).toISOString(), leaderId: 'shift', officerIds: ['duty'] },
  ];
  return { townships, stations, people, assignments, shifts };
}

/** P3: POST of a threshold-crossing reading → first message at the webhook sink. */
export async function alertLatency(opts: { alerts: number; backgroundPerSecond: number }) {
  const hook = await sink();
  const env = await startBenchService({ env: { FANGXUN_DRILL: '0', FANGXUN_WEBHOOK_SECRET: 'bench' } });
  try {
    const now = Date.now();
    const BG = 2_000;
    await api(env, 'POST', '/v1/admin/import', alertDataset(opts.alerts, hook.url, now, BG));
    const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
    // The import marks every new station for evaluation: start once that is done (idle means idle).
    await waitForEvaluation(env.redis.url);
    let stop = false;
    let bgSent = 0;
    const background = (async () => {
      if (opts.backgroundPerSecond <= 0) return;
      const batch = 500;
      const interval = (batch / opts.backgroundPerSecond) * 1000;
      let n = 0;
      const t0 = Date.now() - 20 * 3_600_000;
      while (!stop) {
        const started = performance.now();
        const readings = Array.from({ length: batch }, () => {
          const i = n++;
          return { stationId: `S${i % BG}`, observedAt: new Date(t0 + Math.floor(i / BG) * 1000).toISOString(), rainfallMm: 0.1 };
        });
        await api(env, 'POST', '/v1/readings', { readings }, key);
        bgSent += batch;
        const wait = interval - (performance.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    })();
    await new Promise((r) => setTimeout(r, 1_000));
    const sentAt = new Map<string, number>();
    const bgStart = performance.now();
    for (let i = 0; i < opts.alerts; i++) {
      sentAt.set(`T${i}`, performance.now());
      await api(env, 'POST', '/v1/readings', { stationId: `W${i}`, observedAt: new Date().toISOString(), waterLevelM: 36.0 }, key);
      await new Promise((r) => setTimeout(r, 20));
    }
    const deadline = Date.now() + 30_000;
    while (hook.firstAt.size < opts.alerts && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    stop = true;
    await background;
    const bgRate = bgSent / ((performance.now() - bgStart) / 1000);
    const lat = [...sentAt].filter(([t]) => hook.firstAt.has(t)).map(([t, s]) => hook.firstAt.get(t)! - s);
    return { received: lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: Math.max(...lat), backgroundRate: bgRate };
  } finally {
    await env.stop();
    await hook.close();
  }
}

/** P4: 10,000 pending ack deadlines (1,000 alerts × 10 people); lateness of the first escalation step. */
export async function escalationLateness(opts: { alerts: number; perAlert: number }) {
  const hook = await sink();
  const fortySeconds = Object.fromEntries(
    ['IV', 'III', 'II', 'I'].map((l) => [l, { notify: ['liaison-leader', 'township-head'], ackWithin: '40s', arriveWithin: '1d' }]),
  );
  const env = await startBenchService({
    env: { FANGXUN_DRILL: '0', FANGXUN_WEBHOOK_SECRET: 'bench' },
    config: {
      'policy.yaml': {
        levels: fortySeconds,
        // A declared level is a response (应急响应) now: its people answer within the same 40 s.
        responses: { ...(parse(readFileSync('config/policy.yaml', 'utf8')) as { responses: object }).responses, ...fortySeconds },
        repeatEscalation: 1,
        escalation: ['renotify', 'duty-officer', 'shift-leader', 'commander'],
        delivery: { attempts: 1, backoff: '1s', concurrency: 50 },
      },
    },
  });
  try {
    const now = Date.now();
    const data = alertDataset(opts.alerts, hook.url, now);
    // More people per township: liaison leaders 1..perAlert-1 plus the head.
    for (const t of data.townships) {
      for (let k = 1; k < opts.perAlert - 1; k++) {
        data.people.push({ id: `lead${k}-${t.id}`, name: `领导${k}${t.id}`, contacts: [{ channel: 'webhook', to: `${hook.url}/x` }] });
        data.assignments.push({ townshipId: t.id, personId: `lead${k}-${t.id}`, role: 'liaison-leader' });
      }
    }
    await api(env, 'POST', '/v1/admin/import', data);
    const started = Date.now();
    // A declared level is a township response; its call-out alert (not in GET /v1/alerts, which
    // lists warnings) is read by the id the declaration answers with.
    const calloutIds: string[] = [];
    for (let i = 0; i < opts.alerts; i += 20) {
      const declared = await Promise.all(
        Array.from({ length: Math.min(20, opts.alerts - i) }, (_, j) =>
          api(env, 'POST', `/v1/townships/T${i + j}/declare`, { level: 'IV', notice: `测〔2026〕${i + j}号`, reason: 'bench' }),
        ),
      );
      calloutIds.push(...declared.map((d: { id: string }) => d.id));
    }
    const opened = Date.now() - started;
    // Wait for every first step to be due and run.
    const redis = new Redis(env.redis.url);
    const lateness: number[] = [];
    try {
      const deadline = Date.now() + 120_000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 2_000));
        if (Date.now() < started + opened + 42_000) continue;
        const alerts: any[] = [];
        for (let k = 0; k < calloutIds.length; k += 50) {
          alerts.push(...(await Promise.all(calloutIds.slice(k, k + 50).map((id) => api(env, 'GET', `/v1/alerts/${encodeURIComponent(id)}`)))));
        }
        const steps = alerts.flatMap((a) =>
          a.recipients.filter((r: any) => r.mustAck).map((r: any) => ({ r, first: r.escalations.find((e: any) => e.kind === 'ack' && e.step === 0) })),
        );
        const fired = steps.filter((x) => x.first);
        if (fired.length >= steps.length || Date.now() > deadline) {
          for (const { r, first } of fired) lateness.push(Date.parse(first.at) - Date.parse(r.ackDeadline));
          return { pending: steps.length, fired: fired.length, p50: pct(lateness, 50), p99: pct(lateness, 99), max: Math.max(...lateness), openedIn: opened };
        }
      }
    } finally {
      redis.disconnect();
    }
  } finally {
    await env.stop();
    await hook.close();
  }
}

/**
 * Where a station's bytes are: MEMORY USAGE of every key, grouped by its shape (the station id
 * replaced by `*`), per station, biggest first; what is not per station is shown as `shared`.
 */
async function memoryByKind(redis: Redis, stations: number): Promise<Array<{ kind: string; bytes: number; encoding: string }>> {
  const groups = new Map<string, { bytes: number; encoding: string }>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of keys) pipe.memory('USAGE', k, 'SAMPLES', 0).object('ENCODING', k);
    const replies = (await pipe.exec()) ?? [];
    keys.forEach((k, i) => {
      const kind = /\{s:S\d+\}/.test(k) ? k.replace(/\{s:S\d+\}/, '{s:*}').replace(/:a:\d+$/, ':a:<day>') : 'shared';
      const g = groups.get(kind) ?? { bytes: 0, encoding: String(replies[2 * i + 1]?.[1] ?? '') };
      g.bytes += Number(replies[2 * i]?.[1] ?? 0);
      groups.set(kind, g);
    });
  } while (cursor !== '0');
  return [...groups].map(([kind, g]) => ({ kind, bytes: g.bytes / stations, encoding: g.encoding })).sort((a, b) => b.bytes - a.bytes);
}

/** P5: Redis memory per station holding 24 h of 5-minute data plus state; backfill speed. */
export async function memoryAndBackfill(opts: { stations: number; backfill: number; progress: (s: string) => void }) {
  const env = await startBenchService();
  const redis = new Redis(env.redis.url);
  try {
    const t0 = Date.now() - 24 * 3_600_000 + 60_000;
    const stations = Array.from({ length: opts.stations }, (_, i) => ({ id: `S${i}`, name: `站${i}`, kind: 'rain', townshipId: `T${i % 50}` }));
    const townships = Array.from({ length: 50 }, (_, i) => ({ id: `T${i}`, name: `镇${i}` }));
    for (let i = 0; i < stations.length; i += 20_000) {
      await api(env, 'POST', '/v1/admin/import', { townships: i === 0 ? townships : [], stations: stations.slice(i, i + 20_000) });
    }
    const { key } = await api(env, 'POST', '/v1/admin/gauge-keys', { name: 'bench', stations: ['*'] });
    const before = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    // Backfill: every station's last 24 h of 5-minute readings, as gauges forwarding stored data would.
    const total = opts.backfill;
    const perStation = Math.min(288, Math.ceil(total / opts.stations));
    const started = performance.now();
    let sent = 0;
    let lastShown = 0;
    const batches: Array<() => Promise<void>> = [];
    const BATCH = 5_000;
    let queue: unknown[] = [];
    const flush = (readings: unknown[]) => async () => {
      await api(env, 'POST', '/v1/readings', { readings }, key);
      sent += readings.length;
      if (sent - lastShown >= total / 10) {
        lastShown = sent;
        opts.progress(`  backfill ${fmt(sent)} / ${fmt(total)} (${fmt(sent / ((performance.now() - started) / 1000))}/s)`);
      }
    };
    outer: for (let k = 0; k < perStation; k++) {
      for (const s of stations) {
        queue.push({ stationId: s.id, observedAt: new Date(t0 + k * 300_000).toISOString(), rainfallMm: 0.2 });
        if (queue.length === BATCH) {
          batches.push(flush(queue));
          queue = [];
        }
        if (batches.length * BATCH >= total) break outer;
      }
    }
    if (queue.length) batches.push(flush(queue));
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < batches.length) await batches[next++]!();
      }),
    );
    // Evaluated (windows and state written) before memory is read.
    await waitForEvaluation(env.redis.url, { timeoutMs: 600_000, pollMs: 100 });
    const seconds = (performance.now() - started) / 1000;
    const after = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
    return {
      stations: opts.stations,
      readings: sent,
      perStation,
      seconds,
      bytesPerStation: (after - before) / opts.stations,
      breakdown: await memoryByKind(redis, opts.stations),
    };
  } finally {
    redis.disconnect();
    await env.stop();
  }
}
