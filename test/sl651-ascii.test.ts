import { describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { startSl651Gateway } from '../src/gateway/server.js';
import { waitFor } from './helpers.js';
import { useGateway } from './support/gateway.js';

/**
 * SL 651-2014 ASCII frames, built here from the standard's own tables and not with any of the
 * gateway's code (its CRC included), sent over TCP: the gateway must answer in ASCII, with the
 * rules of HEX/BCD (same function code, station before centre, the uplink serial and a send
 * time, EOT/ESC, no answer to a bad frame, a resent report answered again but stored once).
 */
const SOH = 0x01,
  STX = 0x02,
  ETX = 0x03,
  EOT = 0x04,
  ESC = 0x1b;

/** CRC-16/MODBUS (poly 0x8005 reflected = 0xA001, init 0xFFFF), table-driven. */
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xa001 ^ (c >>> 1) : c >>> 1;
  return c;
});
const modbus = (bytes: Uint8Array) => bytes.reduce((crc, b) => (crc >>> 8) ^ TABLE[(crc ^ b) & 0xff]!, 0xffff);
const crcText = (bytes: Uint8Array) => modbus(bytes).toString(16).toUpperCase().padStart(4, '0');

/** Station type codes of the ASCII encoding (测站分类码). */
const STATION_TYPE = { rain: 'P', river: 'H', reservoir: 'K' } as const;
/** Element identifiers of the ASCII encoding with their (size, decimals) from the element table. */
const ELEMENT = { PJ: [5, 1], PN05: [5, 1], Z: [7, 3], VT: [4, 2] } as const;

interface AsciiReport {
  centre: number;
  station: string;
  password: string;
  fn: string;
  serial: number;
  sentAt: string; // YYMMDDhhmmss
  type: keyof typeof STATION_TYPE;
  observedAt: string; // YYMMDDhhmm
  values: Partial<Record<keyof typeof ELEMENT, number>>;
}

/** Uplink ASCII frame: SOH, header as hex text, STX, space-separated body, ETX, CRC as text. */
function encodeAscii(r: AsciiReport): Buffer {
  const items = Object.entries(r.values).map(([id, v]) => `${id} ${v!.toFixed(ELEMENT[id as keyof typeof ELEMENT][1])}`);
  const body = [r.serial.toString(16).toUpperCase().padStart(4, '0'), r.sentAt, 'ST', r.station, STATION_TYPE[r.type], 'TT', r.observedAt, ...items].join(' ');
  const head = `${r.centre.toString(16).toUpperCase().padStart(2, '0')}${r.station}${r.password}${r.fn}${body.length.toString(16).toUpperCase().padStart(4, '0')}`;
  const frame = Buffer.concat([Buffer.from([SOH]), Buffer.from(head, 'latin1'), Buffer.from([STX]), Buffer.from(body, 'latin1'), Buffer.from([ETX])]);
  return Buffer.concat([frame, Buffer.from(crcText(frame), 'latin1')]);
}

/** Reads a downlink ASCII ack field by field. */
function decodeAsciiAck(b: Buffer) {
  expect(b[0]).toBe(SOH);
  const head = b.subarray(1, 23).toString('latin1');
  expect(head).toMatch(/^[0-9A-F]{22}$/);
  const dirLen = parseInt(head.slice(18, 22), 16);
  const length = dirLen & 0x0fff;
  expect(b[23]).toBe(STX);
  const body = b.subarray(24, 24 + length).toString('latin1');
  const end = b[24 + length];
  expect(b.length).toBe(24 + length + 1 + 4);
  expect(b.subarray(25 + length).toString('latin1')).toBe(crcText(b.subarray(0, 25 + length)));
  return {
    station: head.slice(0, 10),
    centre: parseInt(head.slice(10, 12), 16),
    password: head.slice(12, 16),
    fn: head.slice(16, 18),
    direction: dirLen >> 12,
    body,
    end,
  };
}

const beijingDigits = (t: number) => new Date(t + 8 * 3_600_000).toISOString().slice(2, 19).replace(/[-T:]/g, '');

const { h, open } = useGateway([
  { id: 'GA', name: 'ASCII RTU', kind: 'river', townshipId: '341881001', sl651Address: '0012345679', sl651Password: '1234', thresholds: { warning: 1.0 } },
]);

describe('SL 651 ASCII frames', () => {
  it('are acknowledged in ASCII, stored once when resent, and a bad CRC gets no answer', async () => {
    const now = Date.now() - 60_000;
    const sentAt = beijingDigits(now);
    const frame = encodeAscii({
      centre: 1,
      station: '0012345679',
      password: '1234',
      fn: '32',
      serial: 0x2a,
      sentAt,
      type: 'river',
      observedAt: sentAt.slice(0, 10),
      values: { Z: 1.234, PN05: 2.5, VT: 12.68 },
    });
    const { socket, received } = await open();
    socket.write(frame.subarray(0, 30));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(frame.subarray(30));
    await waitFor(async () => received().length >= 45, 3_000, 'the ASCII ack');
    const ack = decodeAsciiAck(received());
    expect(ack).toEqual({ station: '0012345679', centre: 1, password: '1234', fn: '32', direction: 8, body: `002A${sentAt}`, end: ESC });
    expect(received().includes(0x7e)).toBe(false); // nothing of a HEX frame

    await h.svc.evaluate();
    const station = (await h.svc.call('GET', '/v1/stations/GA')).body;
    expect(station.latest).toMatchObject({ waterLevelM: 1.234, rainfallMm: 2.5 });

    // Resent (no ack reached the RTU): answered again, the same way, not stored twice.
    socket.write(frame);
    await waitFor(async () => received().length >= 90, 3_000, 'the second ack');
    expect(received().subarray(45)).toEqual(received().subarray(0, 45));
    expect(h.gw.stats()).toMatchObject({ reports: 2, acks: 2, resent: 1, readings: 1 });

    // One wrong CRC character: no answer.
    const bad = Buffer.from(frame);
    bad[bad.length - 1] = bad[bad.length - 1] === 0x30 ? 0x31 : 0x30;
    socket.write(bad);
    await waitFor(async () => h.gw.stats().badFrames === 1, 3_000, 'the refusal');
    expect(received().length).toBe(90);
    socket.destroy();
  });

  it('ends the ack with EOT when the gateway releases the link', async () => {
    const eot = await startSl651Gateway(h.svc.runtime.services, {
      port: 0,
      idleTimeoutMs: 5_000,
      maxFrameBytes: 4112,
      ackTerminator: 'EOT',
      echoSendTime: false,
    });
    try {
      const sentAt = beijingDigits(Date.now() - 120_000);
      const frame = encodeAscii({
        centre: 1,
        station: '0012345679',
        password: '1234',
        fn: '33',
        serial: 7,
        sentAt,
        type: 'river',
        observedAt: sentAt.slice(0, 10),
        values: { Z: 1.1 },
      });
      const chunks: Buffer[] = [];
      const socket = connect(eot.port, '127.0.0.1', () => socket.write(frame));
      socket.on('data', (c) => chunks.push(c));
      await waitFor(async () => Buffer.concat(chunks).length >= 45, 3_000, 'the ack');
      const ack = decodeAsciiAck(Buffer.concat(chunks));
      expect(ack).toMatchObject({ station: '0012345679', fn: '33', direction: 8, end: EOT });
      expect(ack.body).toMatch(/^0007\d{12}$/); // the centre's clock, not the gauge's
      socket.destroy();
    } finally {
      await eot.close();
    }
  });
});
