import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';
import type { ReferenceSnapshot, ReferenceStore } from '../reference/store.js';
import type { AlertStore } from '../alerts/store.js';
import type { NoticeService } from '../notices/service.js';
import type { ResponseStore } from '../store/responseState.js';
import type { LedgerEntry } from '../domain/alerts/index.js';
import { loadStations } from '../store/readings.js';
import { hydroDayOf } from '../domain/hydroDay.js';
import { rainIn, thresholdsAt } from '../domain/station.js';
import { calendarOf } from '../evaluation/engine.js';
import { dailyReport, type WaterPeak } from '../domain/dailyReport.js';
import { dutyRoomAt } from '../domain/roster.js';
import { offlineAfterMs, staleCheck, type Silence } from '../domain/staleGauges.js';
import { maxLevel, type Level, type MaybeLevel } from '../domain/levels.js';
import { localTimeText } from '../domain/wording.js';
import { accountabilityReport } from '../alerts/report.js';
import { findGaps } from '../roster/gaps.js';
import { streamFields } from '../store/streams.js';
import { batch } from '../store/batch.js';

/**
 * The scheduled duties, each safe to run from any instance at any time: what they send is
 * deduplicated by a key (the day, the shift, the outage), so a second scheduler, a retry or
 * a restart never sends it twice.
 */
export interface ScheduledDeps {
  redis: ScriptedRedis;
  keys: Keys;
  config: AppConfig;
  reference: ReferenceStore;
  alerts: AlertStore;
  notices: NoticeService;
  /** HQ responses, for the daily report. */
  responses?: ResponseStore;
  now: () => number;
  log: Logger;
}

function digest(parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join('|'))
    .digest('hex')
    .slice(0, 16);
}

export class ScheduledJobs {
  constructor(private readonly d: ScheduledDeps) {}

  /** The people on duty at t (officers and the leader of every shift in force). */
  dutyRoom(ref: ReferenceSnapshot, t: number): string[] {
    return dutyRoomAt(ref.shifts, t);
  }

  async silences(): Promise<Map<string, Silence>> {
    const raw = await this.d.redis.hgetall(this.d.keys.silences());
    return new Map(Object.entries(raw).map(([id, json]) => [id, JSON.parse(json) as Silence]));
  }

