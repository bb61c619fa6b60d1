import type { Recipient } from '../domain/alerts/index.js';
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
  const arriveBy = recipient?.arriveDeadline && recipient.arrivedAt === null
    ? recipient.arriveDeadline > message.createdAt ? `，${shortTimeText(recipient.arriveDeadline, timeZone)}前到指挥部到岗` : '，尽快到指挥部到岗'
    : '';
  let head: string;
  let ask: string;
  if (message.kind === 'reminder') {
    head = `【到岗提醒】${person.name}：${townshipName}防汛${what}，您尚未报到岗。`;
    ask = `请于${by}前到指挥部并报到岗：${link}`;
  } else {
    const again = message.kind === 'renotify' ? '【再次提醒】' : '';
    const started = alert.kind === 'response' ? `市防指决定${townshipName}${alert.epoch > 1 ? '提升至' : '启动'}防汛${what}。` : `${townshipName}达到防汛${what}。`;
    head = `${again}${person.name}：${started}`;
    ask = `请于${by}前确认收到${arriveBy}。${link} ${REPLY_HINT}`;
  }
  const room = ucs2Capacity(SMS_SEGMENTS) - head.length - ask.length;
  const first = alert.reasons[0] ? `${reasonText(alert.reasons[0], input.stationName)}${alert.reasons.length > 1 ? '等' : ''}` : '';
  const evidence = fitted([evidenceText(alert.reasons, input.stationName, 2), evidenceText(alert.reasons, input.stationName, 1), first], room - '依据：。'.length);
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
