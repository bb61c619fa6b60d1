import type { Services } from '../services.js';
import type { GatewayReading } from './readings.js';
import { addQuarantine } from '../store/streams.js';
import { batch } from '../store/batch.js';

/**
 * What the gateway records about a gauge besides its readings: readings refused for its clock
 * (kept in the quarantine, station marked "clock off" until a report in time arrives) and a
 * notice to the duty room when wrong passwords lock a peer or an address out.
 */
export async function keepClockRefused(
  svc: Services,
  stationId: string,
  refused: ReadonlyArray<{ reading: GatewayReading; reason: string }>,
  address: string,
): Promise<void> {
  const now = svc.now();
  const key = svc.keys.station(stationId);
  const pipe = batch(svc.redis);
  for (const r of refused)
    addQuarantine(pipe, svc.keys.quarantine(), { stationId, receivedAt: now, reason: `${r.reason} (SL 651 ${address})`, reading: r.reading });
  pipe.hsetnx(key, 'clockOffSince', String(now));
  pipe.hset(key, 'clockOffReason', refused[0]!.reason);
  for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
}

export async function clearClockOff(svc: Services, stationId: string): Promise<void> {
  await svc.redis.hdel(svc.keys.station(stationId), 'clockOffSince', 'clockOffReason');
}

export async function lockoutNotice(
  svc: Services,
  d: { station: { id: string; name: string; sl651Address?: string }; what: 'peer' | 'address'; peer: string; lockoutMs: number },
): Promise<void> {
  const now = svc.now();
  const ref = await svc.reference.snapshot();
  const minutes = Math.round(d.lockoutMs / 60_000);
  const s = d.station;
  const text =
    d.what === 'peer'
      ? `来自 ${d.peer} 的连接多次以错误口令冒用测站 ${s.name}（${s.id}）的地址，已将该来源锁定 ${minutes} 分钟。如非本站 RTU，可能有人在猜测测站口令，请核实。`
      : `测站 ${s.name}（${s.id}，遥测站地址 ${s.sl651Address ?? ''}）多次收到错误口令的报文，已对其他来源锁定 ${minutes} 分钟（该站此前正常通信的来源不受影响）。可能有人冒充该站，请核实。`;
  await svc.notices.send({
    kind: 'sl651-lockout',
    key: `sl651-lockout:${d.what}:${d.what === 'peer' ? d.peer : s.id}:${Math.floor(now / d.lockoutMs)}`,
    title: `【测站口令锁定】${s.name}`,
    text,
    personIds: svc.scheduled.dutyRoom(ref, now),
  });
}