  /** Every minute: one notice per outage when a gauge goes silent, one when it is back. */
  async staleGauges(): Promise<{ offline: string[]; recovered: string[] }> {
    const { redis, keys } = this.d;
    const ref = await this.d.reference.snapshot({ fresh: true });
    const stations = [...ref.stations.values()];
    const pipe = batch(redis);
    for (const s of stations) pipe.hmget(keys.station(s.id), 'seenAt', 'clockOffSince');
    const seen = ((await pipe.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      const [seenAt, clockOffSince] = v as Array<string | null>;
      return { seenAt: seenAt ? Number(seenAt) : null, clockOffSince: clockOffSince ? Number(clockOffSince) : null };
    });
    const offline = new Map(Object.entries(await redis.hgetall(keys.offline())).map(([id, since]) => [id, Number(since)]));
    const now = this.d.now();
    const result = staleCheck(
      stations.map((s, i) => ({ id: s.id, intervalMinutes: s.intervalMinutes, ...seen[i]! })),
      offline,
      await this.silences(),
      now,
    );
    const tz = this.d.config.levels.timezone;
    const to = this.dutyRoom(ref, now);
    // One notice per check for every gauge that fell silent (not one per gauge): a storm can
    // take dozens of links down at once. Gauges whose clock is off (reports arrive but are
    // quarantined) get their own bundled notice, worded for that. Marked first: a crash before
    // the notice loses nothing.
    for (const o of result.wentOffline) await redis.hset(keys.offline(), o.id, String(o.seenAt));
    for (const clockOff of [false, true]) {
      const group = result.wentOffline.filter((o) => o.clockOff === clockOff);
      if (group.length === 0) continue;
      const lines = group.map((o) => {
        const s = ref.stations.get(o.id)!;
        const township = ref.townships.get(s.townshipId)?.name ?? s.townshipId;
        return clockOff
          ? `${township} ${s.name}（${s.id}）自${localTimeText(o.seenAt, tz)}起时钟偏差：报文仍在到达，但观测时间超出允许范围，数据已拒收并存入待核区`
          : `${township} ${s.name}（${s.id}）自${localTimeText(o.seenAt, tz)}起已超过 ${Math.round(offlineAfterMs(s.intervalMinutes) / 60_000)} 分钟未报数据`;
      });
      const first = ref.stations.get(group[0]!.id)!;
      const label = clockOff ? '【测站时钟偏差】' : '【测站离线】';
      await this.d.notices.send({
        kind: 'gauge-offline',
        key: `${clockOff ? 'clock-off' : 'offline'}:${digest(group.map((o) => `${o.id}:${o.seenAt}`))}`,
        title: group.length === 1 ? `${label}${first.name}` : `${label}${first.name}等${group.length}个测站`,
        text: clockOff
          ? `${lines.join('；\n')}。\n请尽快校准 RTU 时钟。在此期间该站雨情水情不计入预警：测站保持最后的预警级别，不因拒收而降低或解除。`
          : `${lines.join('；\n')}。\n请核实测站状态。数据中断期间雨情水情未知：测站保持最后的预警级别（标注“数据中断”），不因缺数而降低或解除。`,
        personIds: to,
      });
    }
    if (result.recovered.length > 0) {
      for (const r of result.recovered) await redis.hdel(keys.offline(), r.id);
      const first = ref.stations.get(result.recovered[0]!.id)!;
      await this.d.notices.send({
        kind: 'gauge-recovered',
        key: `recovered:${digest(result.recovered.map((r) => `${r.id}:${r.offlineSince}`))}`,
        title: result.recovered.length === 1 ? `【测站恢复】${first.name}` : `【测站恢复】${first.name}等${result.recovered.length}个测站`,
        text:
          result.recovered.map((r) => `${ref.stations.get(r.id)?.name ?? r.id}（${r.id}）已于${localTimeText(r.seenAt, tz)}恢复报送数据`).join('；\n') + '。',
        personIds: to,
      });
    }
    return { offline: result.wentOffline.map((o) => o.id), recovered: result.recovered.map((r) => r.id) };
  }

