import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';
import type { ReferenceSnapshot, ReferenceStore } from '../reference/store.js';
import { batch } from '../store/batch.js';
import { parseCap, type CapWarning } from './cap.js';
import { townshipsCovered, type CoveredBy, type TownshipPlace } from './area.js';
import { warningLevel } from './level.js';
import { counts, outsideFromHash, warningKey, type OutsideWarning } from '../domain/outside.js';
import type { Level } from '../domain/levels.js';

/**
 * Outside warnings (外部预警: CAP 1.2 from 气象台, 水文, 山洪 platforms) into the townships they
 * cover. Each township keeps its own in its hash slot (`outsideWarnings(id)`: warning key →
 * JSON), so a township's evaluation reads them beside its state. An Update replaces what it
 * references, a Cancel removes it; an Exercise or Test is kept and shown, never notifies.
 * After a change each township it touched is reconciled (its warning opens, rises, or lowers
 * after `clearAfter` like a gauge warning) and the HQ advisor looks at the city again.
 */
export interface OutsideWarningDeps {
  redis: ScriptedRedis;
  keys: Keys;
  config: AppConfig;
  reference: ReferenceStore;
  /** Brings a township's warning in line (AlertService.reconcile). */
  reconcile: (townshipId: string) => Promise<unknown>;
  /** The HQ advisor (Advisor.advise). */
  advise: () => Promise<unknown>;
  now: () => number;
  log: Logger;
}

export interface OutsideOutcome {
  identifier: string;
  sender: string;
  msgType: CapWarning['msgType'];
  status: CapWarning['status'];
  event: string;
  colour: CapWarning['colour'];
  level: Level | null;
  expires: string | null;
  townships: Array<{ id: string; name: string; by: CoveredBy }>;
  /** Warnings of earlier messages this one replaced (Update) or ended (Cancel), per township. */
  removed: Array<{ townshipId: string; identifier: string }>;
  /** True when the townships' warnings may change (an Actual message); an exercise never notifies. */
  counts: boolean;
  note: string;
}

export class OutsideWarningService {
  constructor(private readonly d: OutsideWarningDeps) {}

  /** Parses (CapParseError on bad input), stores per township, reconciles what changed. */
  async receive(body: string | unknown): Promise<OutsideOutcome> {
    const cap = parseCap(body);
    const ref = await this.d.reference.snapshot({ fresh: true });
    const covered = townshipsCovered(cap.areas, places(ref));
    const level = warningLevel(cap, this.d.config.policy.warnings.colourLevels);
    const replaced = new Set(cap.references.map((r) => warningKey(r.sender, r.identifier)));
    const all = [...ref.townships.keys()];

    // What the referenced messages left on each township (an Update may cover other townships).
    const before = await this.readAll(all);
    const removed: OutsideOutcome['removed'] = [];
    const pipe = batch(this.d.redis);
    const touched = new Set<string>();
    before.forEach((list, i) => {
      const id = all[i]!;
      for (const w of list) {
        if (!replaced.has(warningKey(w.sender, w.identifier))) continue;
        // An exercise never ends or replaces a real warning (演练不影响实际预警).
        if (cap.status !== 'Actual' && w.status === 'Actual') continue;
        pipe.hdel(this.d.keys.outsideWarnings(id), warningKey(w.sender, w.identifier));
        removed.push({ townshipId: id, identifier: w.identifier });
        touched.add(id);
      }
    });
    const keep = cap.msgType === 'Alert' || cap.msgType === 'Update';
    if (keep) {
      const stored: OutsideWarning = {
        source: cap.senderName ?? cap.sender,
        sender: cap.sender,
        identifier: cap.identifier,
        sent: cap.sent,
        event: cap.event,
        colour: cap.colour,
        level,
        expires: cap.expiresAt,
        headline: cap.headline,
        status: cap.status,
      };
      for (const t of covered) {
        pipe.hset(this.d.keys.outsideWarnings(t.townshipId), warningKey(cap.sender, cap.identifier), JSON.stringify(stored));
        touched.add(t.townshipId);
      }
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;

    const actual = cap.status === 'Actual';
    if (actual) {
      for (const id of touched) await this.d.reconcile(id);
      await this.d.advise().catch((err: unknown) => this.d.log.warn({ err }, 'advice after an outside warning failed; the sweep retries'));
    }
    this.d.log.info(
      { identifier: cap.identifier, msgType: cap.msgType, status: cap.status, level, townships: covered.length, removed: removed.length },
      'outside warning received',
    );
    return {
      identifier: cap.identifier,
      sender: cap.sender,
      msgType: cap.msgType,
      status: cap.status,
      event: cap.event,
      colour: cap.colour,
      level,
      expires: cap.expiresAt === null ? null : new Date(cap.expiresAt).toISOString(),
      townships: keep ? covered.map((t) => ({ id: t.townshipId, name: ref.townships.get(t.townshipId)?.name ?? t.townshipId, by: t.by })) : [],
      removed,
      counts: actual,
      note: noteFor(cap, level, covered.length, removed.length),
    };
  }

  /** The township's outside warnings, oldest first, each with whether it counts now. */
  async forTownship(townshipId: string): Promise<Array<OutsideWarning & { active: boolean }>> {
    const [list] = await this.readAll([townshipId]);
    const now = this.d.now();
    return (list ?? []).map((w) => ({ ...w, active: counts(w, now) }));
  }

  private async readAll(townshipIds: readonly string[]): Promise<OutsideWarning[][]> {
    if (townshipIds.length === 0) return [];
    const pipe = batch(this.d.redis);
    for (const id of townshipIds) pipe.hgetall(this.d.keys.outsideWarnings(id));
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, v]) => {
      if (err) throw err;
      return outsideFromHash(v as Record<string, string>);
    });
  }
}

function places(ref: ReferenceSnapshot): TownshipPlace[] {
  const stations = [...ref.stations.values()];
  return [...ref.townships.values()].map((t) => ({
    id: t.id,
    commandPost: t.commandPost ? { lat: t.commandPost.lat, lon: t.commandPost.lon } : null,
    stations: stations.filter((s) => s.townshipId === t.id && s.location).map((s) => s.location!),
  }));
}

function noteFor(cap: CapWarning, level: Level | null, townships: number, removed: number): string {
  if (cap.status !== 'Actual') return `${cap.status}: stored and shown on the townships it covers, never notifies anyone and never changes a warning level`;
  if (cap.msgType === 'Cancel') return `cancelled ${removed} stored warning(s); the townships' warnings lower after clearAfter like a gauge warning`;
  if (townships === 0) return 'the area covers none of our townships; nothing stored';
  if (level === null) return 'no level for its colour (warnings.colourLevels); stored and shown, raises nothing';
  return `raises the warning of ${townships} township(s) to at least ${level}`;
}
