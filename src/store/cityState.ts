import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import { batch } from './batch.js';
import { townshipWarning } from './townshipWarning.js';
import type { ReferenceSnapshot } from '../reference/store.js';
import type { StoredStationState, StoredTownshipState } from '../evaluation/engine.js';
import { RAIN_WINDOWS, type RainWindow } from '../domain/rules.js';
import type { TownshipWarning } from '../domain/responses/advice.js';

/**
 * Read model of the city as a whole: each township's warning level (its stored evaluation
 * with the outside warnings in force) and the city mean rainfall (全市平均降雨量: the mean over every station that
 * reported rain in the last 24 h), read in one round trip.
 */
export interface CityState {
  townships: Array<TownshipWarning & { state: StoredTownshipState | null }>;
  meanRain: Record<RainWindow, number> | null;
  rainStations: number;
}

export class CityStateReader {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
    private readonly now: () => number,
  ) {}

  read(ref: ReferenceSnapshot): Promise<CityState> {
    return readCityState(this.redis, this.keys, ref, this.now());
  }
}

async function readCityState(redis: ScriptedRedis, keys: Keys, ref: ReferenceSnapshot, now: number): Promise<CityState> {
  const townshipIds = [...ref.townships.keys()].sort();
  const stations = [...ref.stations.values()];
  const pipe = batch(redis);
  for (const id of townshipIds) pipe.hget(keys.township(id), 'state');
  for (const s of stations) pipe.hget(keys.station(s.id), 'state');
  for (const id of townshipIds) pipe.hgetall(keys.outsideWarnings(id));
  const replies = (await pipe.exec()) ?? [];
  const value = (i: number): string | null => {
    const [err, v] = replies[i] ?? [];
    if (err) throw err;
    return typeof v === 'string' ? v : null;
  };
  const townships = townshipIds.map((id, i) => {
    // The same level as the township's warning: gauges and outside warnings in force.
    const [err, outside] = replies[townshipIds.length + stations.length + i] ?? [];
    if (err) throw err;
    const state = townshipWarning(value(i), outside as Record<string, string> | null, now);
    return { id, name: ref.townships.get(id)?.name ?? id, level: state?.level ?? null, state };
  });
  const rain: StoredStationState[] = [];
  stations.forEach((_, i) => {
    const json = value(townshipIds.length + i);
    if (!json) return;
    const st = JSON.parse(json) as StoredStationState;
    if (st.reportsRain) rain.push(st);
  });
  const meanRain = rain.length
    ? (Object.fromEntries(RAIN_WINDOWS.map((w) => [w, Math.round((rain.reduce((sum, s) => sum + (s.rainfall[w] ?? 0), 0) / rain.length) * 10) / 10])) as Record<
        RainWindow,
        number
      >)
    : null;
  return { townships, meanRain, rainStations: rain.length };
}
