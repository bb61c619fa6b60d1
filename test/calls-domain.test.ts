import { describe, expect, it } from 'vitest';
import { openAlert, runEscalation, acknowledge, type AlertContext } from '../src/domain/alerts/index.js';
import { policySchema } from '../src/config/policy.js';
import { contactLadder, callRefusedText, callUnavailable, callWindows } from '../src/domain/calls.js';
import { applyReceipt, outcomeFromText } from '../src/domain/receipts.js';
import { callPolicySchema } from '../src/config/calls.js';
import { parseAliyunSms, parseAliyunVoice, parseTencentVoice, InboundFormatError } from '../src/inbound/parse.js';
import { loggedPath } from '../src/http/routes/inbound.js';

/** Calls in the ladder and receipts on the alert, as pure functions. */
const policy = policySchema.parse({
  levels: {
    IV: { notify: ['liaison-leader', 'duty-officer'], ackWithin: '30m', arriveWithin: '4h' },
    III: { notify: ['liaison-leader', 'duty-officer'], ackWithin: '15m', arriveWithin: '2h' },
    II: { notify: ['liaison-leader', 'duty-officer'], ackWithin: '10m', arriveWithin: '1h' },
    I: { notify: ['liaison-leader', 'duty-officer'], ackWithin: '5m', arriveWithin: '1h' },
  },
  escalation: ['renotify', 'call', 'duty-officer'],
  repeatEscalation: 1,
  calls: { firstAt: ['II', 'I'] },
});
const T0 = Date.parse('2026-07-05T09:00:00+08:00');
const roles: Record<string, Array<{ id: string; name: string }>> = {
  'liaison-leader': [{ id: 'lead', name: '市领导甲' }],
  'duty-officer': [{ id: 'duty', name: '值班员' }],
};
const ctx = (now: number): AlertContext => ({ now, policy, whoIs: (r) => roles[r] ?? [] });
const contacts = [
  { channel: 'webhook', to: 'http://hooks.test/lead' },
  { channel: 'sms', to: '+8613800000001' },
];
const all = () => true;

describe('the contact ladder', () => {
  const m = { kind: 'notify', level: 'II' as const, withLink: true, contactOffset: 0 };
  it("calls first at the chosen levels, on the person's mobile when they list no voice contact", () => {
    expect(contactLadder(contacts, all, m, policy.calls).map((c) => c.channel)).toEqual(['voice', 'webhook', 'sms']);
    expect(contactLadder(contacts, all, m, policy.calls)[0]!.to).toBe('+8613800000001');
    expect(contactLadder(contacts, all, { ...m, level: 'IV' }, policy.calls).map((c) => c.channel)).toEqual(['webhook', 'sms']);
    expect(contactLadder(contacts, (ch) => ch !== 'voice', m, policy.calls).map((c) => c.channel)).toEqual(['webhook', 'sms']);
  });
  it('never rings for an end or a lowering; a re-notification starts further down; the call rung calls first', () => {
    const withVoice = [...contacts, { channel: 'voice', to: '+8613900000009' }];
    expect(contactLadder(withVoice, all, { ...m, kind: 'resolved', withLink: false }, policy.calls).map((c) => c.channel)).toEqual(['webhook', 'sms']);
    expect(contactLadder(withVoice, all, { ...m, kind: 'renotify', level: 'IV', contactOffset: 1 }, policy.calls).map((c) => c.channel)).toEqual([
      'sms',
      'voice',
      'webhook',
    ]);
    expect(contactLadder(withVoice, all, { ...m, kind: 'renotify', level: 'IV', call: true }, policy.calls).map((c) => `${c.channel}:${c.to}`)[0]).toBe(
      'voice:+8613900000009',
    );
  });
  it('says why a wanted call cannot be placed at all', () => {
    expect(callUnavailable(contacts, (ch) => ch !== 'voice', m, policy.calls)).toMatch(/^未拨打：未配置语音服务/);
    expect(callUnavailable([contacts[0]!], all, m, policy.calls)).toMatch(/^未拨打：此人未登记手机号码/);
    expect(callUnavailable(contacts, all, m, policy.calls)).toBeNull();
    expect(callUnavailable(contacts, (ch) => ch !== 'voice', { ...m, level: 'IV' }, policy.calls)).toBeNull();
  });
  it('phrases a refused call with the provider limit', () => {
    const calls = callPolicySchema.parse({});
    expect(callWindows(calls).map((w) => [w.windowMs, w.limit])).toEqual([
      [60_000, 1],
      [3_600_000, 5],
      [86_400_000, 20],
    ]);
    expect(callRefusedText(3_600_000, calls)).toBe('未拨打：该号码1小时内已呼叫5次，达到语音服务商限制（每号码1小时最多5次），改用下一联系方式');
  });
});

describe('the call rung', () => {
  it('adds a call message for the person after a missed deadline', () => {
    const { alert } = openAlert('t~1', 't', 'II', [], ctx(T0));
    runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(T0 + 10 * 60_000));
    const r = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 1 }, ctx(T0 + 20 * 60_000));
    expect(r.ran).toBe(true);
    expect(r.effects.messages).toMatchObject([{ personId: 'lead', kind: 'renotify', call: true, withLink: true, contactOffset: 0 }]);
    expect(alert.recipients[0]!.escalations.map((e) => e.action)).toEqual(['renotify', 'call']);
  });
});

