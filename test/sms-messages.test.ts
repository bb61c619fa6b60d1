import { describe, expect, it } from 'vitest';
import { openAlert, runEscalation, type Alert, type AlertContext, type AlertMessage } from '../src/domain/alerts/index.js';
import { policySchema } from '../src/config/policy.js';
import { renderMessage, type RenderInput } from '../src/alerts/render.js';
import { smsCost } from '../src/channels/segments.js';
import { bundleSmsText } from '../src/alerts/smsText.js';
import type { TownshipReason } from '../src/domain/township.js';

/** Messages a phone can take: segment counts, 回复1确认, deadlines that are still ahead. */
describe('SMS segment counting (3GPP TS 23.038)', () => {
  it('counts GSM-7 in 160 / 153-septet parts, escapes twice', () => {
    expect(smsCost('a'.repeat(160))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsCost('a'.repeat(161))).toEqual({ encoding: 'gsm7', units: 161, segments: 2 });
    expect(smsCost('a'.repeat(306)).segments).toBe(2);
    expect(smsCost('a'.repeat(307)).segments).toBe(3);
    expect(smsCost('{'.repeat(80))).toEqual({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsCost('€'.repeat(81)).segments).toBe(2);
  });

  it('counts Chinese as UCS-2 in 70 / 67-unit parts, never splitting a surrogate pair', () => {
    expect(smsCost('汛'.repeat(70))).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsCost('汛'.repeat(71)).segments).toBe(2);
    expect(smsCost('汛'.repeat(134)).segments).toBe(2);
    expect(smsCost('汛'.repeat(135)).segments).toBe(3);
    // One Chinese character turns an otherwise GSM-7 text into UCS-2.
    expect(smsCost(`${'a'.repeat(100)}汛`)).toMatchObject({ encoding: 'ucs2', segments: 2 });
    // 66 units then a pair: the pair moves to the second part, and so on.
    expect(smsCost(`${'汛'.repeat(66)}${'𠀀'.repeat(34)}`)).toMatchObject({ units: 134, segments: 3 });
  });
});

const policy = policySchema.parse({
  levels: {
    IV: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '30m', arriveWithin: '4h' },
    III: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '15m', arriveWithin: '2h' },
    II: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '10m', arriveWithin: '1h' },
    I: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '5m', arriveWithin: '1h' },
  },
  mustAck: ['liaison-leader', 'township-head'],
  escalation: ['renotify', 'duty-officer', 'renotify', 'commander'],
  repeatEscalation: 1,
  clearAfter: '2h',
});
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-07-05T09:00:00+08:00');
const people: Record<string, Array<{ id: string; name: string }>> = {
  'liaison-leader': [{ id: 'lead', name: '王建国' }],
  'township-head': [{ id: 'head', name: '李明' }],
  'duty-officer': [{ id: 'duty1', name: '张伟' }],
  commander: [{ id: 'cmd', name: '赵强' }],
};
const ctx = (now: number): AlertContext => ({ now, policy, whoIs: (r) => people[r] ?? [] });
/** A deployed host, not a test one: `https://fx.ningguo.gov.cn/a/<12>` is 40 characters. */
const LINK = 'https://fx.ningguo.gov.cn/a/Ab3dEf6hIj9k';
const NAMES: Record<string, string> = { W1: '西津河宁国站', R1: '河沥溪长虹村雨量站', R2: '霞西镇朱村雨量站', R3: '汪溪街道殷白村雨量站' };

function render(alert: Alert, message: AlertMessage, channel: string, township = '西津街道'): ReturnType<typeof renderMessage> {
  const person = Object.values(people)
    .flat()
    .find((p) => p.id === message.personId)!;
  const input: RenderInput = {
    alert,
    message,
    person: { ...person, mobile: '+8613800000001' },
    townshipName: township,
    stationName: (id) => NAMES[id] ?? id,
    ackUrl: message.withLink ? LINK : null,
    timeZone: 'Asia/Shanghai',
    sender: '宁国市防汛抗旱指挥部',
    about: null,
    channel,
  };
  return renderMessage(input);
}

