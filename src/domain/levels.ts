/**
 * The four flood-response levels (防汛应急响应等级). Ⅳ is the lowest, Ⅰ the highest.
 * In JSON they are the strings "IV" "III" "II" "I"; `null` means no response.
 */
export const LEVELS = ['IV', 'III', 'II', 'I'] as const;
export type Level = (typeof LEVELS)[number];
export type MaybeLevel = Level | null;

const RANK: Record<Level, number> = { IV: 1, III: 2, II: 3, I: 4 };

/** 0 for no level, 1 for Ⅳ … 4 for Ⅰ. */
export function levelRank(level: MaybeLevel): number {
  return level === null ? 0 : RANK[level];
}

export function levelFromRank(rank: number): MaybeLevel {
  if (rank <= 0) return null;
  return LEVELS[Math.min(rank, LEVELS.length) - 1] ?? null;
}

export function maxLevel(...levels: MaybeLevel[]): MaybeLevel {
  let best: MaybeLevel = null;
  for (const l of levels) if (levelRank(l) > levelRank(best)) best = l;
  return best;
}

/** One step higher, capped at Ⅰ; none stays none. */
export function raiseLevel(level: MaybeLevel, steps = 1): MaybeLevel {
  if (level === null) return null;
  return levelFromRank(Math.min(levelRank(level) + steps, RANK.I));
}

/** How a level is written for people: Ⅳ级 (蓝色) … Ⅰ级 (红色). */
export const LEVEL_LABEL: Record<Level, { numeral: string; colour: string; colourEn: 'blue' | 'yellow' | 'orange' | 'red' }> = {
  IV: { numeral: 'Ⅳ级', colour: '蓝色', colourEn: 'blue' },
  III: { numeral: 'Ⅲ级', colour: '黄色', colourEn: 'yellow' },
  II: { numeral: 'Ⅱ级', colour: '橙色', colourEn: 'orange' },
  I: { numeral: 'Ⅰ级', colour: '红色', colourEn: 'red' },
};
