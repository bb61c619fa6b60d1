import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildAck, buildReport, crc16, decodeReport, FrameError, hex, scanFrames } from '../src/gateway/frame.js';
import { reportToReadings } from '../src/gateway/readings.js';
import { waitFor } from './helpers.js';
import { useGateway } from './support/gateway.js';

/** SL 651-2014: published frames decode to their published values; the gateway over TCP. */
interface Fixture {
  name: string;
  hex: string;
  ackHex?: string;
  expect: Record<string, any>;
}
const frames = (JSON.parse(readFileSync('test/fixtures/sl651/frames.json', 'utf8')) as { frames: Fixture[] }).frames;
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const byName = (n: string) => frames.find((f) => f.name === n)!;
const one = (h: string) => {
  const { items } = scanFrames(bytes(h), 4112);
  expect(items).toHaveLength(1);
  expect(items[0]!.kind).toBe('frame');
  return decodeReport((items[0] as { bytes: Uint8Array }).bytes);
};

describe('decoding the published frames', () => {
  for (const f of frames) {
    it(f.name, () => {
      const r = one(f.hex);
      const e = f.expect;
      if (e.centre !== undefined) expect(r.header.centre).toBe(e.centre);
      if (e.station) expect(r.header.station).toBe(e.station);
      if (e.password) expect(r.header.password).toBe(e.password);
      expect(r.header.function).toBe(e.function);
      if (e.direction) expect(r.header.direction).toBe(e.direction);
      if (e.bodyLength !== undefined) expect(r.header.bodyLength).toBe(e.bodyLength);
      if (e.serial !== undefined) expect(r.serial).toBe(e.serial);
      if (e.sentAt) expect(r.sentAt).toBe(e.sentAt);
      if (e.stationType) expect(r.stationType).toBe(e.stationType);
      if (e.end) expect(r.end.toString(16).padStart(2, '0')).toBe(e.end);
      if (e.observedAt) expect(r.groups[0]!.observedAt).toBe(e.observedAt);
      if (e.elements) expect(Object.assign({}, ...r.groups.map((g) => g.values))).toMatchObject(e.elements);
      if (e.groups) {
        expect(r.groups).toHaveLength(e.groups.length);
        e.groups.forEach((g: any, i: number) => {
          const got = r.groups[i]!;
          expect(got.observedAt).toBe(g.observedAt);
          if (g.F4_5min_rain_mm) expect(got.f4).toEqual(g.F4_5min_rain_mm);
          if (g.F5_relative_level_cm) expect(got.f5).toEqual(g.F5_relative_level_cm);
          for (const [k, v] of Object.entries(g)) if (!['observedAt', 'F4_5min_rain_mm', 'F5_relative_level_cm'].includes(k)) expect(got.values[k]).toBe(v);
        });
      }
    });
  }

  it('reproduces the published acknowledgement byte for byte', () => {
    const f = byName('test-report-and-ack');
    const r = one(f.hex);
    expect(hex(buildAck(r.header, r.serial, r.sentAtRaw, 'ESC'))).toBe(f.ackHex);
  });

  it('computes CRC-16/MODBUS written high byte first', () => {
    const b = bytes(byName('link-keepalive').hex);
    const crc = crc16(b, b.length - 2);
    expect([crc >> 8, crc & 0xff]).toEqual([b[b.length - 2], b[b.length - 1]]);
  });

  it('refuses a bad CRC and resynchronises on junk and half frames, never guessing at delimiters', () => {
    const good = byName('timed-report-river').hex;
    const bad = good.slice(0, -4) + '0000';
    const stream = bytes(`0000FF7E00${bad}7E7E0102${good}1234${good.slice(0, 40)}`);
    const { items, rest } = scanFrames(stream, 4112);
    // The false start in the junk is refused too; what matters: the bad CRC is named, the good frame found.
    expect(items.filter((i) => i.kind === 'frame').map((i) => hex((i as { bytes: Uint8Array }).bytes))).toEqual([good]);
    expect(items.find((i) => i.kind === 'bad' && i.reason === 'CRC mismatch')).toMatchObject({ station: '0010100001' });
    expect(hex(rest)).toBe(good.slice(0, 40)); // the half frame waits for the rest
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(...frames.map((f) => f.hex)), (junk, frame) => {
        const { items } = scanFrames(new Uint8Array([...junk, ...bytes(frame), ...junk]), 4112);
        for (const i of items)
          if (i.kind === 'frame')
            expect(() => {
              try {
                decodeReport(i.bytes);
              } catch (e) {
                if (!(e instanceof Error)) throw e;
              }
            }).not.toThrow();
        expect(items.some((i) => i.kind === 'frame' && hex(i.bytes) === frame)).toBe(true);
      }),
      { numRuns: 300, seed: 651 },
    );
  });
});

