import type { Level, MaybeLevel } from './levels.js';
import type { CallPolicy } from './policy.js';

/**
 * Where calls sit in a person's contact ladder, and why a call was not placed. Pure.
 */
export interface Contact {
  channel: string;
  to: string;
}

export interface LadderMessage {
  kind: string;
  level: MaybeLevel;
  withLink: boolean;
  contactOffset: number;
  /** An escalation rung `call`: a call first, whatever the level. */
  call?: boolean;
}

/** Messages that only inform of an end, a lowering or an adjustment never ring a phone. */
const QUIET_KINDS = new Set(['lowered', 'adjusted', 'resolved']);

export function wantsCall(m: LadderMessage, calls: CallPolicy): boolean {
  if (m.call) return true;
  return m.kind === 'notify' && m.withLink && m.level !== null && calls.firstAt.includes(m.level as Level);
}

/**
 * The contacts to try for a message, in order: the person's usable contacts rotated by the
 * message's offset (a re-notification starts further down), with a call first when the
 * policy wants one. A person with a mobile (sms) but no `voice` contact is called on it.
 */
export function contactLadder(contacts: readonly Contact[], usable: (channel: string) => boolean, m: LadderMessage, calls: CallPolicy): Contact[] {
  const quiet = QUIET_KINDS.has(m.kind);
  const list = contacts.filter((c) => usable(c.channel) && !(quiet && c.channel === 'voice'));
  const n = list.length;
  const rotated = n === 0 ? [] : list.map((_, i) => list[(m.contactOffset + i) % n]!);
  if (!wantsCall(m, calls) || !usable('voice')) return rotated;
  const voice = rotated.filter((c) => c.channel === 'voice');
  const mobile = contacts.find((c) => c.channel === 'sms');
  if (voice.length === 0 && mobile) voice.push({ channel: 'voice', to: mobile.to });
  return [...voice, ...rotated.filter((c) => c.channel !== 'voice')];
}

/** Why a call the policy wants cannot be placed at all (no voice service, no number), or null. */
export function callUnavailable(contacts: readonly Contact[], usable: (channel: string) => boolean, m: LadderMessage, calls: CallPolicy): string | null {
  if (!wantsCall(m, calls)) return null;
  if (!usable('voice')) return '未拨打：未配置语音服务（channels.yaml voice），改用其他联系方式';
  if (!contacts.some((c) => c.channel === 'voice' || c.channel === 'sms')) return '未拨打：此人未登记手机号码，改用其他联系方式';
  return null;
}

/** The provider windows, in the order they are checked. */
export function callWindows(calls: CallPolicy): Array<{ windowMs: number; limit: number }> {
  const { perMinute, perHour, perDay } = calls.limits;
  return [
    { windowMs: 60_000, limit: perMinute },
    { windowMs: 3_600_000, limit: perHour },
    { windowMs: 86_400_000, limit: perDay },
  ].filter((w) => w.limit > 0);
}

const WINDOW_WORDS: Record<number, string> = { 60000: '1分钟', 3600000: '1小时', 86400000: '24小时' };

/** Why a call was not placed, in the words shown on the alert. */
export function callRefusedText(windowMs: number, calls: CallPolicy): string {
  const w = callWindows(calls).find((x) => x.windowMs === windowMs);
  const span = WINDOW_WORDS[windowMs] ?? `${Math.round(windowMs / 60_000)}分钟`;
  return `未拨打：该号码${span}内已呼叫${w?.limit ?? ''}次，达到语音服务商限制（每号码${span}最多${w?.limit ?? ''}次），改用下一联系方式`;
}

/** Message kinds that reach a person even when they chose board only (smsOptOut): escalations to them and calls. */
const ESCALATION_KINDS = new Set(['escalate', 'renotify', 'reminder']);

/** Whether a board-only person's SMS is skipped for this message (routine: told, lowered, adjusted, ended). */
export function boardOnlySkips(m: { kind: string; call?: boolean }, smsOptOut: boolean): boolean {
  return smsOptOut && !m.call && !ESCALATION_KINDS.has(m.kind);
}
