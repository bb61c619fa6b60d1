import { levelRank, type Level, type MaybeLevel } from './levels.js';
import { levelText, localTimeText } from './wording.js';

/** The text of the 08:00 daily report (日报, or 零报告 when nothing happened), as a pure function. */
export interface DailyInput {
  /** Label of the hydrological day, e.g. 2026-07-05 (runs 08:00 that day → 08:00 next day). */
  date: string;
  dayStartHour: number;
  townships: Array<{
    id: string;
    name: string;
    /** Mean of the day totals of its rain-reporting stations, mm. */
    meanMm: number | null;
    top: Array<{ name: string; mm: number }>;
    highestLevel: MaybeLevel;
  }>;
  alerts: number;
  acks: number;
  medianAckSeconds: number | null;
  missedAcks: number;
  missedArrivals: number;
  /** HQ responses in force during the day, or started or ended in it. */
  responses?: Array<{ level: Level; scope: string; noticeNumber: string; startedAt: number | null; endedAt: number | null; endNotice: string | null }>;
  /** 到岗到位 under the responses: people asked to go to their post, and how many did. */
  arrivals?: { required: number; arrived: number; late: number; missed: number };
  /** 水情: each river and reservoir gauge's highest level of the day, against its stages. */
  water?: WaterPeak[];
  /** The duty shifts of the day (带班领导, 值班员, 值班电话), by name; the report says who kept the duty. */
  duty?: Array<{ start: number; leader: string; officers: string[]; phone?: string }>;
  timeZone?: string;
}

/** `值班：带班领导带班领导丙，值班员值班员乙、值班员丁（值班电话0563-4012345）`; several shifts each with their start. */
function dutyLine(d: DailyInput): string | null {
  if (!d.duty) return null;
  if (d.duty.length === 0) return '值班：当日未排班。';
  const one = (s: NonNullable<DailyInput['duty']>[number]) => `带班领导${s.leader}，值班员${s.officers.join('、')}${s.phone ? `（值班电话${s.phone}）` : ''}`;
  if (d.duty.length === 1) return `值班：${one(d.duty[0]!)}。`;
  return `值班：${d.duty.map((s) => `${localTimeText(s.start, d.timeZone ?? 'Asia/Shanghai')}起${one(s)}`).join('；')}。`;
}

/** A gauge's highest water level of the day (m) and the stages it is read against. */
export interface WaterPeak {
  name: string;
  kind: 'river' | 'reservoir';
  peakM: number;
  /** 警戒 / 保证 for a river, 汛限 (the one in force that day) for a reservoir. */
  warning?: number;
  guarantee?: number;
  floodLimit?: number;
}

const metres = (x: number) => String(Math.round(x * 100) / 100);

/** The stage a peak is read against: how far over (> 0) or under, and how grave (保证 2, 警戒/汛限 1, under 0). */
function waterStanding(w: WaterPeak): { rank: number; excess: number; words: string } | null {
  const stages: Array<[string, number | undefined, number]> =
    w.kind === 'river'
      ? [
          ['保证', w.guarantee, 2],
          ['警戒', w.warning, 1],
        ]
      : [['汛限', w.floodLimit, 1]];
  for (const [name, stage, rank] of stages) {
    if (stage !== undefined && w.peakM > stage) return { rank, excess: w.peakM - stage, words: `超${name}${metres(w.peakM - stage)}米` };
  }
  const [name, stage] = stages.at(-1)!;
  return stage === undefined ? null : { rank: 0, excess: w.peakM - stage, words: `低于${name}${metres(stage - w.peakM)}米` };
}

/** 水情 in the office's words, gravest first: `西津河宁国站最高水位35.8米，超警戒0.3米` (short: `西津河宁国站超警戒0.3米`). */
export function waterLines(water: readonly WaterPeak[], opts: { onlyOver?: boolean; short?: boolean } = {}): string[] {
  return water
    .map((w) => ({ w, s: waterStanding(w) }))
    .filter((x) => !opts.onlyOver || (x.s?.rank ?? 0) > 0)
    .sort((a, b) => (b.s?.rank ?? -1) - (a.s?.rank ?? -1) || (b.s?.excess ?? 0) - (a.s?.excess ?? 0))
    .map(({ w, s }) => (opts.short ? `${w.name}${s?.words ?? ''}` : `${w.name}最高水位${metres(w.peakM)}米${s ? `，${s.words}` : ''}`));
}

/** The day's wettest gauges across the city, e.g. `河沥长虹 114.0`. */
function topStations(d: DailyInput, n: number): string {
  return d.townships
    .flatMap((t) => t.top)
    .filter((s) => s.mm > 0)
    .sort((a, b) => b.mm - a.mm)
    .slice(0, n)
    .map((s) => `${s.name} ${mm(s.mm)}`)
    .join('、');
}

