import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  applyComputedLevel,
  arrive,
  declareLevel,
  distanceM,
  openAlert,
  pendingTimers,
  recipientsAt,
  resolveAlert,
  runEscalation,
  type AlertContext,
} from '../src/domain/alerts/index.js';
import { policySchema } from '../src/config/policy.js';
import { evidenceText, reasonText } from '../src/domain/wording.js';
import { accountabilityReport, percentile, reportCsv } from '../src/alerts/report.js';

const policy = policySchema.parse({
  levels: {
    IV: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '30m', arriveWithin: '4h' },
    III: { notify: ['liaison-leader', 'township-head', 'duty-officer'], ackWithin: '15m', arriveWithin: '2h' },
    II: { notify: ['liaison-leader', 'township-head', 'duty-officer', 'shift-leader', 'commander'], ackWithin: '10m', arriveWithin: '1h' },
    I: { notify: ['liaison-leader', 'township-head', 'duty-officer', 'shift-leader', 'commander'], ackWithin: '5m', arriveWithin: '1h' },
  },
  mustAck: ['liaison-leader', 'township-head'],
  escalation: ['renotify', 'duty-officer', 'shift-leader', 'commander'],
  repeatEscalation: 2,
  clearAfter: '2h',
});
const MIN = 60_000;
const T0 = Date.parse('2026-07-05T09:00:00+08:00');
const roles: Record<string, Array<{ id: string; name: string }>> = {
  'liaison-leader': [{ id: 'lead', name: '市领导甲' }],
  'township-head': [{ id: 'head', name: '镇长乙' }],
  'duty-officer': [{ id: 'duty1', name: '值班员丙' }],
  'shift-leader': [{ id: 'shiftlead', name: '带班领导丁' }],
  commander: [
    { id: 'cmd', name: '指挥长戊' },
    { id: 'lead', name: '市领导甲' },
  ],
  'object-keeper': [],
};
const ctx = (now: number, p = policy): AlertContext => ({ now, policy: p, whoIs: (r) => roles[r] ?? [] });
const rain = { kind: 'rainfall' as const, window: '3h' as const, value: 104, limit: 100, level: 'I' as const, stationId: 'R1' };

describe('who is told', () => {
  it('tells each person once, in their most demanding role', () => {
    const at2 = recipientsAt('II', ctx(T0));
    expect(at2.map((r) => [r.person.id, r.role, r.mustAck])).toEqual([
      ['lead', 'liaison-leader', true],
      ['head', 'township-head', true],
      ['duty1', 'duty-officer', false],
      ['shiftlead', 'shift-leader', false],
      ['cmd', 'commander', false],
    ]);
    expect(recipientsAt('IV', ctx(T0)).map((r) => r.person.id)).toEqual(['lead', 'head', 'duty1']);
  });
});

