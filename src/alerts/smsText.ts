import type { Alert, AlertMessage, Recipient } from '../domain/alerts/index.js';
import { LEVEL_LABEL, levelRank } from '../domain/levels.js';
import { evidenceText, levelText, reasonText, shortTimeText } from '../domain/wording.js';
import { smsCost, ucs2Capacity } from '../channels/segments.js';
import type { RenderInput } from './render.js';

/** What an SMS that asks for an answer ends with; the inbound SMS path takes "1" as an ack. */
export const REPLY_HINT = '回复1确认';
/** A call-out SMS stays within two UCS-2 parts (134 units) with its answer link. */
export const SMS_SEGMENTS = 2;

/** Whether the message asks its reader to acknowledge (and so carries the reply hint). */
export function asksForAnswer(input: Pick<RenderInput, 'message'>): boolean {
  const m = input.message;
  return m.withLink && m.deadline !== null && (m.kind === 'notify' || m.kind === 'renotify' || m.kind === 'adjusted');
}

/**
 * The SMS form of a call-out that carries an answer link: who, what, by when, the link and
 * 回复1确认 — the evidence gets the room that is left and is shortened (…) rather than pushing
 * the message into a third part. Returns null for messages without a link (the full text goes).
 */
export function smsText(input: RenderInput, recipient: Recipient | undefined): string | null {
  const { alert, message, person, townshipName, timeZone } = input;
  const link = message.withLink ? input.ackUrl : null;
  if (!link || message.deadline === null) return null;
  const level = levelText(message.level);
  const by = shortTimeText(message.deadline, timeZone);
  const what = alert.kind === 'response' ? `${level}应急响应${alert.declared ? `（${alert.declared.notice}）` : ''}` : `${level}预警`;
  const arriveBy =
    recipient?.arriveDeadline && recipient.arrivedAt === null
      ? recipient.arriveDeadline > message.createdAt
        ? `，${shortTimeText(recipient.arriveDeadline, timeZone)}前到指挥部到岗`
        : '，尽快到指挥部到岗'
      : '';
  let head: string;
  let ask: string;
  if (message.kind === 'reminder') {
    head = `【到岗提醒】${person.name}：${townshipName}防汛${what}，您尚未报到岗。`;
    ask = `请于${by}前到指挥部并报到岗：${link}`;
  } else {
    const again = message.kind === 'renotify' ? '【再次提醒】' : '';
    const started =
      alert.kind === 'response' ? `市防指决定${townshipName}${alert.epoch > 1 ? '提升至' : '启动'}防汛${what}。` : `${townshipName}达到防汛${what}。`;
    head = `${again}${person.name}：${started}`;
    ask = `请于${by}前确认收到${arriveBy}。${link} ${REPLY_HINT}`;
  }
  const room = ucs2Capacity(SMS_SEGMENTS) - head.length - ask.length;
  const first = alert.reasons[0] ? `${reasonText(alert.reasons[0], input.stationName)}${alert.reasons.length > 1 ? '等' : ''}` : '';
  const evidence = fitted(
    [evidenceText(alert.reasons, input.stationName, 2), evidenceText(alert.reasons, input.stationName, 1), first],
    room - '依据：。'.length,
  );
  const text = `${head}${evidence ? `依据：${evidence}。` : ''}${ask}`;
  return smsCost(text).segments <= SMS_SEGMENTS || !evidence ? text : `${head}${ask}`;
}

/** The longest of `texts` (most first) that fits in `room` UTF-16 units, else the last cut with an ellipsis; empty when there is no useful room. */
function fitted(texts: string[], room: number): string {
  const whole = texts.find((t) => t.length <= room);
  if (whole !== undefined) return whole;
  if (room < 8) return '';
  let out = '';
  for (const ch of texts.at(-1) ?? '') {
    if (out.length + ch.length > room - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** One held message of a bundle, with what its text needs. */
export interface BundledMessage {
  alert: Alert;
  message: AlertMessage;
  townshipName: string;
  recipient: Recipient | undefined;
}

/** What one message of a bundle says, in a few characters: 西津街道Ⅲ级预警, 梅林镇预警解除, 甲路镇张伟未确认… */
function bundlePart(b: BundledMessage): string {
  const what = b.alert.kind === 'response' ? '应急响应' : '预警';
  const level = LEVEL_LABEL[b.message.level ?? 'IV'].numeral;
  switch (b.message.kind) {
    case 'notify':
    case 'adjusted':
      return `${b.townshipName}${level}${what}`;
    case 'renotify':
      return `${b.townshipName}${level}${what}（再次提醒）`;
    case 'reminder':
      return `${b.townshipName}${level}${what}（请报到岗）`;
    case 'escalate':
      return `${b.townshipName}${level}${what}有人未按时确认，请电话叫应`;
    case 'lowered':
      return `${b.townshipName}${what}调整为${level}`;
    case 'resolved':
      return `${b.townshipName}${what}${b.alert.kind === 'response' ? '终止' : '解除'}`;
  }
}

/**
 * The SMS of a bundle (messages to one person within `bundleWithin`): the townships named once
 * (您联系的… for a liaison leader), what each message is, the earliest deadline still ahead, one
 * answer link (it opens the page with all the person's open items) and 回复1确认 when any asks.
 * Kept within two parts: the per-township list gives way to a count when it does not fit.
 */
export function bundleSmsText(items: readonly BundledMessage[], o: { name: string; link: string | null; timeZone: string; now: number }): string {
  const names = [...new Set(items.map((i) => i.townshipName))];
  const liaison = items.every((i) => i.recipient?.role === 'liaison-leader');
  const head = `${o.name}：${liaison ? '您联系的' : ''}${names.join('、')}有${items.length}条防汛消息`;
  const asks = items.filter((i) => asksForAnswer(i) || i.message.kind === 'reminder');
  const deadlines = asks.map((i) => i.message.deadline).filter((d): d is number => d !== null && d > o.now);
  const by = deadlines.length ? `请于${shortTimeText(Math.min(...deadlines), o.timeZone)}前逐项确认` : '请尽快确认';
  const tail = asks.length && o.link ? `${by}：${o.link} ${REPLY_HINT}` : o.link ? `详见：${o.link}` : '';
  const full = `${head}：${items.map(bundlePart).join('；')}。${tail}`;
  if (smsCost(full).segments <= SMS_SEGMENTS) return full;
  const top = items.reduce((a, b) => (levelRank(b.message.level) > levelRank(a.message.level) ? b : a));
  return `${head}，最高${LEVEL_LABEL[top.message.level ?? 'IV'].numeral}。${tail}`;
}