const river: TownshipReason = { kind: 'river', stationId: 'W1', threshold: 'guarantee', value: 37.3, limit: 37.3, by: 0.3, level: 'II' } as TownshipReason;
const rains: TownshipReason[] = ['R1', 'R2', 'R3'].map(
  (stationId, i) => ({ kind: 'rainfall', window: '3h', value: 104.5 + i, limit: 100, level: 'II', stationId }) as TownshipReason,
);

describe("a leader's SMS", () => {
  it('fits in two parts with the link and ends with 回复1确认, whatever the evidence', () => {
    for (const [reasons, township] of [
      [[river], '西津街道'],
      [[river, ...rains], '河沥溪街道'],
      [rains, '梅林镇'],
    ] as const) {
      const { alert, effects } = openAlert('a~1', 't', 'II', [...reasons], ctx(T0));
      const notify = effects.messages.find((m) => m.personId === 'lead')!;
      const sms = render(alert, notify, 'sms', township);
      expect(smsCost(sms.text)).toMatchObject({ encoding: 'ucs2' });
      expect(smsCost(sms.text).segments).toBeLessThanOrEqual(2);
      expect(sms.text).toContain(LINK);
      expect(sms.text.endsWith('回复1确认')).toBe(true);
      expect(sms.text).toContain('请于05日09:10前确认收到，05日10:00前到指挥部到岗');
      expect(sms.text).toContain(`${township}达到防汛Ⅱ级(橙色)预警`);
    }
    // The evidence that fits is kept.
    const { alert, effects } = openAlert('a~1', 't', 'II', [river], ctx(T0));
    expect(render(alert, effects.messages[0]!, 'sms').text).toContain('依据：西津河宁国站 超保证 0.3 米');
  });

  it('keeps the full wording on the other channels, and only asks for a reply where it asks for an answer', () => {
    const { alert, effects } = openAlert('a~1', 't', 'IV', [river], ctx(T0));
    const lead = effects.messages.find((m) => m.personId === 'lead')!;
    const wecom = render(alert, lead, 'wecom');
    expect(wecom.text).toContain('王建国（联系市领导）');
    expect(wecom.text).toContain(`确认链接：${LINK}`);
    expect(wecom.text).not.toContain('回复1确认');
    // The duty officer is informed, not asked: no link, no reply hint.
    const duty = render(alert, effects.messages.find((m) => m.personId === 'duty1')!, 'sms');
    expect(duty.text).not.toContain('回复1确认');
    expect(duty.ackUrl).toBeNull();
  });

  it('a response SMS carries the notice number within two parts', () => {
    const { alert, effects } = openAlert('r~1', 't', 'IV', [], ctx(T0), {
      level: 'IV',
      notice: '宁防指〔2023〕4号',
      reason: '全市平均降雨量61毫米',
      by: 'p-duty',
      at: T0,
    });
    alert.kind = 'response';
    const sms = render(alert, effects.messages.find((m) => m.personId === 'head')!, 'sms', '港口镇');
    expect(sms.text).toContain('市防指决定港口镇启动防汛Ⅳ级(蓝色)应急响应（宁防指〔2023〕4号）');
    expect(smsCost(sms.text).segments).toBeLessThanOrEqual(2);
    expect(sms.text.endsWith('回复1确认')).toBe(true);
  });
});

