import { z } from 'zod';
import type { Services } from '../services.js';
import { canPostFor, type Principal } from '../auth/credentials.js';
import { checkBounds, checkObservedAt } from '../domain/reading.js';
import { lowestThreshold } from '../domain/station.js';
import { encodeValue, storeReadings, type PendingReading } from '../store/readings.js';
import { zodIssues, describeIssues } from '../lib/issues.js';
import { AppError } from '../domain/errors.js';
import { addQuarantine } from '../store/streams.js';
import { plainReading } from './plainReading.js';

/** One reading as a gauge posts it. These names are the contract. */
export const readingSchema = z
  .strictObject({
    stationId: z.string().min(1, 'stationId is required'),
    observedAt: z.iso.datetime({ offset: true, error: 'observedAt must be ISO 8601 with an offset, e.g. 2026-07-05T08:00:00+08:00' }),
    rainfallMm: z.number().min(0, 'rainfallMm must be 0 or more').max(10_000).optional(),
    periodMinutes: z.number().int().min(1).max(1_440).optional(),
    waterLevelM: z.number().min(-1_000).max(10_000).optional(),
  })
  .refine((r) => r.rainfallMm !== undefined || r.waterLevelM !== undefined, {
    message: 'a reading needs at least one measurement: rainfallMm or waterLevelM',
  });
export type ReadingInput = z.infer<typeof readingSchema>;

export interface Rejection {
  index: number;
  stationId: string | null;
  error: string;
  quarantined?: boolean;
}

export interface Conflict {
  index: number;
  stationId: string;
  observedAt: string;
  stored: { rainfallMm: number | null; waterLevelM: number | null };
  received: { rainfallMm: number | null; waterLevelM: number | null };
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: Rejection[];
  conflicts: Conflict[];
}

function toPair(value: string) {
  const [r = '', l = ''] = value.split(',');
  return { rainfallMm: r === '' ? null : Number(r), waterLevelM: l === '' ? null : Number(l) };
}

/** Splits the body into entries: one reading, or `{ readings: [...] }`. */
export function entriesOf(body: unknown, maxBatch: number): unknown[] {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'readings' in body) {
    const list = (body as { readings: unknown }).readings;
    if (!Array.isArray(list)) throw new AppError('validation_failed', '`readings` must be an array of readings');
    if (list.length === 0) throw new AppError('validation_failed', '`readings` is empty; send at least one reading');
    if (list.length > maxBatch) {
      throw new AppError('batch_too_large', `A batch holds at most ${maxBatch} readings; this one has ${list.length}. Split it into several POSTs.`, {
        max: maxBatch,
        received: list.length,
      });
    }
    return list;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new AppError('validation_failed', 'Send one reading object or { "readings": [ ... ] }');
  }
  return [body];
}

/**
 * Validates, quarantines and stores readings. Good readings are stored even when others
 * in the batch are refused; once this returns, what was accepted is in Redis and marked
 * for evaluation.
 */
export async function ingestReadings(svc: Services, principal: Principal, body: unknown): Promise<IngestResult> {
  const { config, keys } = svc;
  const entries = entriesOf(body, config.service.ingest.maxBatch);
  let ref = await svc.reference.snapshot();
  if (entries.some((e) => typeof (e as { stationId?: unknown } | null)?.stationId === 'string' && !ref.stations.has((e as { stationId: string }).stationId))) {
    ref = await svc.reference.snapshot({ fresh: true }); // imported a moment ago, maybe by another process
  }
  const now = svc.now();
  const rejected: Rejection[] = [];
  const quarantined: Array<{ stationId: string; reading: ReadingInput; reason: string }> = [];
  const byStation = new Map<string, PendingReading[]>();
  const urgent = new Set<string>();
  const inputs: Array<ReadingInput | undefined> = [];

  entries.forEach((entry, index) => {
    let r = plainReading(entry);
    if (!r) {
      const parsed = readingSchema.safeParse(entry);
      const rawId = (entry as { stationId?: unknown } | null)?.stationId;
      if (!parsed.success) {
        rejected.push({ index, stationId: typeof rawId === 'string' ? rawId : null, error: describeIssues(zodIssues(parsed.error)) });
        return;
      }
      r = parsed.data;
    }
    inputs[index] = r;
    const station = ref.stations.get(r.stationId);
    if (!station) {
      rejected.push({ index, stationId: r.stationId, error: `unknown station "${r.stationId}"` });
      return;
    }
    if (!canPostFor(principal, r.stationId)) {
      rejected.push({ index, stationId: r.stationId, error: `station "${r.stationId}" is outside this key's scope` });
      return;
    }
    const observedAt = Date.parse(r.observedAt);
    const timeProblem = checkObservedAt(observedAt, now, config.service.ingest);
    if (timeProblem) {
      rejected.push({ index, stationId: r.stationId, error: timeProblem });
      return;
    }
    const boundsProblem = checkBounds({ ...r, observedAt }, station.bounds, station.intervalMinutes);
    if (boundsProblem) {
      rejected.push({ index, stationId: r.stationId, error: boundsProblem, quarantined: true });
      quarantined.push({ stationId: r.stationId, reading: r, reason: boundsProblem });
      return;
    }
    // A level at or over a threshold jumps the evaluation queue (the alert must not wait behind a backlog).
    const lowest = lowestThreshold(station.thresholds);
    if (r.waterLevelM !== undefined && lowest !== null && r.waterLevelM >= lowest) urgent.add(r.stationId);
    const list = byStation.get(r.stationId) ?? [];
    list.push({ index, tsSec: Math.floor(observedAt / 1000), value: encodeValue(r.rainfallMm, r.waterLevelM, r.periodMinutes ?? station.intervalMinutes) });
    byStation.set(r.stationId, list);
  });

  const hotCutoffSec = Math.floor((now - config.service.evaluation.hotRetention) / 1000);
  const outcomes = await storeReadings(svc.redis, keys, byStation, now, hotCutoffSec, {
    urgent,
    extra: (pipe) => {
      for (const q of quarantined) addQuarantine(pipe, keys.quarantine(), { ...q, receivedAt: now });
    },
  });

  let accepted = 0;
  let duplicates = 0;
  const conflicts: Conflict[] = [];
  for (const o of outcomes) {
    if (o.status === 'new') {
      accepted++;
      continue;
    }
    duplicates++;
    if (o.status === 'conflict') {
      const r = inputs[o.index]!;
      conflicts.push({
        index: o.index,
        stationId: r.stationId,
        observedAt: r.observedAt,
        stored: toPair(o.stored),
        received: { rainfallMm: r.rainfallMm ?? null, waterLevelM: r.waterLevelM ?? null },
      });
    }
  }
  if (accepted > 0) svc.kicker.kick({ urgent: urgent.size > 0 });
  rejected.sort((a, b) => a.index - b.index);
  conflicts.sort((a, b) => a.index - b.index);
  return { accepted, duplicates, rejected, conflicts };
}
