import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import { createRuntime } from '../runtime.js';
import { evaluateDirty, markActiveDirty, type EngineContext } from '../evaluation/engine.js';
import { ReferenceStore } from '../reference/store.js';
import { importDatasetFile } from '../reference/file.js';
import { levelRank, type MaybeLevel } from '../domain/levels.js';

/**
 * 预演 (backtest): replays a past event with its own clock against a private deployment (its own
 * key prefix on a Redis the caller gives; the CLI starts a throw-away one). Readings dated in the
 * past are posted through the API as of their time and evaluated step by step as of that time,
 * so the warnings, the recommendations and the messages come out as they would have then.
 * No live service is touched.
 */
export interface BacktestFile {
  event?: string;
  dataset?: string;
  readings: Array<{ stationId: string; observedAt: string; rainfallMm?: number; waterLevelM?: number; periodMinutes?: number }>;
}

export interface BacktestReport {
  event: string | null;
  from: number;
  to: number;
  readings: { posted: number; accepted: number; refused: number };
  /** Warning level changes per township, in storm time. */
  changes: Array<{ at: number; townshipId: string; name: string; from: MaybeLevel; to: MaybeLevel }>;
  highest: Array<{ townshipId: string; name: string; level: MaybeLevel }>;
  recommendations: Array<{ at: number; title: string; text: string; to: string[] }>;
  /** Messages that would have gone out (warnings and notices), by person. */
  messages: Array<{ at: number; personId: string; name: string; kind: string; title: string }>;
  cityMean6h: number | null;
}

export async function runBacktest(opts: {
  file: BacktestFile;
  config: AppConfig;
  redisUrl: string;
  datasetFile?: string;
  stepMs?: number;
  log: Logger;
}): Promise<BacktestReport> {
  const readings = [...opts.file.readings].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt));
  if (readings.length === 0) throw new Error('the readings file holds no readings');
  const step = opts.stepMs ?? 300_000;
  const from = Date.parse(readings[0]!.observedAt);
  const to = Date.parse(readings.at(-1)!.observedAt);
  let clock = from - step;
  const now = () => clock;
  const config: AppConfig = structuredClone(opts.config);
  config.service.evaluation.settle = 0;
  config.service.rateLimit = { ...config.service.rateLimit, gauge: 0, staff: 0, anonymous: 0 };
  const adminToken = `backtest-${randomUUID()}`;
  const runtime = await createRuntime({
    config,
    redisUrl: opts.redisUrl,
    prefix: `backtest-${randomUUID().slice(0, 8)}`,
    adminToken,
    drill: true,
    now,
    log: opts.log,
  });
  const svc = runtime.services;
  try {
    const dataset = opts.datasetFile ?? opts.file.dataset ?? 'config/demo/ningguo.yaml';
    const imported = await importDatasetFile(svc.reference, dataset, 'backtest');
    if (!imported.ok) throw new Error(`the dataset ${dataset} does not import: ${JSON.stringify(imported.issues).slice(0, 500)}`);
    svc.reference.invalidate();
    const ref = await svc.reference.snapshot({ fresh: true });
    const engine: EngineContext = { redis: svc.redis, keys: svc.keys, config, reference: new ReferenceStore(svc.redis, svc.keys, now, 0), now, log: opts.log };
    const report: BacktestReport = {
      event: opts.file.event ?? null,
      from,
      to,
      readings: { posted: 0, accepted: 0, refused: 0 },
      changes: [],
      highest: [],
      recommendations: [],
      messages: [],
      cityMean6h: null,
    };
    const highest = new Map<string, MaybeLevel>();
    const cityMean6h = async () => {
      const res = await runtime.app.request('/v1/city', { headers: { authorization: `Bearer ${adminToken}` } });
      return ((await res.json()) as { meanRainfall: Record<string, number> | null }).meanRainfall?.['6h'] ?? null;
    };
    let next = 0;
    for (clock = from; clock <= to + step; clock += step) {
      const batch: BacktestFile['readings'] = [];
      while (next < readings.length && Date.parse(readings[next]!.observedAt) <= clock) batch.push(readings[next++]!);
      for (let i = 0; i < batch.length; i += 5_000) {
        const res = await runtime.app.request('/v1/readings', {
          method: 'POST',
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ readings: batch.slice(i, i + 5_000) }),
        });
        const body = (await res.json()) as { accepted?: number; duplicates?: number; rejected?: unknown[] };
        report.readings.posted += batch.slice(i, i + 5_000).length;
        report.readings.accepted += body.accepted ?? 0;
        report.readings.refused += body.rejected?.length ?? (res.ok ? 0 : batch.length);
      }
      await markActiveDirty(engine);
      const evaluated = await evaluateDirty(engine);
      for (const c of evaluated.changes) {
        report.changes.push({ at: clock, townshipId: c.townshipId, name: ref.townships.get(c.townshipId)?.name ?? c.townshipId, from: c.from, to: c.to });
        if (levelRank(c.to) > levelRank(highest.get(c.townshipId) ?? null)) highest.set(c.townshipId, c.to);
        await svc.alerts.reconcile(c.townshipId);
      }
      await svc.advisor.advise();
      if (clock <= to) report.cityMean6h = await cityMean6h();
    }
    report.highest = [...ref.townships.values()]
      .map((t) => ({ townshipId: t.id, name: t.name, level: highest.get(t.id) ?? null }))
      .sort((a, b) => levelRank(b.level) - levelRank(a.level) || a.townshipId.localeCompare(b.townshipId));
    const name = (id: string) => ref.people.get(id)?.name ?? id;
    for (const n of (await svc.notices.list(1000)).reverse()) {
      if (n.kind === 'recommendation') report.recommendations.push({ at: n.createdAt, title: n.title, text: n.text, to: n.personIds.map(name) });
      for (const p of n.personIds) report.messages.push({ at: n.createdAt, personId: p, name: name(p), kind: n.kind, title: n.title });
    }
    const alertIds = await svc.alerts.store.list([...ref.townships.keys()], 10_000);
    for (const a of await svc.alerts.store.getMany(alertIds)) {
      const township = ref.townships.get(a.townshipId)?.name ?? a.townshipId;
      for (const m of Object.values(a.messages))
        report.messages.push({
          at: m.createdAt,
          personId: m.personId,
          name: name(m.personId),
          kind: `warning-${m.kind}`,
          title: `${township} ${m.level ?? ''}`,
        });
    }
    report.messages.sort((a, b) => a.at - b.at);
    return report;
  } finally {
    await runtime.close();
  }
}

/** Loads a readings file (JSON: `{ readings: [...] }` or a bare array). */
export function loadBacktestFile(path: string): BacktestFile {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const file = (Array.isArray(raw) ? { readings: raw } : raw) as BacktestFile;
  if (!file || !Array.isArray(file.readings))
    throw new Error(`${path}: expected { "readings": [ { "stationId", "observedAt", "rainfallMm" | "waterLevelM" }, … ] }`);
  return file;
}

export const highestLevel = (r: BacktestReport): MaybeLevel => r.highest.reduce<MaybeLevel>((m, t) => (levelRank(t.level) > levelRank(m) ? t.level : m), null);
