import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pino } from 'pino';
import { loadConfig } from '../src/config/load.js';
import { highestLevel, loadBacktestFile, runBacktest } from '../src/backtest/replay.js';
import { LEVELS } from '../src/domain/levels.js';

/**
 * The shipped calibration on the storm the HQ actually decided: 2023-07-05 in 宁国, city-wide Ⅳ
 * by 宁防指〔2023〕4号. The defaults must give warnings no higher than Ⅲ and one city Ⅳ recommendation.
 */
describe('backtest (预演) of 2023-07-05 with the shipped defaults', () => {
  it('gives warnings ≤ Ⅲ everywhere and one city Ⅳ recommendation, in storm time', async () => {
    const file = loadBacktestFile('config/demo/backtest-2023-07-05.json');
    const report = await runBacktest({ file, config: loadConfig('config'), redisUrl: inject('redisUrl'), log: pino({ level: 'silent' }) });
    expect(report.readings).toMatchObject({ posted: 2160, accepted: 2160, refused: 0 });
    expect(report.cityMean6h).toBeCloseTo(61, 0);
    expect(LEVELS.indexOf(highestLevel(report)!)).toBeLessThanOrEqual(LEVELS.indexOf('III'));
    const warned = report.highest.filter((t) => t.level !== null);
    expect(warned).toHaveLength(12);
    expect(
      warned
        .filter((t) => t.level === 'III')
        .map((t) => t.name)
        .sort(),
    ).toEqual(['梅林镇', '汪溪街道', '河沥溪街道', '港口镇', '霞西镇'].sort());
    expect(report.recommendations).toHaveLength(1);
    const rec = report.recommendations[0]!;
    expect(rec.title).toBe('【响应建议】建议启动全市Ⅳ级应急响应');
    expect(rec.text).toMatch(/建议启动全市Ⅳ级应急响应：.*个乡镇达到Ⅳ级及以上预警/);
    // Storm time, not arrival time: the recommendation comes during the storm, before the HQ's 09:00.
    expect(rec.at).toBeGreaterThan(Date.parse('2023-07-05T02:00:00+08:00'));
    expect(rec.at).toBeLessThan(Date.parse('2023-07-05T09:00:00+08:00'));
    expect(rec.to.length).toBeGreaterThan(0);
    // Nobody is sent to a command post by warnings, and the commander is not paged per township.
    expect(report.messages.filter((m) => m.personId === 'p-commander' && m.kind.startsWith('warning'))).toEqual([]);
    expect(report.changes.every((c) => c.at >= report.from && c.at <= report.to + 300_000)).toBe(true);
  }, 120_000);

  it('one gauge never gives Ⅰ from rain; 港口湾 2.4 m over its July flood limit gives Ⅱ', async () => {
    const config = loadConfig('config');
    const t0 = Date.parse('2023-07-05T02:00:00+08:00');
    const iso = (t: number) => `${new Date(t + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
    const readings = [
      // 300 mm in 3 h at one gauge (bounded to 60 mm per 5 min): every rain rule, still no Ⅰ.
      ...Array.from({ length: 36 }, (_, i) => ({ stationId: '62900101', observedAt: iso(t0 + (i + 1) * 300_000), rainfallMm: 8.4 })),
      { stationId: '62900138', observedAt: iso(t0 + 3 * 3_600_000), waterLevelM: 135.4 },
    ];
    const report = await runBacktest({ file: { readings }, config, redisUrl: inject('redisUrl'), log: pino({ level: 'silent' }) });
    const level = (name: string) => report.highest.find((t) => t.name === name)!.level;
    expect(level('西津街道')).toBe('II');
    expect(level('港口镇')).toBe('II');
    expect(highestLevel(report)).toBe('II');
  }, 120_000);
});
