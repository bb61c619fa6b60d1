import type { ReferenceSnapshot } from '../reference/store.js';
import type { Station } from '../reference/schema.js';
import type { StoredStationState, StoredTownshipState } from '../evaluation/engine.js';
import { RAIN_WINDOWS } from '../domain/rules.js';
import { hydroDayOf } from '../domain/hydroDay.js';
import type { Calendar, RainfallWindows } from '../domain/station.js';

/** JSON shapes of the read API. Field names here are the contract. */
const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : new Date(t).toISOString());

export interface StationStateRaw {
  state: string | null;
  seq: string | null;
  eseq: string | null;
}

export function stationView(station: Station, raw: StationStateRaw, cal: Calendar) {
  const state = raw.state ? (JSON.parse(raw.state) as StoredStationState) : null;
  const zeros = Object.fromEntries(RAIN_WINDOWS.map((w) => [w, 0])) as RainfallWindows;
  const seq = Number(raw.seq ?? 0);
  return {
    id: station.id,
    name: station.name,
    kind: station.kind,
    townshipId: station.townshipId,
    river: station.river ?? null,
    latest: state?.latest ? { observedAt: iso(state.latest.t), rainfallMm: state.latest.rain, waterLevelM: state.latest.level } : null,
    rainfall: state?.rainfall ?? zeros,
    hydrologicalDay: state ? hydroDayOf(state.asOf, cal.timeZone, cal.dayStartHour).date : null,
    waterLevel: state?.waterLevel ? { ...state.waterLevel, observedAt: iso(state.waterLevel.observedAt) } : null,
    thresholds: station.thresholds ?? null,
    level: state?.level ?? null,
    reasons: state?.reasons ?? [],
    evaluatedAt: iso(state?.asOf),
    /** False while accepted readings still wait for evaluation. */
    upToDate: seq === Number(raw.eseq ?? 0),
    /** 数据中断: the gauge fell silent; its state (and level) is that of its last reading, not a recovery. */
    stale: state?.stale ? { since: iso(state.stale.since) } : null,
  };
}

function effectiveOn(date: string, from?: string, to?: string): boolean {
  return (!from || from <= date) && (!to || to >= date);
}

export function townshipView<S>(ref: ReferenceSnapshot, townshipId: string, raw: { state: string | null; since: string | null }, stations: S[], today: string) {
  const t = ref.townships.get(townshipId)!;
  const state = raw.state ? (JSON.parse(raw.state) as StoredTownshipState) : null;
  const people = (role: string) =>
    ref.assignments
      .filter((a) => a.townshipId === townshipId && a.role === role && effectiveOn(today, a.from, a.to))
      .map((a) => {
        const p = ref.people.get(a.personId);
        return { id: a.personId, name: p?.name ?? a.personId, title: p?.title ?? null };
      });
  return {
    id: t.id,
    name: t.name,
    kind: t.kind ?? null,
    commandPost: t.commandPost ?? null,
    level: state?.level ?? null,
    since: raw.since ? iso(Number(raw.since)) : null,
    reasons: state?.reasons ?? [],
    agreeing: state?.agreeing ?? [],
    uncorroborated: state?.uncorroborated ?? [],
    /** Member stations whose data stopped (数据中断); their last level still counts. */
    staleStations: state?.staleStations ?? [],
    evaluatedAt: iso(state?.evaluatedAt),
    stations,
    liaisonLeaders: people('liaison-leader'),
    townshipHeads: people('township-head'),
  };
}
