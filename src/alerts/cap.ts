import type { Alert } from '../domain/alerts/index.js';
import { LEVEL_LABEL, type Level } from '../domain/levels.js';
import { evidenceText, levelText } from '../domain/wording.js';
import type { Policy } from '../config/policy.js';

/**
 * CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2) for public warning systems. An alert is a
 * series of CAP messages: `Alert` when it opens, `Update` on each level change, `Cancel` on
 * resolve, each referencing the ones before (`sender,identifier,sent`) and each with an
 * `<expires>`. Identifiers follow GB/T 35965.1: ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (office code,
 * Beijing time of issue, N the sender's message counter from 0, see capIds.ts).
 */
export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';

const SEVERITY: Record<Level, 'Extreme' | 'Severe' | 'Moderate' | 'Minor'> = { I: 'Extreme', II: 'Severe', III: 'Moderate', IV: 'Minor' };

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry at all (C0 controls but tab and line breaks, U+FFFE/U+FFFF,
  // lone surrogates) are dropped, so a feed stays well-formed whatever text came in.
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);
}

/** Beijing time: `2026-07-05T14:32:00+08:00` (CAP dateTime) and `20260705143200` (identifier). */
function beijing(t: number): { cap: string; compact: string } {
  const local = new Date(Math.floor(t / 1000) * 1000 + 8 * 3_600_000).toISOString().slice(0, 19);
  return { cap: `${local}+08:00`, compact: local.replace(/[-T:]/g, '') };
}

export interface CapEvent {
  msgType: 'Alert' | 'Update' | 'Cancel';
  level: Level;
  at: number;
}

export interface CapMessage extends CapEvent {
  identifier: string;
  sent: string;
  expires: string;
}

/** The CAP messages an alert has produced so far, oldest first, before they are numbered. */
export function capEvents(alert: Alert): CapEvent[] {
  const out: CapEvent[] = [];
  let level: Level | null = null;
  for (const e of alert.timeline) {
    if (e.type === 'opened' && e.level) {
      level = e.level;
      out.push({ msgType: 'Alert', level, at: e.at });
    }
    // A response's new notice at the same level (adjusted) is an Update too; its end (ended) a Cancel.
    else if ((e.type === 'raised' || e.type === 'lowered' || e.type === 'adjusted') && e.level) {
      level = e.level;
      out.push({ msgType: 'Update', level, at: e.at });
    } else if (e.type === 'resolved' || e.type === 'ended') out.push({ msgType: 'Cancel', level: level ?? alert.level, at: e.at });
  }
  return out;
}

/**
 * The messages with their GB/T 35965.1 identifiers: office code, Beijing time of issue, and
 * the sender's counter `numbers[i]` (capIds.ts). An Alert or Update expires
 * `expiresAfter` after it is sent, a Cancel `keepCancelFor` after (as long as the feed shows it).
 */
export function capMessages(events: readonly CapEvent[], numbers: readonly number[], cap: Policy['cap']): CapMessage[] {
  const office = `${cap.adminCode}${cap.organCode}00000`;
  return events.map((e, i) => {
    const { cap: sent, compact } = beijing(e.at);
    const expires = beijing(e.at + (e.msgType === 'Cancel' ? cap.keepCancelFor : cap.expiresAfter)).cap;
    return { ...e, identifier: `${office}_${compact}_${numbers[i]}`, sent, expires };
  });
}

/** The latest CAP message of an alert as XML (with references to the earlier ones). */
export function capXml(
  alert: Alert,
  messages: readonly CapMessage[],
  township: { id: string; name: string; commandPost?: { lat: number; lon: number } | null },
  stationName: (id: string) => string,
  policy: Policy,
  publicUrl: string,
): string {
  const last = messages.at(-1)!;
  const earlier = messages.slice(0, -1);
  const lv = LEVEL_LABEL[last.level];
  const evidence = evidenceText(alert.reasons, stationName, 5);
  // A response (the HQ's decision) and a warning (what the gauges say) are told apart in the words.
  const what = alert.kind === 'response' ? '应急响应' : '预警';
  const headline =
    last.msgType === 'Cancel'
      ? `${township.name}防汛${what}${alert.kind === 'response' ? '终止' : '解除'}`
      : alert.kind === 'response'
        ? `${township.name}启动防汛${levelText(last.level)}应急响应`
        : `${township.name}防汛${levelText(last.level)}预警`;
  const description = [
    last.msgType === 'Cancel'
      ? `${township.name}防汛${what}已${alert.kind === 'response' ? '终止' : '解除'}。${alert.resolveReason ? `原因：${alert.resolveReason}。` : ''}`
      : `${township.name}防汛${what}${levelText(last.level)}。`,
    alert.declared ? `依据${alert.declared.notice}：${alert.declared.reason}。` : '',
    evidence && last.msgType !== 'Cancel' ? `雨情水情：${evidence}。` : '',
  ]
    .filter(Boolean)
    .join('');
  const refs = earlier.map((m) => `${policy.cap.sender},${m.identifier},${m.sent}`).join(' ');
  const circle = township.commandPost ? `\n      <circle>${township.commandPost.lat},${township.commandPost.lon} 5</circle>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${CAP_NS}">
  <identifier>${last.identifier}</identifier>
  <sender>${xmlEscape(policy.cap.sender)}</sender>
  <sent>${last.sent}</sent>
  <status>Actual</status>
  <msgType>${last.msgType}</msgType>
  <scope>Public</scope>${refs ? `\n  <references>${xmlEscape(refs)}</references>` : ''}
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>${alert.kind === 'response' ? '防汛应急响应' : '防汛预警'}</event>
    <responseType>${last.msgType === 'Cancel' ? 'AllClear' : 'Prepare'}</responseType>
    <urgency>${last.msgType === 'Cancel' ? 'Past' : 'Immediate'}</urgency>
    <severity>${last.msgType === 'Cancel' ? 'Minor' : SEVERITY[last.level]}</severity>
    <certainty>Observed</certainty>
    <eventCode>
      <valueName>level</valueName>
      <value>${last.level}</value>
    </eventCode>
    <eventCode>
      <valueName>colour</valueName>
      <value>${lv.colourEn}</value>
    </eventCode>
    <effective>${last.sent}</effective>
    <expires>${last.expires}</expires>
    <senderName>${xmlEscape(policy.cap.senderName)}</senderName>
    <headline>${xmlEscape(headline)}</headline>
    <description>${xmlEscape(description)}</description>
    <web>${xmlEscape(`${publicUrl.replace(/\/$/, '')}/v1/alerts/${encodeURIComponent(alert.id)}/cap.xml`)}</web>
    <area>
      <areaDesc>${xmlEscape(township.name)}</areaDesc>${circle}
      <geocode>
        <valueName>GB/T 2260</valueName>
        <value>${xmlEscape(township.id)}</value>
      </geocode>
    </area>
  </info>
</alert>
`;
}