  /** Every minute: remind the people of each shift starting within `before` (default 30 min), once. */
  async shiftReminders(before = 30 * 60_000): Promise<number> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const now = this.d.now();
    const tz = this.d.config.levels.timezone;
    let sent = 0;
    for (const s of ref.shifts) {
      const start = Date.parse(s.start);
      if (!(start > now && start - now <= before)) continue;
      const name = (id: string) => ref.people.get(id)?.name ?? id;
      const text =
        `您将于${localTimeText(start, tz)}至${localTimeText(Date.parse(s.end), tz)}值班。` +
        `带班领导：${name(s.leaderId)}；值班员：${s.officerIds.map(name).join('、')}` +
        `${s.phone ? `；值班电话：${s.phone}` : ''}。请按时到岗交接班。`;
      const notice = await this.d.notices.send({
        kind: 'shift-reminder',
        key: `shift-reminder:${s.id}:${s.start}`,
        title: '【值班提醒】',
        text,
        personIds: [s.leaderId, ...s.officerIds],
      });
      if (notice) sent++;
    }
    return sent;
  }

  /** 08:00: the report of the hydrological day that just ended (or 零报告). */
  async dailyReport(): Promise<string | null> {
    const { redis, keys, config } = this.d;
    const ref = await this.d.reference.snapshot({ fresh: true });
    const now = this.d.now();
    const { timezone, dayStartHour } = config.levels;
    const day = hydroDayOf(now - 60_000, timezone, dayStartHour); // the day that ended at (or just before) now
    const stations = [...ref.stations.values()];
    const samples = await loadStations(
      redis,
      keys,
      stations.map((s) => s.id),
    );
    const totals = new Map<string, number | null>();
    for (const s of stations) {
      const list = samples.get(s.id)?.samples ?? [];
      const reported = list.some((x) => x.rain !== null && x.t > day.start && x.t - (x.periodMs ?? 0) < day.end);
      totals.set(s.id, reported ? rainIn(list, day.start, day.end) : null);
    }
    const cal = calendarOf(config);
    const water: WaterPeak[] = [];
    for (const s of stations) {
      if (s.kind === 'rain') continue;
      const levels = (samples.get(s.id)?.samples ?? []).filter((x) => x.level !== null && x.t > day.start && x.t <= day.end).map((x) => x.level!);
      if (levels.length === 0) continue;
      const th = thresholdsAt(s.kind, s.thresholds ?? {}, day.end, cal);
      water.push({ name: s.name, kind: s.kind, peakM: Math.max(...levels), warning: th.warning, guarantee: th.guarantee, floodLimit: th.floodLimit });
    }
    const townships = [];
    for (const t of ref.townships.values()) {
      const own = (ref.stationsByTownship.get(t.id) ?? []).filter((s) => totals.get(s.id) !== null && totals.get(s.id) !== undefined);
      const meanMm = own.length ? own.reduce((sum, s) => sum + (totals.get(s.id) ?? 0), 0) / own.length : null;
      const top = own.map((s) => ({ name: s.name, mm: totals.get(s.id) ?? 0 })).sort((a, b) => b.mm - a.mm);
      townships.push({ id: t.id, name: t.name, meanMm, top, highestLevel: await this.highestLevel(t.id, day.start, day.end) });
    }
    const ledger = (await this.d.alerts.ledger([...ref.townships.keys()])).filter((e) => e.at > day.start && e.at <= day.end);
    const report = accountabilityReport(ledger, {}, String, String);
    const alertIds = await this.d.alerts.list([...ref.townships.keys()], 1000);
    const opened = (await this.d.alerts.getMany(alertIds)).filter((a) => a.openedAt > day.start && a.openedAt <= day.end);
    const acks = report.people.reduce((n, p) => n + p.acks, 0);
    const ackTimes = ledger
      .filter((e) => (e.type === 'ack' || e.type === 'ack-late') && e.actual !== null && e.notifiedAt !== null)
      .map((e) => Math.round((e.actual! - e.notifiedAt!) / 1000))
      .sort((a, b) => a - b);
    const name = (id: string) => ref.people.get(id)?.name ?? id;
    const fullUrl = `${config.policy.publicUrl.replace(/\/$/, '')}/board/daily/${day.date}`;
    const { title, text, sms, zero } = dailyReport(
      {
        date: day.date,
        dayStartHour,
        townships,
        alerts: opened.length,
        acks,
        medianAckSeconds: ackTimes.length ? ackTimes[Math.ceil(ackTimes.length / 2) - 1]! : null,
        missedAcks: report.people.reduce((n, p) => n + p.missedAcks, 0),
        missedArrivals: report.people.reduce((n, p) => n + p.missedArrivals, 0),
        ...(await this.responsesOfDay(ref, day.start, day.end, ledger)),
        water,
        duty: ref.shifts
          .filter((s) => Date.parse(s.end) > day.start && Date.parse(s.start) < day.end)
          .sort((a, b) => Date.parse(a.start) - Date.parse(b.start))
          .map((s) => ({ start: Date.parse(s.start), leader: name(s.leaderId), officers: s.officerIds.map(name), ...(s.phone ? { phone: s.phone } : {}) })),
        timeZone: timezone,
      },
      fullUrl,
    );
    const to = this.dutyRoom(ref, now + 1);
    const notice = await this.d.notices.send({ kind: 'daily-report', key: `daily-report:${day.date}`, title, text, smsText: sms, personIds: to });
    this.d.log.info({ day: day.date, zero, people: to.length, sent: Boolean(notice) }, 'daily report');
    return notice ? text : null;
  }

  /** Responses in force during (start, end] and the 到岗到位 figures of the day's ledger. */
  private async responsesOfDay(ref: ReferenceSnapshot, start: number, end: number, ledger: LedgerEntry[]) {
    const all = this.d.responses ? await this.d.responses.list(500) : [];
    const relevant = all.filter((r) => r.createdAt <= end && (r.endedAt === null || r.endedAt > start));
    const responses = relevant.map((r) => {
      const endAct = r.acts.find((a) => a.type === 'end');
      return {
        level: r.level,
        scope:
          r.scope === 'city'
            ? '全市'
            : r.townshipIds
                .map((t) => ref.townships.get(t)?.name ?? t)
                .slice(0, 5)
                .join('、') + (r.townshipIds.length > 5 ? '等' : ''),
        noticeNumber: r.noticeNumber,
        startedAt: r.startsAt > start && r.startsAt <= end ? r.startsAt : null,
        endedAt: r.endedAt !== null && r.endedAt <= end ? r.endedAt : null,
        endNotice: endAct?.noticeNumber ?? null,
      };
    });
    const own = ledger.filter((e) => e.kind === 'response');
    const arrived = own.filter((e) => e.type === 'arrive' || e.type === 'arrive-late');
    const required = new Set(own.map((e) => `${e.alertId}|${e.personId}`)).size;
    return {
      responses,
      arrivals: {
        required,
        arrived: arrived.length,
        late: own.filter((e) => e.type === 'arrive-late').length,
        missed: own.filter((e) => e.type === 'arrive-missed').length,
      },
    };
  }

  /** The highest level a township was at during (start, end]. */
  private async highestLevel(townshipId: string, start: number, end: number): Promise<MaybeLevel> {
    const events = await this.d.redis.xrange(this.d.keys.townshipEvents(townshipId), '-', '+');
    let level: MaybeLevel = null;
    let atStart: MaybeLevel = null;
    for (const [, fields] of events) {
      const f = streamFields(fields);
      const at = Number(f.at);
      const to = (f.to || null) as MaybeLevel;
      if (at <= start) atStart = to;
      else if (at <= end) level = maxLevel(level, to);
    }
    return maxLevel(level, atStart as Level | null);
  }

  /** Daily: gaps in the roster over the next 14 days, to the people with the city role `roster-admin`. */
  async rosterGaps(days = 14): Promise<number> {
    const ref = await this.d.reference.snapshot({ fresh: true });
    const now = this.d.now();
    const gaps = findGaps(ref.shifts, now, now + days * 86_400_000);
    if (gaps.length === 0) return 0;
    const tz = this.d.config.levels.timezone;
    const admins = [...ref.people.values()].filter((p) => p.cityRoles.includes('roster-admin')).map((p) => p.id);
    const words: Record<string, string> = { 'duty-officer': '值班员', 'shift-leader': '带班领导' };
    const lines = gaps
      .slice(0, 20)
      .map((g) => `${localTimeText(g.from, tz)} 至 ${localTimeText(g.to, tz)}：缺${g.missing.map((m) => words[m] ?? m).join('、')}`);
    const date = new Date(now).toISOString().slice(0, 10);
    await this.d.notices.send({
      kind: 'roster-gaps',
      key: `roster-gaps:${date}`,
      title: '【值班表缺口】',
      text: `未来 ${days} 天值班表有 ${gaps.length} 处缺口：\n${lines.join('\n')}${gaps.length > 20 ? '\n……' : ''}\n请及时补排（GET /v1/duty/gaps）。`,
      personIds: admins,
    });
    return gaps.length;
  }
}
