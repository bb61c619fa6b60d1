import { LEVEL_LABEL, type MaybeLevel } from './levels.js';
import type { TownshipReason } from './township.js';
import { outsideWarningText } from './outside.js';

/**
 * How evidence and levels are written for the people who read the messages: the office's
 * own wording ("超警戒 0.32 米", "3小时降雨 104 毫米"). Pure text, no I/O.
 */
/** A rainfall window in words (3h → 3小时); `day` is the hydrological day. */
export const WINDOW_WORDS: Record<string, string> = {
  '10m': '10分钟',
  '30m': '30分钟',
  '1h': '1小时',
  '3h': '3小时',
  '6h': '6小时',
  '12h': '12小时',
  '24h': '24小时',
  day: '日',
  '72h': '72小时',
  '7d': '7天',
  season: '入汛以来',
};
const THRESHOLD_WORDS: Record<string, string> = {
  warning: '警戒',
  guarantee: '保证',
  record: '历史最高',
  floodLimit: '汛限',
  design: '设计洪水位',
  check: '校核洪水位',
};

export function levelText(level: MaybeLevel): string {
  if (!level) return '无响应';
  const l = LEVEL_LABEL[level];
  return `${l.numeral}(${l.colour})`;
}

const num = (x: number, digits = 2) => String(Math.round(x * 10 ** digits) / 10 ** digits);

/** One reason in the office's words, e.g. `西津河宁国站 超警戒 0.32 米（水位 35.82 米）`. */
export function reasonText(r: TownshipReason | { kind: 'declared'; notice?: string }, stationName: (id: string) => string = (id) => id): string {
  switch (r.kind) {
    case 'rainfall':
      return `${stationName(r.stationId)} ${WINDOW_WORDS[r.window] ?? r.window}降雨 ${num(r.value, 1)} 毫米`;
    case 'rainfall-mean':
      return `面雨量 ${WINDOW_WORDS[r.window] ?? r.window}降雨 ${num(r.value, 1)} 毫米`;
    case 'river':
    case 'reservoir': {
      const name = THRESHOLD_WORDS[r.threshold] ?? r.threshold;
      const over = r.value - (r.limit - r.by);
      const amount = Math.abs(over) < 0.005 ? '' : ` ${num(over)} 米`;
      return `${stationName(r.stationId)} 超${name}${amount}（水位 ${num(r.value)} 米）`;
    }
    case 'rise':
      return `${stationName(r.stationId)} 涨率 ${num(r.value)} 米/小时`;
    case 'outside':
      return outsideWarningText(r);
    case 'declared':
      return `防指宣布${r.notice ? `（${r.notice}）` : ''}`;
  }
}

/** Up to `max` reasons, joined for a message. */
export function evidenceText(reasons: readonly TownshipReason[], stationName: (id: string) => string, max = 3): string {
  if (reasons.length === 0) return '';
  const shown = reasons.slice(0, max).map((r) => reasonText(r, stationName));
  return shown.join('；') + (reasons.length > max ? ` 等${reasons.length}项` : '');
}

/** Local time for messages: `07月05日 14:32` in the configured zone. */
export function localTimeText(t: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(t))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.month}月${parts.day}日 ${parts.hour}:${parts.minute}`;
}

/** Short local time for SMS: `05日14:32` (a deadline is hours away, the day is enough). */
export function shortTimeText(t: number, timeZone: string): string {
  const full = localTimeText(t, timeZone);
  return `${full.slice(3, 6)}${full.slice(7)}`;
}

/** Sign-in roles as the board names them (the header shows 姓名（值班人员）, never an id or a code). */
export const STAFF_ROLE_WORDS: Record<string, string> = { admin: '管理员', duty: '值班人员', leader: '领导' };

export const ROLE_WORDS: Record<string, string> = {
  'liaison-leader': '联系市领导',
  'township-head': '乡镇(街道)主要负责人',
  'object-keeper': '包保责任人',
  'duty-officer': '值班员',
  'shift-leader': '带班领导',
  commander: '指挥长',
};

/** A level as a call speaks it (TTS reads "Ⅱ" badly): 二级橙色. */
export const SPOKEN_LEVEL: Record<string, string> = { IV: '四级蓝色', III: '三级黄色', II: '二级橙色', I: '一级红色' };
const SPOKEN_RESPONSE_LEVEL: Record<string, string> = { IV: '四级应急响应', III: '三级应急响应', II: '二级应急响应', I: '一级应急响应' };

/**
 * The `notice` variable of the approved speech template, by message kind: fixed phrases
 * only (a response's own notice number is the one value put in front), so a call never reads
 * free text the provider did not approve.
 */
export const SPOKEN_NOTICE: Record<string, string> = {
  notify: '请做好防范，确认收到请按1',
  renotify: '您尚未确认，确认收到请按1',
  reminder: '您尚未到岗，请立即赶赴指挥部，收到请按1',
  escalate: '责任人未按时确认，请立即电话叫应',
  lowered: '预警已调整',
  adjusted: '预警已调整',
  resolved: '预警已解除',
};
const SPOKEN_RESPONSE_NOTICE: Record<string, string> = {
  notify: '请立即到岗，收到请按1',
  renotify: '您尚未确认，收到请按1',
  reminder: '您尚未到岗，请立即赶赴指挥部',
  escalate: '责任人未按时确认，请立即电话叫应',
  lowered: '应急响应已调整',
  adjusted: '应急响应已调整',
  resolved: '应急响应已终止',
};

/**
 * `level` and `notice` of the speech template (…叫应：{township}，防汛{level}，{notice}。).
 * A response call-out says it is the HQ's decision and names the notice:
 * 防汛二级应急响应，市防指决定宁防指〔2023〕4号，请立即到岗，收到请按1.
 */
export function spokenVariables(
  kind: 'warning' | 'response',
  messageKind: string,
  level: string | null,
  noticeNumber: string | null,
): { level: string; notice: string } {
  if (kind === 'warning') return { level: SPOKEN_LEVEL[level ?? ''] ?? '', notice: SPOKEN_NOTICE[messageKind] ?? '' };
  const phrase = SPOKEN_RESPONSE_NOTICE[messageKind] ?? '';
  const decided = noticeNumber && messageKind !== 'escalate' ? `市防指决定${noticeNumber}，` : '';
  return { level: SPOKEN_RESPONSE_LEVEL[level ?? ''] ?? '', notice: `${decided}${phrase}` };
}

/** A distance as people say it: 850米, 51.2公里. */
export function distanceText(m: number): string {
  return m < 1_000 ? `${m}米` : `${num(m / 1_000, 1)}公里`;
}

/**
 * What is doubtful about an arrival, for the board, the ledger and the duty room's notice:
 * `距指挥部51.2公里`, `未提供位置`, `10分钟内在梅林镇也报到岗`. Empty when nothing is.
 */
export function arrivalDoubts(
  a: { far: boolean; distanceM: number | null; noLocation: boolean; multiPost: readonly string[] } | undefined,
  townshipName: (id: string) => string = (id) => id,
  multiPostMinutes = 10,
): string[] {
  if (!a) return [];
  const out: string[] = [];
  if (a.far && a.distanceM !== null) out.push(`距指挥部${distanceText(a.distanceM)}`);
  if (a.noLocation) out.push('未提供位置');
  if (a.multiPost.length) out.push(`${multiPostMinutes}分钟内在${a.multiPost.map(townshipName).join('、')}也报到岗`);
  return out;
}
