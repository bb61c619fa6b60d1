/**
 * npm run sl651:sim -- --station 0012345678[:1234][,…] [--host 127.0.0.1] [--port 5651]
 *                      [--every 5s] [--count 0] [--kind river|reservoir|rain] [--rain 0.5] [--level 35.2]
 *
 * Plays one or many SL 651 RTUs against the gateway, for demos and load: each station
 * connects, sends a timed report (32) with 5-minute rainfall (PN05) and a water level every
 * interval, a keep-alive (2F) between reports, and prints the acks it gets back.
 */
import { connect } from 'node:net';
import { buildReport, crc16, hex, scanFrames } from '../gateway/frame.js';
import { parseDuration } from '../domain/duration.js';
import { readEnv } from '../config/env.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const stations = (arg('station') ?? '').split(',').filter(Boolean);
if (stations.length === 0 || stations.some((s) => !/^[0-9A-Fa-f]{10}(:[0-9A-Fa-f]{4})?$/.test(s))) {
  console.error('usage: npm run sl651:sim -- --station 0012345678[:1234][,…] [--every 5s] [--count N] [--port 5651]');
  process.exit(2);
}
const host = arg('host', '127.0.0.1')!;
const port = Number(arg('port', readEnv().sl651Port));
const every = parseDuration(arg('every', '5s')!) ?? 5_000;
const count = Number(arg('count', '0'));
const kind = arg('kind', 'river');
const rain = Number(arg('rain', '0.5'));
const level = Number(arg('level', '35.20'));

function keepAlive(station: string, password: string, serial: number): Uint8Array {
  const t = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(2, 19).replace(/[-T:]/g, '');
  const body = Buffer.from(`${serial.toString(16).padStart(4, '0')}${t}`, 'hex');
  const frame = Buffer.concat([Buffer.from(`7E7E01${station}${password}2F0008`, 'hex'), Buffer.from([0x02]), body, Buffer.from([0x03, 0, 0])]);
  const crc = crc16(frame, frame.length - 2);
  frame[frame.length - 2] = crc >> 8;
  frame[frame.length - 1] = crc & 0xff;
  return frame;
}

await Promise.all(
  stations.map(async (spec, n) => {
    const [address, password = '0000'] = spec.toUpperCase().split(':') as [string, string?];
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    }).catch((err: Error) => {
      console.error(`${address}: cannot connect to ${host}:${port} (${err.message})`);
      process.exit(1);
    });
    let pending: Uint8Array = new Uint8Array(0);
    socket.on('data', (chunk) => {
      const { items, rest } = scanFrames(new Uint8Array([...pending, ...chunk]), 4112);
      pending = rest;
      for (const i of items) if (i.kind === 'frame') console.log(`${address} ← ack ${hex(i.bytes)}`);
    });
    let serial = 1 + n * 1000;
    for (let sent = 0; count === 0 || sent < count; sent++) {
      const now = Date.now();
      const frame = buildReport({
        centre: 1,
        station: address,
        password: password!,
        function: '32',
        serial: serial++,
        sentAt: now,
        stationType: kind === 'rain' ? '50' : kind === 'reservoir' ? '4B' : '48',
        observedAt: now - (now % 60_000),
        pn05: rain,
        ...(kind === 'reservoir' ? { zu: level } : kind === 'river' ? { z: level + Math.sin(sent / 6) * 0.3 } : {}),
      });
      socket.write(frame);
      console.log(`${address} → report ${serial - 1}`);
      await new Promise((r) => setTimeout(r, every / 2));
      socket.write(keepAlive(address, password!, serial++ & 0xffff));
      await new Promise((r) => setTimeout(r, every / 2));
    }
    socket.end();
  }),
);
