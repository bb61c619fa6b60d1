import { createServer, type Server, type Socket } from 'node:net';
import type { Services } from '../services.js';
import type { Principal } from '../auth/credentials.js';
import { ingestReadings } from '../ingest/readings.js';
import { buildAck, decodeReport, FrameError, hex, scanFrames, sendTimeNow, type Report } from './frame.js';
import { reportToReadings, splitByClock, type Counters } from './readings.js';
import { PasswordGuard } from './guard.js';
import { LogSampler } from '../lib/logSampler.js';
import { clearClockOff, keepClockRefused, lockoutNotice } from './marks.js';

/**
 * The SL 651 TCP gateway: many RTUs at once, an idle timeout, a maximum frame size, connection
 * caps per peer and in total. Good frames are acknowledged (M2) once what they carry is kept:
 * readings through exactly the HTTP ingest path, readings refused for the gauge's clock in the
 * quarantine (and the station marked "clock off"). Bad frames get no reply and are counted;
 * log lines about them are sampled, never one per frame. Wrong passwords are throttled.
 */
export interface GatewayOptions {
  port: number;
  host?: string;
  idleTimeoutMs: number;
  maxFrameBytes: number;
  ackTerminator: 'EOT' | 'ESC';
  /** Echo the gauge's own send time in acks (reproduces published acks); else the centre's clock. */
  echoSendTime: boolean;
  maxConnections?: number;
  maxConnectionsPerPeer?: number;
  password?: { freeFailures: number; lockAfter: number; lockoutMs: number; windowMs: number };
}

export interface GatewayStats {
  connections: number;
  open: number;
  frames: number;
  reports: number;
  keepAlives: number;
  acks: number;
  resent: number;
  badFrames: number;
  refused: number;
  /** Frames not looked at because their peer or address is in password backoff or lockout. */
  throttled: number;
  /** Connections closed at once: over the total or the per-peer cap. */
  capped: number;
  readings: number;
  /** Readings kept in quarantine because of the gauge's clock. */
  clockRefused: number;
  skippedBytes: number;
}

const REPORT_FUNCTIONS = new Set(['30', '31', '32', '33', '34', '35']);
const GATEWAY: Principal = { role: 'admin', id: 'sl651-gateway' };
const DEFAULT_PASSWORD_GUARD = { freeFailures: 3, lockAfter: 10, lockoutMs: 3_600_000, windowMs: 3_600_000 };