const mm = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} 秒`;
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return s ? `${m} 分 ${s} 秒` : `${m} 分钟`;
}

/**
 * The 日报 (or 零报告), and its SMS form: the city's rain and wettest gauge, what is over a
 * stage, the responses and the highest warning, then `全文：<fullUrl>` for the whole report.
 */
export function dailyReport(d: DailyInput, fullUrl?: string): { title: string; text: string; sms: string; zero: boolean } {
  const [y, m, day] = d.date.split('-');
  const next = new Date(Date.UTC(Number(y), Number(m) - 1, Number(day) + 1));
  const h = String(d.dayStartHour).padStart(2, '0');
  const span = `${y}年${m}月${day}日${h}时至${String(next.getUTCMonth() + 1).padStart(2, '0')}月${String(next.getUTCDate()).padStart(2, '0')}日${h}时`;
  const rainy = d.townships.filter((t) => (t.meanMm ?? 0) > 0 || t.top.some((s) => s.mm > 0));
  const levels = d.townships.filter((t) => t.highestLevel !== null).sort((a, b) => levelRank(b.highestLevel) - levelRank(a.highestLevel));
  const title = `【防汛日报】${m}月${day}日`;
  const responses = d.responses ?? [];
  const water = d.water ?? [];
  const overStage = waterLines(water, { onlyOver: true, short: true });
  if (rainy.length === 0 && levels.length === 0 && d.alerts === 0 && responses.length === 0 && overStage.length === 0) {
    const duty = dutyLine(d);
    const text = `${span}：全市无降雨，无应急响应，无预警。零报告。${duty ? `\n${duty}` : ''}`;
    return { title, text, sms: `${title}${text}`, zero: true };
  }
  const lines = [`${span}：`];
  const withMean = d.townships.filter((t) => t.meanMm !== null);
  if (withMean.length > 0) {
    const cityMean = withMean.reduce((s, t) => s + (t.meanMm ?? 0), 0) / withMean.length;
    const top = topStations(d, 5);
    lines.push(`全市平均降雨 ${mm(cityMean)} 毫米${top ? `，最大 ${top} 毫米` : ''}。`);
  }
  for (const t of rainy.sort((a, b) => (b.meanMm ?? 0) - (a.meanMm ?? 0))) {
    const top = t.top
      .filter((s) => s.mm > 0)
      .slice(0, 3)
      .map((s) => `${s.name} ${mm(s.mm)}`)
      .join('、');
    lines.push(`${t.name}：平均 ${mm(t.meanMm ?? 0)} 毫米${top ? `，最大 ${top} 毫米` : ''}。`);
  }
  if (water.length > 0) lines.push(`水情：${waterLines(water).join('；')}。${overStage.length === 0 ? '各河道水库均未超警戒（汛限）。' : ''}`);
  if (responses.length > 0) {
    const when = (t: number | null) => (t === null ? '' : localTimeText(t, d.timeZone ?? 'Asia/Shanghai'));
    const told = responses.map((r) => {
      const started = r.startedAt !== null ? `${when(r.startedAt)}启动` : '';
      const ended = r.endedAt !== null ? `，${when(r.endedAt)}终止${r.endNotice ? `（${r.endNotice}）` : ''}` : '，继续执行';
      return `${r.scope}防汛${levelText(r.level)}应急响应（${r.noticeNumber}）${started}${ended}`;
    });
    lines.push(`应急响应：${told.join('；')}。`);
    const a = d.arrivals;
    if (a && a.required > 0) lines.push(`到岗到位：应到岗 ${a.required} 人，已到岗 ${a.arrived} 人（其中超时 ${a.late} 人），超时未到岗 ${a.missed} 人次。`);
  } else {
    lines.push('防指未启动应急响应。');
  }
  if (levels.length > 0) lines.push(`最高预警：${levels.map((t) => `${t.name}${levelText(t.highestLevel)}`).join('；')}。`);
  else lines.push('各乡镇均未达到预警标准。');
  if (d.alerts > 0) {
    lines.push(
      `预警 ${d.alerts} 起，确认 ${d.acks} 人次${d.medianAckSeconds !== null ? `，确认用时中位数 ${duration(d.medianAckSeconds)}` : ''}；超时未确认 ${d.missedAcks} 人次，超时未到岗 ${d.missedArrivals} 人次。`,
    );
  } else {
    lines.push('无预警。');
  }
  const duty = dutyLine(d);
  if (duty) lines.push(duty);
  return { title, text: lines.join('\n'), sms: dailySms(d, title, overStage, levels, fullUrl), zero: false };
}

/** The short form for SMS; the full report is one tap away. */
function dailySms(d: DailyInput, title: string, overStage: string[], levels: DailyInput['townships'], fullUrl: string | undefined): string {
  const parts: string[] = [];
  const withMean = d.townships.filter((t) => t.meanMm !== null);
  if (withMean.length > 0) {
    const top = topStations(d, 1);
    parts.push(`全市平均降雨${mm(withMean.reduce((s, t) => s + (t.meanMm ?? 0), 0) / withMean.length)}毫米${top ? `，最大${top.replace(' ', '')}毫米` : ''}`);
  }
  if (overStage.length > 0) parts.push(`${overStage.slice(0, 2).join('；')}${overStage.length > 2 ? `等${overStage.length}站` : ''}`);
  const active = (d.responses ?? []).filter((r) => r.endedAt === null);
  parts.push(active.length ? `${active.map((r) => `${r.scope}${levelText(r.level)}应急响应（${r.noticeNumber}）`).join('、')}继续执行` : '无应急响应在执行');
  if (levels.length > 0) parts.push(`最高预警${levels[0]!.name}${levelText(levels[0]!.highestLevel)}`);
  return `${title}${parts.join('；')}。${fullUrl ? `全文：${fullUrl}` : ''}`;
}
