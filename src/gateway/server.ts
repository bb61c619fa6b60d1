import { createServer, type Server, type Socket } from 'node:net';
import type { Services } from '../services.js';
import type { Principal } from '../auth/credentials.js';
import { ingestReadings } from '../ingest/readings.js';
import { buildAck, decodeReport, FrameError, hex, scanFrames, sendTimeNow, type Report } from './frame.js';
import { reportToReadings, type Counters } from './readings.js';

/**
 * The SL 651 TCP gateway: many RTUs at once, an idle timeout, a maximum frame size. Good
 * frames are acknowledged (M2) and their readings go through exactly the HTTP ingest path;
 * bad frames get no reply, are counted and logged, and never stop the process.
 */
export interface GatewayOptions {
  port: number;
  host?: string;
  idleTimeoutMs: number;
  maxFrameBytes: number;
  ackTerminator: 'EOT' | 'ESC';
  /** Echo the gauge's own send time in acks (reproduces published acks); else the centre's clock. */
  echoSendTime: boolean;
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
  readings: number;
  skippedBytes: number;
}

const REPORT_FUNCTIONS = new Set(['30', '31', '32', '33', '34', '35']);
const GATEWAY: Principal = { role: 'admin', id: 'sl651-gateway' };

export async function startSl651Gateway(svc: Services, opts: GatewayOptions): Promise<{ port: number; close(): Promise<void>; stats(): GatewayStats }> {
  const stats: GatewayStats = { connections: 0, open: 0, frames: 0, reports: 0, keepAlives: 0, acks: 0, resent: 0, badFrames: 0, refused: 0, readings: 0, skippedBytes: 0 };
  const sockets = new Set<Socket>();
  const log = svc.log.child({ component: 'sl651' });
  const cal = { timeZone: svc.config.levels.timezone, dayStartHour: svc.config.levels.dayStartHour };

  async function stationFor(address: string, password: string, remote: string): Promise<{ id: string; kind: string; baseLevel?: number } | null> {
    let ref = await svc.reference.snapshot();
    let station = [...ref.stations.values()].find((s) => s.sl651Address?.toUpperCase() === address);
    if (!station) {
      ref = await svc.reference.snapshot({ fresh: true });
      station = [...ref.stations.values()].find((s) => s.sl651Address?.toUpperCase() === address);
    }
    const reason = !station ? 'unknown address' : station.sl651Password && station.sl651Password.toUpperCase() !== password ? 'wrong password' : null;
    if (reason) {
      stats.refused++;
      await svc.redis
        .xadd(svc.keys.sl651Refused(), 'MAXLEN', '~', '10000', '*', 'at', String(svc.now()), 'address', address, 'reason', reason, 'remote', remote)
        .catch(() => undefined);
      log.warn({ address, reason, remote }, 'sl651 frame refused');
      return null;
    }
    return station!;
  }

  async function handleReport(report: Report, remote: string, socket: Socket) {
    const h = report.header;
    const station = await stationFor(h.station, h.password, remote);
    if (!station) return;
    await svc.redis.hset(svc.keys.station(station.id), 'seenAt', String(svc.now()));
    if (h.function === '2F') {
      stats.keepAlives++;
      return; // keep-alive: never answered
    }
    if (!REPORT_FUNCTIONS.has(h.function)) {
      log.info({ address: h.station, function: h.function }, 'sl651 function not handled');
      return;
    }
    stats.reports++;
    // A resent report (same station, serial and send time) is acknowledged again, stored once.
    const first = await svc.redis.set(svc.keys.sl651Seen(h.station, report.serial, report.sentAtRaw), '1', 'EX', 2 * 86_400, 'NX');
    if (first === 'OK') {
      const countersKey = svc.keys.sl651Counters(station.id);
      const stored = await svc.redis.get(countersKey);
      const counters = stored ? (JSON.parse(stored) as Counters) : {};
      const { readings, counters: next, notes } = reportToReadings(report, station, counters, cal);
      for (const n of notes) log.warn({ address: h.station, stationId: station.id }, n);
      try {
        if (readings.length > 0) {
          const result = await ingestReadings(svc, GATEWAY, { readings });
          stats.readings += result.accepted;
          if (result.rejected.length) log.warn({ stationId: station.id, rejected: result.rejected }, 'sl651 readings refused');
        }
        await svc.redis.set(countersKey, JSON.stringify(next));
      } catch (err) {
        // Not stored, so not acknowledged: the gauge sends it again, and it must count then.
        await svc.redis.del(svc.keys.sl651Seen(h.station, report.serial, report.sentAtRaw)).catch(() => undefined);
        throw err;
      }
    } else {
      stats.resent++;
    }
    const ack = buildAck(h, report.serial, opts.echoSendTime ? report.sentAtRaw : sendTimeNow(svc.now()), opts.ackTerminator);
    if (!socket.destroyed) socket.write(ack);
    stats.acks++;
  }

  const server: Server = createServer((socket) => {
    stats.connections++;
    stats.open++;
    sockets.add(socket);
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    let buf: Uint8Array = new Uint8Array(0);
    let chain = Promise.resolve();
    socket.setTimeout(opts.idleTimeoutMs, () => socket.destroy());
    socket.on('close', () => {
      stats.open--;
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const joined = new Uint8Array(buf.length + chunk.length);
      joined.set(buf);
      joined.set(chunk, buf.length);
      const { items, rest, skipped } = scanFrames(joined, opts.maxFrameBytes);
      stats.skippedBytes += skipped;
      // A partial frame that can never complete within the limit is dropped.
      buf = rest.length > opts.maxFrameBytes ? rest.subarray(rest.length - 1) : new Uint8Array(rest);
      for (const item of items) {
        if (item.kind === 'bad') {
          stats.badFrames++;
          log.warn({ address: item.station, reason: item.reason, remote }, 'sl651 bad frame (no reply)');
          continue;
        }
        stats.frames++;
        // Frames of one connection are handled in order.
        chain = chain
          .then(async () => {
            let report: Report;
            try {
              report = decodeReport(item.bytes, item.encoding);
            } catch (err) {
              stats.badFrames++;
              log.warn({ address: err instanceof FrameError ? err.station : null, reason: (err as Error).message, frame: hex(item.bytes).slice(0, 200) }, 'sl651 malformed body (no reply)');
              return;
            }
            await handleReport(report, remote, socket);
          })
          .catch((err: unknown) => log.error({ err, remote }, 'sl651 frame handling failed'));
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