describe('alert lifecycle', () => {
  it('opens with messages, ack and arrival deadlines for those who must answer', () => {
    const { alert, effects } = openAlert('t~1', 't', 'IV', [], ctx(T0));
    expect(alert.status).toBe('open');
    expect(effects.messages.map((m) => [m.personId, m.kind, m.withLink])).toEqual([
      ['lead', 'notify', true],
      ['head', 'notify', true],
      ['duty1', 'notify', false],
    ]);
    const lead = alert.recipients.find((r) => r.personId === 'lead')!;
    expect(lead.ackDeadline).toBe(T0 + 30 * MIN);
    expect(lead.arriveDeadline).toBe(T0 + 240 * MIN);
    expect(effects.timers).toEqual(
      expect.arrayContaining([
        { alertId: 't~1', personId: 'lead', kind: 'ack', epoch: 1, step: 0, due: T0 + 30 * MIN },
        { alertId: 't~1', personId: 'head', kind: 'arrive', epoch: 1, step: 0, due: T0 + 240 * MIN },
      ]),
    );
    expect(alert.recipients.find((r) => r.personId === 'duty1')!.ackDeadline).toBeNull();
  });

  it('raises in place: everyone again with the new deadlines, and the commander joins at II', () => {
    const { alert } = openAlert('t~1', 't', 'IV', [], ctx(T0));
    acknowledge(alert, 'lead', 'link', ctx(T0 + MIN));
    const fx = applyComputedLevel(alert, 'II', [rain], ctx(T0 + 20 * MIN));
    expect(alert.level).toBe('II');
    expect(alert.epoch).toBe(2);
    expect(fx.messages.map((m) => m.personId)).toEqual(['lead', 'head', 'duty1', 'shiftlead', 'cmd']);
    const lead = alert.recipients.find((r) => r.personId === 'lead')!;
    expect(lead.ackedAt).toBeNull(); // must answer the new level
    expect(lead.ackDeadline).toBe(T0 + 30 * MIN); // 20 min + II's 10 min
    expect(lead.epoch).toBe(2);
    // The old level's timer no longer applies.
    expect(runEscalation(alert, { personId: 'head', kind: 'ack', epoch: 1, step: 0 }, ctx(T0 + 31 * MIN)).ran).toBe(false);
    expect(runEscalation(alert, { personId: 'head', kind: 'ack', epoch: 2, step: 0 }, ctx(T0 + 31 * MIN)).ran).toBe(true);
  });

  it('escalates step by step, once each, until the person answers', () => {
    const { alert } = openAlert('t~1', 't', 'II', [rain], ctx(T0));
    const deadline = T0 + 10 * MIN;
    expect(runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(deadline - 1)).ran).toBe(false); // not yet due
    const s0 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(deadline));
    expect(s0.ran).toBe(true);
    expect(s0.effects.messages).toEqual([expect.objectContaining({ personId: 'lead', kind: 'renotify', contactOffset: 1, withLink: true })]);
    expect(s0.effects.ledger).toEqual([expect.objectContaining({ type: 'ack-missed', personId: 'lead', deadline, actual: null })]);
    expect(s0.effects.timers).toEqual([expect.objectContaining({ step: 1, due: deadline + 10 * MIN })]);
    expect(runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(deadline + 1)).ran).toBe(false); // never twice
    const s1 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 1 }, ctx(deadline + 10 * MIN));
    expect(s1.effects.messages).toEqual([expect.objectContaining({ personId: 'duty1', kind: 'escalate', aboutPersonId: 'lead' })]);
    const s2 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 2 }, ctx(deadline + 20 * MIN));
    expect(s2.effects.messages.map((m) => m.personId)).toEqual(['shiftlead']);
    // The commander step does not tell the person about themselves.
    const s3 = runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 3 }, ctx(deadline + 30 * MIN));
    expect(s3.effects.messages.map((m) => m.personId)).toEqual(['cmd']);
    // An ack stops everything pending to and about the person.
    const pendingAbout = Object.values(alert.messages).filter((m) => m.status === 'pending' && (m.personId === 'lead' || m.aboutPersonId === 'lead'));
    expect(pendingAbout.length).toBeGreaterThan(0);
    const ack = acknowledge(alert, 'lead', 'sms-reply', ctx(deadline + 31 * MIN));
    expect(ack.outcome).toBe('acked');
    expect(ack.effects.cancelled.sort()).toEqual(pendingAbout.map((m) => m.id).sort());
    expect(ack.effects.ledger).toEqual([expect.objectContaining({ type: 'ack-late', actual: deadline + 31 * MIN })]);
    expect(runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 4 }, ctx(deadline + 40 * MIN)).ran).toBe(false);
    expect(pendingTimers(alert, policy).filter((t) => t.personId === 'lead' && t.kind === 'ack')).toEqual([]);
  });

  it('stops after the chain has run repeatEscalation times', () => {
    const { alert } = openAlert('t~1', 't', 'I', [rain], ctx(T0));
    const deadline = T0 + 5 * MIN;
    let ran = 0;
    for (let step = 0; step < 10; step++) {
      if (runEscalation(alert, { personId: 'head', kind: 'ack', epoch: 1, step }, ctx(deadline + step * 5 * MIN)).ran) ran++;
    }
    expect(ran).toBe(8); // 4 steps × 2 rounds
    expect(pendingTimers(alert, policy).filter((t) => t.personId === 'head' && t.kind === 'ack')).toEqual([]);
  });

  it('rebuilds the next timer from the state', () => {
    const { alert } = openAlert('t~1', 't', 'II', [rain], ctx(T0));
    runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(T0 + 10 * MIN));
    const timers = pendingTimers(alert, policy);
    expect(timers).toEqual(
      expect.arrayContaining([
        { alertId: 't~1', personId: 'lead', kind: 'ack', epoch: 1, step: 1, due: T0 + 20 * MIN },
        { alertId: 't~1', personId: 'head', kind: 'ack', epoch: 1, step: 0, due: T0 + 10 * MIN },
        { alertId: 't~1', personId: 'lead', kind: 'arrive', epoch: 1, step: 0, due: T0 + 60 * MIN },
      ]),
    );
  });

  it('lowers only after the clear period, telling those who answered, with no new deadlines', () => {
    const { alert } = openAlert('t~1', 't', 'II', [rain], ctx(T0));
    acknowledge(alert, 'lead', 'link', ctx(T0 + MIN));
    expect(applyComputedLevel(alert, 'IV', [], ctx(T0 + 60 * MIN)).messages).toEqual([]);
    expect(alert.level).toBe('II');
    expect(alert.lowering).toEqual({ since: T0 + 60 * MIN });
    // Rain again before the period ends: the clock starts over.
    applyComputedLevel(alert, 'II', [rain], ctx(T0 + 90 * MIN));
    expect(alert.lowering).toBeNull();
    applyComputedLevel(alert, 'IV', [], ctx(T0 + 100 * MIN));
    expect(applyComputedLevel(alert, 'IV', [], ctx(T0 + 219 * MIN)).messages).toEqual([]);
    const fx = applyComputedLevel(alert, 'IV', [], ctx(T0 + 220 * MIN));
    expect(alert.level).toBe('IV');
    expect(fx.messages.map((m) => [m.personId, m.kind])).toEqual([['lead', 'lowered']]);
    expect(fx.timers).toEqual([]);
  });

  it('never lowers below a declared level, and resolves by itself only when configured', () => {
    const { alert } = openAlert('t~1', 't', 'III', [], ctx(T0));
    declareLevel(alert, { level: 'II', notice: '宁防指〔2026〕3号', reason: '上游水库泄洪', by: 'duty', at: T0 + MIN }, ctx(T0 + MIN));
    expect(alert.level).toBe('II');
    expect(alert.timeline.at(-1)).toMatchObject({ type: 'raised', level: 'II', detail: { notice: '宁防指〔2026〕3号' } });
    applyComputedLevel(alert, null, [], ctx(T0 + 2 * MIN));
    applyComputedLevel(alert, null, [], ctx(T0 + 300 * MIN));
    expect(alert.level).toBe('II');
    expect(alert.status).toBe('open');

    const auto = { ...policy, autoResolve: true };
    const other = openAlert('t~2', 't', 'IV', [], ctx(T0, auto)).alert;
    applyComputedLevel(other, null, [], ctx(T0 + MIN, auto));
    applyComputedLevel(other, null, [], ctx(T0 + 121 * MIN, auto));
    expect(other.status).toBe('resolved');
  });

  it('records arrival with the distance to the command post, flagged when far', () => {
    const { alert } = openAlert('t~1', 't', 'II', [rain], ctx(T0));
    const post = { lat: 30.63, lon: 118.98 };
    const near = arrive(alert, 'lead', ctx(T0 + 30 * MIN), { lat: 30.631, lon: 118.981 }, post);
    expect(near.outcome).toBe('arrived');
    const lead = alert.recipients.find((r) => r.personId === 'lead')!;
    expect(lead.distanceM).toBeLessThan(200);
    expect(lead.farFromPost).toBe(false);
    expect(lead.ackVia).toBe('arrival'); // arriving answers the call too
    arrive(alert, 'head', ctx(T0 + 70 * MIN), { lat: 30.7, lon: 118.93 }, post);
    const head = alert.recipients.find((r) => r.personId === 'head')!;
    expect(head.farFromPost).toBe(true);
    expect(distanceM({ lat: 30.7, lon: 118.93 }, post)).toBeGreaterThan(8_000);
    expect(arrive(alert, 'head', ctx(T0 + 71 * MIN), null, post).outcome).toBe('already');
  });

  it('resolves: pending messages cancelled, everyone told, nothing more escalates', () => {
    const { alert } = openAlert('t~1', 't', 'II', [rain], ctx(T0));
    const fx = resolveAlert(alert, 'duty1', '雨停水退', ctx(T0 + MIN));
    expect(fx.cancelled.length).toBe(5);
    expect(fx.messages.every((m) => m.kind === 'resolved')).toBe(true);
    expect(runEscalation(alert, { personId: 'lead', kind: 'ack', epoch: 1, step: 0 }, ctx(T0 + 11 * MIN)).ran).toBe(false);
    expect(acknowledge(alert, 'lead', 'link', ctx(T0 + 12 * MIN)).outcome).toBe('not-open');
  });
});