describe('fuzzing the parser', () => {
  const real = frames.map((f) => bytes(f.hex));
  const decodeSafely = (b: Uint8Array) => {
    try {
      decodeReport(b);
    } catch (e) {
      expect(e).toBeInstanceOf(FrameError); // the parser's own refusal, never a crash
    }
  };
  it('a flipped bit never yields a frame (the CRC catches it)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...real), fc.nat(), fc.integer({ min: 0, max: 7 }), (frame, at, bit) => {
        const copy = new Uint8Array(frame);
        const i = 2 + (at % (copy.length - 2)); // keep the start marker so the frame is examined
        copy[i] = copy[i]! ^ (1 << bit);
        const { items } = scanFrames(copy, 4112);
        expect(items.filter((x) => x.kind === 'frame')).toEqual([]);
      }),
      { numRuns: 2_000, seed: 1 },
    );
  });
  it('truncated frames wait, concatenated frames are all found, nothing throws', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...real), { minLength: 1, maxLength: 5 }), fc.nat(), (list, cut) => {
        const joined = new Uint8Array(list.reduce((n, f) => n + f.length, 0));
        let o = 0;
        for (const f of list) {
          joined.set(f, o);
          o += f.length;
        }
        const all = scanFrames(joined, 4112);
        expect(all.items.filter((x) => x.kind === 'frame')).toHaveLength(list.length);
        for (const x of all.items) if (x.kind === 'frame') decodeSafely(x.bytes);
        const short = joined.subarray(0, cut % joined.length);
        const partial = scanFrames(short, 4112);
        for (const x of partial.items) if (x.kind === 'frame') decodeSafely(x.bytes);
        expect(partial.items.filter((x) => x.kind === 'frame').length).toBeLessThan(list.length + 1);
      }),
      { numRuns: 500, seed: 2 },
    );
  });
});

describe('encoding and the ASCII variant', () => {
  it("round-trips a report built by the simulator's encoder", () => {
    const t = Date.parse('2026-07-05T14:05:00+08:00');
    const frame = buildReport({
      centre: 1,
      station: '0012345678',
      password: '1234',
      function: '32',
      serial: 9,
      sentAt: t,
      stationType: '48',
      observedAt: t,
      pn05: 2.5,
      z: -0.125,
    });
    const r = one(hex(frame));
    expect(r).toMatchObject({ serial: 9, sentAt: '2026-07-05T14:05:00+08:00', station: '0012345678', stationType: '48' });
    expect(r.groups[0]!.values).toEqual({ PN05: 2.5, Z: -0.125 });
  });

  it('reads ASCII frames (SOH, hex text header, "identifier value" body)', () => {
    const body = '000C200724172349 ST 0010100001 48 TT 2007241723 PJ 13.0 PN05 4.0 Z 0.550 VT 12.68';
    const head = `01001010000100003200${body.length.toString(16).toUpperCase().padStart(2, '0')}`;
    const noCrc = Buffer.concat([Buffer.from([0x01]), Buffer.from(head, 'latin1'), Buffer.from([0x02]), Buffer.from(body, 'latin1'), Buffer.from([0x03])]);
    const crc = crc16(noCrc).toString(16).toUpperCase().padStart(4, '0');
    const frame = Buffer.concat([noCrc, Buffer.from(crc, 'latin1')]);
    const { items } = scanFrames(new Uint8Array(Buffer.concat([Buffer.from('xx'), frame])), 4112);
    expect(items.map((i) => i.kind)).toEqual(['frame']);
    const r = decodeReport((items[0] as { bytes: Uint8Array }).bytes);
    expect(r.header).toMatchObject({ centre: 1, station: '0010100001', password: '0000', function: '32' });
    expect(r.groups[0]).toMatchObject({ observedAt: '2020-07-24T17:23:00+08:00', values: { PJ: 13, PN05: 4, Z: 0.55, VT: 12.68 } });
  });
});

