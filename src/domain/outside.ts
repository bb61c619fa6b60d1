import { levelRank, type Level, type MaybeLevel } from './levels.js';
import type { TownshipReason } from './township.js';

/**
 * Warnings published by others (气象台 暴雨预警信号, 山洪灾害气象风险预警, 水文 洪水预警) as
 * they count for one township. Pure: what is kept per township, how a CAP Update or Cancel
 * changes that, and the township's warning level from its gauges and these together.
 */
export type SignalColour = 'red' | 'orange' | 'yellow' | 'blue';

/** One outside warning as kept on a township (JSON in the township's `outside` hash). */
export interface OutsideWarning {
  /** Who published it, as people say it: 宁国市气象台 (the CAP senderName, else the sender). */
  source: string;
  sender: string;
  identifier: string;
  sent: string;
  event: string;
  colour: SignalColour | null;
  /** The level its colour gives (warnings.colourLevels); null: shown, never counted. */
  level: Level | null;
  /** Epoch ms; null: until cancelled. */
  expires: number | null;
  headline: string | null;
  /** CAP status: only `Actual` counts; an `Exercise` (演练) or `Test` is kept and shown, never notifies. */
  status: string;
}

export type OutsideReason = {
  kind: 'outside';
  source: string;
  event: string;
  colour: SignalColour | null;
  level: Level;
  identifier: string;
  expires: number | null;
};

/** The hash field of a warning: CAP identifies a message by sender and identifier. */
export function warningKey(sender: string, identifier: string): string {
  return `${sender}|${identifier}`;
}

/** True while the warning raises its township's level. */
export function counts(w: OutsideWarning, now: number): w is OutsideWarning & { level: Level } {
  return w.status === 'Actual' && w.level !== null && (w.expires === null || w.expires > now);
}

/**
 * The township's warning level: the highest of its gauges' level and the outside warnings in
 * force, with every outside warning in force as a reason beside the gauges' evidence.
 */
export function combinedLevel(
  gauge: MaybeLevel,
  gaugeReasons: readonly TownshipReason[],
  outside: readonly OutsideWarning[],
  now: number,
): { level: MaybeLevel; reasons: TownshipReason[] } {
  const active = outside.filter((w) => counts(w, now)).sort((a, b) => levelRank(b.level) - levelRank(a.level));
  let level = gauge;
  for (const w of active) if (levelRank(w.level) > levelRank(level)) level = w.level;
  const reasons: TownshipReason[] = active.map((w) => ({
    kind: 'outside',
    source: w.source,
    event: w.event,
    colour: w.colour,
    level: w.level as Level,
    identifier: w.identifier,
    expires: w.expires,
  }));
  return { level, reasons: [...reasons, ...gaugeReasons] };
}

/** Parses the township's `outside` hash (field → JSON); unreadable entries are skipped. */
export function outsideFromHash(hash: Record<string, string> | null | undefined): OutsideWarning[] {
  const out: OutsideWarning[] = [];
  for (const v of Object.values(hash ?? {})) {
    try {
      out.push(JSON.parse(v) as OutsideWarning);
    } catch {
      // a hand-edited or truncated entry never stops a township's evaluation
    }
  }
  return out.sort((a, b) => a.sent.localeCompare(b.sent));
}

const COLOUR_WORDS: Record<SignalColour, string> = { red: '红色', orange: '橙色', yellow: '黄色', blue: '蓝色' };

/** 宁国市气象台暴雨橙色预警 (the event is written once even when it already says 预警). */
export function outsideWarningText(w: { source: string; event: string; colour: SignalColour | null }): string {
  const event = w.event.replace(/(预警信号|预警)$/, '');
  return `${w.source}${event}${w.colour ? COLOUR_WORDS[w.colour] : ''}预警`;
}

/**
 * A township's stored evaluation with its outside warnings in force folded in (level and
 * reasons); the evaluation itself is left as the gauges made it. Null stays null when no
 * outside warning counts.
 */
export function withOutside<S extends { level: MaybeLevel; reasons: TownshipReason[] }>(
  state: S | null,
  outside: readonly OutsideWarning[],
  now: number,
  empty: () => S,
): S | null {
  if (!outside.some((w) => counts(w, now))) return state;
  const base = state ?? empty();
  return { ...base, ...combinedLevel(base.level, base.reasons, outside, now) };
}