describe('a re-notification states the new deadline', () => {
  it('gives the time of the next step, after the moment it is sent, never the missed one', () => {
    const { alert } = openAlert('a~1', 't', 'II', [river], ctx(T0));
    const missed = T0 + 10 * MIN;
    const s0 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(missed + 5_000));
    const again = s0.effects.messages[0]!;
    expect(again).toMatchObject({ kind: 'renotify', deadline: missed + 10 * MIN });
    expect(again.deadline!).toBeGreaterThan(missed + 5_000);
    for (const channel of ['sms', 'wecom']) {
      const text = render(alert, again, channel).text;
      expect(text.startsWith('【再次提醒】')).toBe(true);
      expect(text).toContain('09:20前确认收到');
      expect(text).not.toContain('09:10');
    }
    // The second renotify of the chain (step 2) gives step 3's time.
    runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 1 }, ctx(missed + 10 * MIN));
    const s2 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 2 }, ctx(missed + 20 * MIN));
    expect(s2.effects.messages[0]).toMatchObject({ kind: 'renotify', deadline: missed + 30 * MIN });
  });

  it('an arrival reminder asks for arrival by the next step, and says 尽快 for an arrival time already gone', () => {
    const { alert } = openAlert('a~1', 't', 'II', [river], ctx(T0));
    const missed = T0 + 60 * MIN;
    const reminder = runEscalation(alert, { personId: 'head', kind: 'arrive', epoch: 1, step: 0 }, ctx(missed)).effects.messages[0]!;
    expect(reminder).toMatchObject({ kind: 'reminder', deadline: missed + 10 * MIN });
    for (const channel of ['sms', 'wecom']) {
      const text = render(alert, reminder, channel).text;
      expect(text).toContain('请于');
      expect(text).toContain('10:10前');
      expect(text).not.toContain('已过');
    }
    // An ack renotify sent after the arrival deadline does not quote it either.
    const late = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 2 }, ctx(T0 + 70 * MIN)).effects.messages[0]!;
    expect(render(alert, late, 'wecom').text).toContain('并尽快赶赴');
    expect(render(alert, late, 'sms').text).toContain('尽快到指挥部到岗');
  });
});

describe('a bundled SMS (several townships within bundleWithin)', () => {
  const townships = ['西津街道', '河沥溪街道', '汪溪街道', '南山街道', '港口镇', '梅林镇', '中溪镇', '宁墩镇'];
  const bundled = (n: number, level: 'III' | 'II' = 'III') =>
    townships.slice(0, n).map((name, i) => {
      const { alert } = openAlert(`a~${i}`, `t${i}`, level, [river, ...rains], ctx(T0 + i * 1_000));
      const message = Object.values(alert.messages).find((m) => m.personId === 'lead')!;
      return { alert, message, townshipName: name, recipient: alert.recipients.find((r) => r.personId === 'lead') };
    });

  it('names every township once, asks by the earliest deadline, one link and 回复1确认, within two parts', () => {
    const text = bundleSmsText(bundled(3), { name: '王建国', link: LINK, timeZone: 'Asia/Shanghai', now: T0 + 5_000 });
    expect(text).toBe(
      `王建国：您联系的西津街道、河沥溪街道、汪溪街道有3条防汛消息：西津街道Ⅲ级预警；河沥溪街道Ⅲ级预警；汪溪街道Ⅲ级预警。请于05日09:15前逐项确认：${LINK} 回复1确认`,
    );
    expect(smsCost(text).segments).toBeLessThanOrEqual(2);
  });

  it('gives way to a count when the list does not fit, still within two parts', () => {
    const text = bundleSmsText(bundled(8), { name: '王建国', link: LINK, timeZone: 'Asia/Shanghai', now: T0 + 9_000 });
    expect(text).toContain('有8条防汛消息，最高Ⅲ级');
    expect(text.endsWith('回复1确认')).toBe(true);
    expect(smsCost(text).segments).toBeLessThanOrEqual(2);
  });

  it('never quotes a deadline already past, and asks for no reply when nothing asks', () => {
    const items = bundled(2);
    const late = bundleSmsText(items, { name: '王建国', link: LINK, timeZone: 'Asia/Shanghai', now: T0 + HOUR });
    expect(late).toContain('请尽快确认');
    expect(late).not.toMatch(/09:1\d前/);
    const ended = items.map((i) => ({ ...i, message: { ...i.message, kind: 'resolved' as const, withLink: false, deadline: null } }));
    const text = bundleSmsText(ended, { name: '王建国', link: null, timeZone: 'Asia/Shanghai', now: T0 });
    expect(text).toBe('王建国：您联系的西津街道、河沥溪街道有2条防汛消息：西津街道预警解除；河沥溪街道预警解除。');
    expect(text).not.toContain('回复1确认');
  });
});