export async function startSl651Gateway(svc: Services, opts: GatewayOptions): Promise<{ port: number; close(): Promise<void>; stats(): GatewayStats }> {
  const stats: GatewayStats = {
    connections: 0,
    open: 0,
    frames: 0,
    reports: 0,
    keepAlives: 0,
    acks: 0,
    resent: 0,
    badFrames: 0,
    refused: 0,
    throttled: 0,
    capped: 0,
    readings: 0,
    clockRefused: 0,
    skippedBytes: 0,
  };
  // Counted here and in Prometheus (fangxun_sl651_total{outcome}), never logged one line each.
  const bump = (k: Exclude<keyof GatewayStats, 'open'>, n = 1) => {
    stats[k] += n;
    if (n > 0) svc.metrics.sl651.inc({ outcome: k }, n);
  };
  const sockets = new Set<Socket>();
  const perPeer = new Map<string, number>();
  const log = svc.log.child({ component: 'sl651' });
  const sampled = new LogSampler(10_000, svc.now);
  const guard = new PasswordGuard(opts.password ?? DEFAULT_PASSWORD_GUARD, svc.now);
  const cal = { timeZone: svc.config.levels.timezone, dayStartHour: svc.config.levels.dayStartHour };

  async function refuse(address: string, reason: string, peer: string, remote: string) {
    bump('refused');
    await svc.redis
      .xadd(svc.keys.sl651Refused(), 'MAXLEN', '~', '10000', '*', 'at', String(svc.now()), 'address', address, 'reason', reason, 'remote', remote)
      .catch(() => undefined);
    sampled.sample(`refused:${peer}`, (suppressed) => log.warn({ address, reason, remote, suppressed }, 'sl651 frame refused'));
  }

  async function stationFor(address: string, password: string, peer: string, remote: string): Promise<{ id: string; kind: string; baseLevel?: number } | null> {
    const closed = guard.closed(peer, address);
    if (closed) {
      bump('throttled');
      sampled.sample(`throttled:${peer}`, (suppressed) =>
        log.warn(
          { address, remote, closed: closed.key, until: new Date(closed.until).toISOString(), suppressed },
          'sl651 frame not looked at: wrong passwords',
        ),
      );
      return null;
    }
    let ref = await svc.reference.snapshot();
    let station = [...ref.stations.values()].find((s) => s.sl651Address?.toUpperCase() === address);
    if (!station) {
      ref = await svc.reference.snapshot({ fresh: true });
      station = [...ref.stations.values()].find((s) => s.sl651Address?.toUpperCase() === address);
    }
    if (!station) {
      await refuse(address, 'unknown address', peer, remote);
      return null;
    }
    if (station.sl651Password && station.sl651Password.toUpperCase() !== password) {
      const locked = guard.failed(peer, address);
      await refuse(address, 'wrong password', peer, remote);
      for (const what of locked)
        await lockoutNotice(svc, { station, what, peer, lockoutMs: (opts.password ?? DEFAULT_PASSWORD_GUARD).lockoutMs }).catch((err: unknown) =>
          log.error({ err }, 'sl651 lockout notice failed'),
        );
      return null;
    }
    guard.succeeded(peer, address);
    return station;
  }

  async function handleReport(report: Report, peer: string, remote: string, socket: Socket) {
    const h = report.header;
    const station = await stationFor(h.station, h.password, peer, remote);
    if (!station) return;
    await svc.redis.hset(svc.keys.station(station.id), 'seenAt', String(svc.now()));
    if (h.function === '2F') {
      bump('keepAlives');
      return; // keep-alive: never answered
    }
    if (!REPORT_FUNCTIONS.has(h.function)) {
      log.info({ address: h.station, function: h.function }, 'sl651 function not handled');
      return;
    }
    bump('reports');
    // A resent report (same station, serial and send time) is acknowledged again, stored once.
    const first = await svc.redis.set(svc.keys.sl651Seen(h.station, report.serial, report.sentAtRaw), '1', 'EX', 2 * 86_400, 'NX');
    if (first === 'OK') {
      const countersKey = svc.keys.sl651Counters(station.id);
      const stored = await svc.redis.get(countersKey);
      const counters = stored ? (JSON.parse(stored) as Counters) : {};
      const { readings, counters: next, notes } = reportToReadings(report, station, counters, cal);
      for (const n of notes) log.warn({ address: h.station, stationId: station.id }, n);
      try {
        // Readings the gauge's clock puts out of range are kept in quarantine before the ack,
        // and the station is marked: acknowledging them as if stored would lose them silently.
        const { inTime, refused } = splitByClock(readings, svc.now(), svc.config.service.ingest);
        if (refused.length > 0) {
          await keepClockRefused(svc, station.id, refused, h.station);
          bump('clockRefused', refused.length);
          sampled.sample(`clock:${station.id}`, (suppressed) =>
            log.warn({ stationId: station.id, reason: refused[0]!.reason, count: refused.length, suppressed }, 'sl651 readings quarantined: gauge clock off'),
          );
        }
        if (inTime.length > 0) {
          const result = await ingestReadings(svc, GATEWAY, { readings: inTime });
          bump('readings', result.accepted);
          if (result.rejected.length)
            sampled.sample(`rejected:${station.id}`, (suppressed) =>
              log.warn({ stationId: station.id, rejected: result.rejected.slice(0, 5), suppressed }, 'sl651 readings refused'),
            );
          if (refused.length === 0) await clearClockOff(svc, station.id);
        }
        await svc.redis.set(countersKey, JSON.stringify(next));
      } catch (err) {
        // Not kept, so not acknowledged: the gauge sends it again, and it must count then.
        await svc.redis.del(svc.keys.sl651Seen(h.station, report.serial, report.sentAtRaw)).catch(() => undefined);
        throw err;
      }
    } else {
      bump('resent');
    }
    const ack = buildAck(h, report.serial, opts.echoSendTime ? report.sentAtRaw : sendTimeNow(svc.now()), opts.ackTerminator);
    if (!socket.destroyed) socket.write(ack);
    bump('acks');
  }

  const server: Server = createServer((socket) => {
    bump('connections');
    const peer = socket.remoteAddress ?? 'unknown';
    const remote = `${peer}:${socket.remotePort}`;
    const mine = perPeer.get(peer) ?? 0;
    if (sockets.size >= (opts.maxConnections ?? 2_000) || mine >= (opts.maxConnectionsPerPeer ?? 16)) {
      bump('capped');
      sampled.sample(`capped:${peer}`, (suppressed) =>
        log.warn({ remote, open: sockets.size, fromPeer: mine, suppressed }, 'sl651 connection refused: too many connections'),
      );
      socket.on('error', () => undefined);
      socket.destroy();
      return;
    }
    perPeer.set(peer, mine + 1);
    stats.open++;
    sockets.add(socket);
    let buf: Uint8Array = new Uint8Array(0);
    let chain = Promise.resolve();
    socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
    socket.on('close', () => {
      stats.open--;
      sockets.delete(socket);
      const left = (perPeer.get(peer) ?? 1) - 1;
      if (left > 0) perPeer.set(peer, left);
      else perPeer.delete(peer);
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      const { items, rest, skipped } = scanFrames(joined, opts.maxFrameBytes);
      bump('skippedBytes', skipped);
      // A partial frame that can never complete within the limit is dropped.
      buf = rest.length > opts.maxFrameBytes ? rest.subarray(rest.length - 1) : new Uint8Array(rest);
      for (const item of items) {
        if (item.kind === 'bad') {
          bump('badFrames');
          sampled.sample(`bad:${peer}`, (suppressed) =>
            log.warn({ address: item.station, reason: item.reason, remote, suppressed }, 'sl651 bad frame (no reply)'),
          );
          continue;
        }
        bump('frames');
        // Frames of one connection are handled in order.
        chain = chain
          .then(async () => {
            let report: Report;
            try {
              report = decodeReport(item.bytes, item.encoding);
            } catch (err) {
              bump('badFrames');
              sampled.sample(`bad:${peer}`, (suppressed) =>
                log.warn(
                  {
                    address: err instanceof FrameError ? err.station : null,
                    reason: (err as Error).message,
                    frame: hex(item.bytes).slice(0, 200),
                    remote,
                    suppressed,
                  },
                  'sl651 malformed body (no reply)',
                ),
              );
              return;
            }
            await handleReport(report, peer, remote, socket);
          })
          .catch((err: unknown) => sampled.sample(`failed:${peer}`, (suppressed) => log.error({ err, remote, suppressed }, 'sl651 frame handling failed')));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  log.info({ port }, 'sl651 gateway listening');
  return {
    port,
    stats: () => ({ ...stats }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
