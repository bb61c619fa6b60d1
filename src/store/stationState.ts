import type { Keys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';
import { loadStations } from './readings.js';
import type { Sample } from '../domain/station.js';

/** Read model of one station's recent readings (the hot window), for its page's charts. */
export class StationStateReader {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: Keys,
  ) {}

  async samples(stationId: string): Promise<Sample[]> {
    return (await loadStations(this.redis, this.keys, [stationId])).get(stationId)?.samples ?? [];
  }
}