describe('receipts on the alert', () => {
  const sent = () => {
    const { alert } = openAlert('t~1', 't', 'II', [], ctx(T0));
    const m = Object.values(alert.messages).find((x) => x.personId === 'lead')!;
    m.status = 'sent';
    alert.recipients[0]!.deliveries.push({
      messageId: m.id,
      channel: 'voice',
      to: '+86138****0001',
      status: 'sent',
      at: T0,
      attempt: 1,
      contactStep: 0,
      provider: 'aliyun-voice',
    });
    return { alert, ref: { alertId: alert.id, messageId: m.id, contactStep: 0, personId: 'lead' } };
  };
  it('关机 moves on to the next contact once; the same receipt again changes nothing', () => {
    const { alert, ref } = sent();
    const fact = { outcome: 'powered-off' as const, provider: 'aliyun', detail: '200005 用户关机' };
    expect(applyReceipt(alert, ref, fact, T0 + 5_000)).toEqual({ changed: true, nextContactStep: 1 });
    expect(alert.messages[ref.messageId]!.status).toBe('pending');
    expect(alert.recipients[0]!.deliveries[0]!.receipt).toMatchObject({ outcome: 'powered-off', text: '关机' });
    // Pushed again while the move is still pending (the first one's queueing was lost): queued again.
    expect(applyReceipt(alert, ref, fact, T0 + 6_000)).toEqual({ changed: false, reason: 'duplicate', nextContactStep: 1 });
    // Once the next contact is on its way, a duplicate changes and queues nothing.
    alert.recipients[0]!.deliveries.push({
      messageId: ref.messageId,
      channel: 'webhook',
      to: 'http://hooks.test/…',
      status: 'sent',
      at: T0 + 7_000,
      attempt: 1,
      contactStep: 1,
    });
    alert.messages[ref.messageId]!.status = 'sent';
    expect(applyReceipt(alert, ref, fact, T0 + 8_000)).toEqual({ changed: false, reason: 'duplicate', nextContactStep: null });
  });
  it('a call answered without the key moves on; after an ack nothing moves', () => {
    const { alert, ref } = sent();
    expect(applyReceipt(alert, ref, { outcome: 'answered', provider: 'aliyun', detail: '' }, T0 + 5_000)).toEqual({ changed: true, nextContactStep: 1 });
    const other = sent();
    acknowledge(other.alert, 'lead', 'voice', ctx(T0 + 4_000));
    expect(applyReceipt(other.alert, other.ref, { outcome: 'no-answer', provider: 'aliyun', detail: '' }, T0 + 5_000)).toEqual({
      changed: true,
      nextContactStep: null,
    });
  });
  it("names outcomes from the operators' words", () => {
    expect(['用户关机', '停机', '空号', '用户拒接', '用户忙', '用户未接听', '无法接通', '其他'].map(outcomeFromText)).toEqual([
      'powered-off',
      'suspended',
      'vacant',
      'rejected',
      'busy',
      'no-answer',
      'unreachable',
      null,
    ]);
  });
});

describe('provider receipt formats', () => {
  it('reads Aliyun VoiceReport with dtmf, SmsReport and SmsUp, Tencent callbacks', () => {
    expect(parseAliyunVoice([{ call_id: 'c1', out_id: 'fxA', status_code: '200000', status_msg: '用户听完挂断', dtmf: '1' }])[0]).toMatchObject({
      ids: ['fxA', 'pm:c1'],
      keypress: '1',
      fact: { outcome: 'keypress' },
    });
    expect(parseAliyunVoice([{ call_id: 'c2', status_code: '200005', status_msg: '用户关机' }])[0]!.fact.outcome).toBe('powered-off');
    expect(parseAliyunSms([{ biz_id: 'b1', out_id: 'fxB', success: true, err_code: 'DELIVERED', err_msg: '用户接收成功' }])[0]).toMatchObject({
      kind: 'receipt',
      fact: { outcome: 'delivered' },
    });
    expect(parseAliyunSms([{ phone_number: '13800000001', content: '收到', send_time: '2026-07-05 14:00:00', sequence_id: 1 }])[0]).toMatchObject({
      kind: 'reply',
      from: '13800000001',
      text: '收到',
    });
    expect(parseTencentVoice({ voicekey_callback: { callid: 't1', keypress: '1', mobile: '13800000001' } })[0]).toMatchObject({
      ids: ['pm:t1'],
      keypress: '1',
      fact: { outcome: 'keypress' },
    });
    expect(parseTencentVoice({ voiceprompt_callback: { callid: 't2', result: '1' } })[0]!.fact.outcome).toBe('no-answer');
    expect(parseTencentVoice({ voice_failure_callback: { callid: 't3', failure_reason: '用户关机' } })[0]!.fact.outcome).toBe('powered-off');
    expect(() => parseTencentVoice({ other: {} })).toThrow(InboundFormatError);
    expect(() => parseAliyunVoice([])).toThrow(/1–1000 receipts/);
  });
});

describe('receipt endpoint secrets', () => {
  it('never reach the logs', () => {
    expect(loggedPath('/v1/inbound/aliyun-voice/av-0123456789abcdef0123456789')).toBe('/v1/inbound/aliyun-voice/…');
    expect(loggedPath('/v1/inbound/sms')).toBe('/v1/inbound/sms');
    expect(loggedPath('/v1/alerts/x')).toBe('/v1/alerts/x');
  });
});