describe('mapping to readings', () => {
  const cal = { timeZone: 'Asia/Shanghai', dayStartHour: 8 };
  it('turns F4/F5 arrays into 5-minute readings, with the station base for F5', () => {
    const r = one(byName('hourly-report-several-time-groups').hex);
    const { readings } = reportToReadings(r, { id: 'W', kind: 'river', baseLevel: 1.0 }, {}, cal);
    const levels = readings.filter((x) => x.waterLevelM !== undefined);
    expect(levels.at(-1)).toMatchObject({ observedAt: '2022-12-02T13:15:00+08:00', waterLevelM: 28.96 });
    expect(levels[0]).toMatchObject({ observedAt: '2022-12-02T12:20:00+08:00', waterLevelM: 27.05 });
    expect(readings.filter((x) => x.rainfallMm !== undefined && x.periodMinutes === 5)).toHaveLength(12);
    // No base level: F5 is not guessed at.
    expect(reportToReadings(r, { id: 'W', kind: 'river' }, {}, cal).notes).toEqual(['F5 relative levels ignored: the station has no baseLevel']);
  });

  it('derives rainfall from cumulative PT between reports, across a counter reset', () => {
    const r = one(byName('add-report-fujian').hex); // PT 319.6 at 13:10
    const first = reportToReadings(r, { id: 'W', kind: 'river' }, {}, cal);
    expect(first.readings).toEqual([{ stationId: 'W', observedAt: '2022-12-02T13:10:00+08:00', waterLevelM: 28.96 }]);
    const prev = { pt: { value: 310.1, at: Date.parse('2022-12-02T12:10:00+08:00') } };
    expect(reportToReadings(r, { id: 'W', kind: 'river' }, prev, cal).readings[0]).toMatchObject({ rainfallMm: 9.5, periodMinutes: 60 });
    const reset = { pt: { value: 999.9, at: Date.parse('2022-12-02T12:10:00+08:00') } };
    expect(reportToReadings(r, { id: 'W', kind: 'river' }, reset, cal).readings[0]).toMatchObject({ rainfallMm: 319.6 });
  });

  it('starts PJ (current-day rainfall) again at 08:00', () => {
    const r = one(byName('timed-report-river').hex); // PN05 present: the finer value wins
    expect(reportToReadings(r, { id: 'W', kind: 'river' }, {}, cal).readings[0]).toMatchObject({ rainfallMm: 4.0, periodMinutes: 5, waterLevelM: 0.55 });
  });
});

describe('the TCP gateway', () => {
  const { h, open } = useGateway([
    { id: 'G1', name: '测试RTU', kind: 'river', townshipId: '341881001', sl651Address: '0012345678', sl651Password: '1234', thresholds: { warning: 1.0 } },
  ]);

  it('acknowledges a report split across packets with junk before it, and stores its readings once', async () => {
    const f = byName('test-report-and-ack');
    // The published frame's clock says 2059: its reading goes to the quarantine (clock off), and the
    // report is acknowledged once it is kept there.
    const { socket, received } = await open();
    const frame = Buffer.from(f.hex, 'hex');
    socket.write(Buffer.from('DEADBEEF7E', 'hex'));
    socket.write(frame.subarray(0, 20));
    await new Promise((r) => setTimeout(r, 30));
    socket.write(frame.subarray(20));
    await waitFor(async () => received().length >= 25, 3_000, 'the ack');
    expect(received().toString('hex').toUpperCase()).toBe(f.ackHex);
    // Resent: acknowledged again, no second reading.
    socket.write(frame);
    await waitFor(async () => received().length >= 50, 3_000, 'the second ack');
    expect(h.gw.stats()).toMatchObject({ reports: 2, acks: 2, resent: 1 });
    socket.destroy();
  });

  it('takes readings of now through the same path as HTTP, and refuses unknown addresses', async () => {
    const now = new Date(Date.now() + 8 * 3_600_000);
    const d = (n: number) => String(n).padStart(2, '0');
    const t = `${d(now.getUTCFullYear() % 100)}${d(now.getUTCMonth() + 1)}${d(now.getUTCDate())}${d(now.getUTCHours())}${d(now.getUTCMinutes())}`;
    // Build a report of now: serial 7, Z = 1.234 m, PN05 = 2.5 mm.
    const body = `0007${t}00F1F1001234567848F0F0${t}3923000012342219000025`;
    const len = body.length / 2;
    const head = `7E7E010012345678123432${len.toString(16).padStart(4, '0')}02`;
    const noCrc = Buffer.from(`${head}${body}03`, 'hex');
    const crc = crc16(noCrc);
    const frame = Buffer.concat([noCrc, Buffer.from([crc >> 8, crc & 0xff])]);
    const { socket, received } = await open();
    socket.write(frame);
    await waitFor(async () => received().length > 0, 3_000, 'the ack');
    await h.svc.evaluate();
    const station = (await h.svc.call('GET', '/v1/stations/G1')).body;
    expect(station.latest).toMatchObject({ waterLevelM: 1.234, rainfallMm: 2.5 });
    expect(station.level).toBe('IV');
    // Keep-alive: no reply, but the station is alive.
    socket.write(Buffer.from(byName('link-keepalive').hex, 'hex'));
    await waitFor(async () => h.gw.stats().keepAlives === 1, 3_000, 'the keep-alive');
    // An unknown address: no ack, listed for admins.
    const stranger = Buffer.from(byName('timed-report-river').hex, 'hex');
    const before = received().length;
    socket.write(stranger);
    await waitFor(async () => (await h.svc.call('GET', '/v1/admin/sl651/refused')).body.length > 0, 3_000, 'the refusal');
    expect((await h.svc.call('GET', '/v1/admin/sl651/refused')).body[0]).toMatchObject({ address: '0010100001', reason: 'unknown address' });
    expect(received().length).toBe(before);
    socket.destroy();
  });
});
