import { LEVELS, LEVEL_LABEL, levelRank, maxLevel, type Level, type MaybeLevel } from '../levels.js';
import type { RainfallRule, RainWindow } from '../rules.js';
import { WINDOW_WORDS } from '../wording.js';

/**
 * The city as a whole (全市) and the advice to the HQ: warnings advise, the HQ declares. When
 * the warnings point above the response in force, the duty room and the commander get one
 * recommendation for the whole picture (not one page per township).
 */
export interface TownshipRule {
  /** Townships at this warning level or higher … */
  atLeast: Level;
  /** … at least this many of them, */
  count?: number;
  /** … or at least this share of all townships (0–1), */
  share?: number;
  /** … give the city this level. */
  level: Level;
}

export interface CityRules {
  rainfall: RainfallRule[];
  townships: TownshipRule[];
}

export type CityReason =
  | { kind: 'city-rainfall'; window: RainWindow; value: number; limit: number; level: Level }
  | { kind: 'townships'; atLeast: Level; count: number; required: number; level: Level; townshipIds: string[] };

export interface TownshipWarning {
  id: string;
  name: string;
  level: MaybeLevel;
}

export interface CityPicture {
  /** What the city rules give (the city-wide recommendation), or null. */
  level: MaybeLevel;
  reasons: CityReason[];
  /** Townships per warning level (exactly that level). */
  counts: Record<Level, number>;
}

export function cityPicture(townships: readonly TownshipWarning[], meanRain: Partial<Record<RainWindow, number>> | null, rules: CityRules): CityPicture {
  const counts = Object.fromEntries(LEVELS.map((l) => [l, townships.filter((t) => t.level === l).length])) as Record<Level, number>;
  const reasons: CityReason[] = [];
  let level: MaybeLevel = null;
  for (const rule of rules.rainfall) {
    const value = meanRain?.[rule.window];
    if (value !== undefined && value >= rule.mm) {
      reasons.push({ kind: 'city-rainfall', window: rule.window, value, limit: rule.mm, level: rule.level });
      level = maxLevel(level, rule.level);
    }
  }
  for (const rule of rules.townships) {
    const at = townships.filter((t) => levelRank(t.level) >= levelRank(rule.atLeast));
    const required = Math.max(1, rule.count ?? 0, rule.share !== undefined ? Math.ceil(rule.share * townships.length) : 0);
    if (at.length >= required) {
      reasons.push({ kind: 'townships', atLeast: rule.atLeast, count: at.length, required, level: rule.level, townshipIds: at.map((t) => t.id) });
      level = maxLevel(level, rule.level);
    }
  }
  reasons.sort((a, b) => levelRank(b.level) - levelRank(a.level));
  return { level, reasons, counts };
}

export interface Recommendation {
  /** A city-wide response at this level, with why. */
  city: { level: Level; reasons: CityReason[] } | null;
  /** Townships whose warning is above both their response and the city recommendation. */
  townships: Array<{ id: string; name: string; level: Level }>;
}

/**
 * What to recommend now, given the response level in force per township (`covered`). Returns
 * null when the warnings point nowhere above what is in force.
 */
export function recommend(
  picture: CityPicture,
  townships: readonly TownshipWarning[],
  covered: ReadonlyMap<string, Level>,
  townshipsFrom: Level = 'II',
): Recommendation | null {
  const cityLevel = picture.level;
  const below = (id: string, level: Level) => levelRank(covered.get(id) ?? null) < levelRank(level);
  const city =
    cityLevel && townships.some((t) => below(t.id, cityLevel)) ? { level: cityLevel, reasons: picture.reasons.filter((r) => r.level === cityLevel) } : null;
  const floor = city?.level ?? null;
  // A township of its own only from `townshipsFrom` (default Ⅱ): below that the city picture speaks,
  // so a storm spreading over townships does not page the HQ once per township.
  const own = townships.flatMap((t) =>
    t.level && levelRank(t.level) >= levelRank(townshipsFrom) && below(t.id, t.level) && levelRank(t.level) > levelRank(floor)
      ? [{ id: t.id, name: t.name, level: t.level }]
      : [],
  );
  if (!city && own.length === 0) return null;
  return { city, townships: own.sort((a, b) => levelRank(b.level) - levelRank(a.level)) };
}

// The city mean over the hydrological day reads 当日 (全市平均当日降雨…); the other windows as everywhere.
const CITY_WINDOW_WORDS: Record<string, string> = { ...WINDOW_WORDS, day: '当日' };

const num = (l: Level) => LEVEL_LABEL[l].numeral;

/** The one recommendation text, in the office's words. */
export function recommendationText(rec: Recommendation, townships: readonly TownshipWarning[], link: string): { title: string; text: string } {
  const name = (id: string) => townships.find((t) => t.id === id)?.name ?? id;
  const parts: string[] = [];
  let title = '【响应建议】';
  if (rec.city) {
    const why = rec.city.reasons.map((r) =>
      r.kind === 'townships'
        ? `${r.count}个乡镇达到${num(r.atLeast)}及以上预警（${r.townshipIds.slice(0, 8).map(name).join('、')}${r.townshipIds.length > 8 ? '等' : ''}）`
        : `全市平均${CITY_WINDOW_WORDS[r.window] ?? r.window}降雨${Math.round(r.value)}毫米`,
    );
    parts.push(`建议启动全市${num(rec.city.level)}应急响应：${why.join('，')}。`);
    title = `【响应建议】建议启动全市${num(rec.city.level)}应急响应`;
  }
  if (rec.townships.length > 0) {
    const byLevel = LEVELS.slice()
      .reverse()
      .flatMap((l) => {
        const ids = rec.townships.filter((t) => t.level === l).map((t) => t.name);
        return ids.length ? [`${ids.join('、')}${num(l)}`] : [];
      });
    parts.push(`${rec.city ? '另' : ''}建议启动${byLevel.join('，')}应急响应（预警高于现行响应）。`);
    if (!rec.city)
      title = `【响应建议】${rec.townships
        .map((t) => t.name)
        .slice(0, 3)
        .join('、')}${rec.townships.length > 3 ? '等' : ''}`;
  }
  parts.push(`预警是对防指的建议，是否启动由防指决定。宣布响应：${link}`);
  return { title, text: parts.join('\n') };
}