describe('wording', () => {
  it('writes evidence in the office wording', () => {
    const name = (id: string) => ({ W1: '西津河宁国站', R1: '西津雨量站' })[id] ?? id;
    expect(reasonText(rain, name)).toBe('西津雨量站 3小时降雨 104 毫米');
    expect(reasonText({ kind: 'river', threshold: 'warning', by: 0, value: 35.82, limit: 35.5, level: 'IV', stationId: 'W1' }, name)).toBe(
      '西津河宁国站 超警戒 0.32 米（水位 35.82 米）',
    );
    expect(reasonText({ kind: 'river', threshold: 'warning', by: 0.5, value: 36.1, limit: 36, level: 'III', stationId: 'W1' }, name)).toBe(
      '西津河宁国站 超警戒 0.6 米（水位 36.1 米）',
    );
    expect(reasonText({ kind: 'reservoir', threshold: 'floodLimit', by: 0, value: 135.4, limit: 133, level: 'IV', stationId: 'K1' }, name)).toBe(
      'K1 超汛限 2.4 米（水位 135.4 米）',
    );
    expect(evidenceText([rain, rain, rain, rain], name)).toMatch(/等4项$/);
  });
});

describe('accountability report', () => {
  it('lists misses and late answers with median and p90 time-to-ack per person', () => {
    const e = (type: any, personId: string, notifiedAt: number, actual: number | null, deadline = notifiedAt + 10 * MIN) => ({
      type,
      alertId: 't~1',
      townshipId: 't',
      personId,
      role: 'liaison-leader' as const,
      level: 'II' as const,
      notifiedAt,
      deadline,
      actual,
      at: actual ?? deadline,
    });
    const ledger = [
      e('ack', 'lead', T0, T0 + 60_000),
      e('ack', 'lead', T0, T0 + 120_000),
      e('ack-late', 'lead', T0, T0 + 15 * MIN),
      e('ack-missed', 'head', T0, null),
      e('arrive-missed', 'head', T0, null),
    ];
    const r = accountabilityReport(
      ledger,
      {},
      (id) => id.toUpperCase(),
      () => '西津街道',
    );
    expect(r.entries.map((x) => x.type)).toEqual(['ack-late', 'ack-missed', 'arrive-missed']);
    expect(r.entries[0]).toMatchObject({ name: 'LEAD', township: '西津街道', lateSeconds: 300 });
    const lead = r.people.find((p) => p.personId === 'lead')!;
    expect(lead).toMatchObject({ acks: 3, medianAckSeconds: 120, p90AckSeconds: 900, lateAcks: 1, missedAcks: 0 });
    expect(r.people[0]!.personId).toBe('head');
    expect(accountabilityReport(ledger, { from: T0 + 11 * MIN }, String, String).entries.map((x) => x.type)).toEqual(['ack-late']);
    const csv = reportCsv(r, 'Asia/Shanghai');
    const lines = csv.split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      '\uFEFF类型,叫应编号,乡镇（街道）,姓名,人员编号,角色,级别,通知时间（北京时间）,时限（北京时间）,实际时间（北京时间）,超时（秒）,到岗核查',
    );
    // 北京时间 (T0 is 09:00 +08:00), Chinese codes and roles; nothing in English or UTC.
    expect(lines[1]).toBe('超时确认,t~1,西津街道,LEAD,lead,联系市领导,Ⅱ级,2026-07-05 09:00:00,2026-07-05 09:10:00,2026-07-05 09:15:00,300,');
    expect(lines.slice(1, 4).map((l) => l.split(',')[0])).toEqual(['超时确认', '未确认', '未到岗']);
    expect(csv).not.toMatch(/T\d\d:|Z\b|ack|arrive|liaison/);
    // Another configured zone moves the clock with it.
    expect(reportCsv(r, 'Asia/Urumqi').split('\r\n')[1]).toContain('2026-07-05 07:00:00');
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
  });
});
