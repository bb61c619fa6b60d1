/**
 * SL 651-2014 frames (水文监测数据通信规约), pure: CRC, HEX/BCD and ASCII decoding, scanning
 * a byte stream for frames (resynchronising on the start bytes and the length field, never
 * guessing at delimiters), and the M2 acknowledgement.
 *
 * HEX frame: 7E7E | centre 1 | station 5 | password 2 | function 1 | dir(4 bits)+length(12) 2 |
 *            STX 02 | body | ETX 03 / ETB 17 (downlink EOT 04 / ESC 1B / ENQ 05) | CRC 2 (high byte first)
 * Downlink frames put the station address before the centre address.
 * ASCII frame: the same fields as hex text after SOH 01, the body as text, the CRC as four hex
 * characters. A frame is acknowledged in the encoding it came in (an ASCII RTU does not
 * recognise a HEX ack and resends).
 */
export const SOH_HEX = 0x7e;
const STX = 0x02;
const ENDS_UP = new Set([0x03, 0x17]);
const ENDS_DOWN = new Set([0x04, 0x1b, 0x05, 0x03]);

/** CRC-16/MODBUS: init 0xFFFF, reflected polynomial 0xA001. */
export function crc16(bytes: Uint8Array, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = 0; i < end; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();
const bcd = (b: Uint8Array) => hex(b);

export type Encoding = 'hex' | 'ascii';

export interface FrameHeader {
  /** How the frame came in; its acknowledgement goes back the same way. */
  encoding: Encoding;
  centre: number;
  station: string;
  password: string;
  function: string;
  direction: 'up' | 'down';
  bodyLength: number;
}

export interface ElementGroup {
  observedAt: string | null;
  values: Record<string, number>;
  /** Twelve 5-minute rainfall values (mm; null = invalid), F4. */
  f4?: Array<number | null>;
  /** Twelve 5-minute relative water levels (cm; null = invalid), F5. */
  f5?: Array<number | null>;
}

export interface Report {
  header: FrameHeader;
  serial: number;
  /** Send time as the gauge wrote it, `YYMMDDhhmmss`, and as ISO (Beijing time). */
  sentAtRaw: string;
  sentAt: string;
  station?: string;
  stationType?: string;
  groups: ElementGroup[];
  end: number;
  raw: Uint8Array;
}

/** Element identifiers by code (the ones that become readings, and a few common others). */
export const ELEMENTS: Record<number, string> = {
  26: 'P1',
  31: 'PD',
  32: 'PJ',
  34: 'PN05',
  38: 'PT',
  56: 'VT',
  57: 'Z',
  59: 'ZU',
  69: 'ZT',
};

/** `YYMMDDhhmm(ss)` BCD → ISO 8601 in Beijing time. */
export function bcdTime(digits: string): string | null {
  if (!/^\d{10}(\d{2})?$/.test(digits)) return null;
  const [yy, mo, d, h, mi, s = '00'] = digits.match(/\d\d/g)!;
  const iso = `20${yy}-${mo}-${d}T${h}:${mi}:${s}+08:00`;
  return Number.isNaN(Date.parse(iso)) ? null : iso;
}

function header(b: Uint8Array, stationFirst: boolean, encoding: Encoding = 'hex'): FrameHeader {
  const dirLen = (b[11]! << 8) | b[12]!;
  return {
    encoding,
    centre: stationFirst ? b[7]! : b[2]!,
    station: hex(stationFirst ? b.subarray(2, 7) : b.subarray(3, 8)),
    password: hex(b.subarray(8, 10)),
    function: hex(b.subarray(10, 11)),
    direction: dirLen >> 12 === 8 ? 'down' : 'up',
    bodyLength: dirLen & 0x0fff,
  };
}

export class FrameError extends Error {
  constructor(
    message: string,
    readonly station: string | null,
  ) {
    super(message);
  }
}

/**
 * Decodes the body of an uplink frame in HEX form (reports 30–35, keep-alive 2F); an ASCII
 * frame arrives here converted by `scanFrames`, with `encoding` saying it was ASCII.
 */
export function decodeReport(frame: Uint8Array, encoding: Encoding = 'hex'): Report {
  const h = header(frame, false, encoding);
  const body = frame.subarray(14, 14 + h.bodyLength);
  const fail = (m: string) => new FrameError(m, h.station);
  if (body.length < 8) throw fail('body shorter than serial + send time');
  const serial = (body[0]! << 8) | body[1]!;
  const sentAtRaw = bcd(body.subarray(2, 8));
  const sentAt = bcdTime(sentAtRaw);
  if (!sentAt) throw fail(`bad send time ${sentAtRaw}`);
  const report: Report = { header: h, serial, sentAtRaw, sentAt, groups: [], end: frame[14 + h.bodyLength]!, raw: frame };
  let i = 8;
  let group: ElementGroup | null = null;
  while (i < body.length) {
    const id = body[i]!;
    if (id === 0xf1 && body[i + 1] === 0xf1) {
      report.station = hex(body.subarray(i + 2, i + 7));
      report.stationType = hex(body.subarray(i + 7, i + 8));
      i += 8;
      continue;
    }
    if (id === 0xf0 && body[i + 1] === 0xf0) {
      group = { observedAt: bcdTime(bcd(body.subarray(i + 2, i + 7))), values: {} };
      if (!group.observedAt) throw fail(`bad observation time ${bcd(body.subarray(i + 2, i + 7))}`);
      report.groups.push(group);
      i += 7;
      continue;
    }
    if (!group) throw fail(`element ${id.toString(16)} before any observation time`);
    if (id === 0xf4) {
      // Twelve 5-minute rainfall values, 1 byte each in 0.1 mm, FF invalid: fixed size.
      const v = body.subarray(i + 2, i + 14);
      if (v.length < 12) throw fail('short F4 array');
      group.f4 = [...v].map((x) => (x === 0xff ? null : x / 10));
      i += 14;
      continue;
    }
    if (id === 0xf5) {
      const v = body.subarray(i + 2, i + 26);
      if (v.length < 24) throw fail('short F5 array');
      group.f5 = Array.from({ length: 12 }, (_, k) => {
        const x = (v[2 * k]! << 8) | v[2 * k + 1]!;
        return x === 0xffff ? null : x;
      });
      i += 26;
      continue;
    }
    const def = body[i + 1];
    if (def === undefined) throw fail(`element ${id.toString(16)} without its definition byte`);
    const size = def >> 3;
    const decimals = def & 0x07;
    const raw = body.subarray(i + 2, i + 2 + size);
    if (raw.length < size || size === 0) throw fail(`element ${id.toString(16)} shorter than its definition`);
    const negative = raw[0] === 0xff;
    const digits = bcd(negative ? raw.subarray(1) : raw);
    if (/^F+$/.test(digits)) {
      // all-F: no value
    } else if (!/^\d+$/.test(digits)) {
      throw fail(`element ${id.toString(16)} is not BCD (${digits})`);
    } else {
      const value = (negative ? -1 : 1) * (Number(digits) / 10 ** decimals);
      group.values[ELEMENTS[id] ?? id.toString(16).toUpperCase().padStart(2, '0')] = value;
    }
    i += 2 + size;
  }
  return report;
}

export type Scanned =
  | { kind: 'frame'; bytes: Uint8Array; header: FrameHeader; encoding: Encoding }
  | { kind: 'bad'; reason: string; station: string | null; bytes: number };

/**
 * Takes every complete frame from the start of `buf`. Junk before a start marker is
 * skipped; a candidate whose length, STX, end byte or CRC is wrong is refused and scanning
 * resumes one byte after its start. Returns what remains (a partial frame) for the next read.
 */
export function scanFrames(buf: Uint8Array, maxFrameBytes: number): { items: Scanned[]; rest: Uint8Array; skipped: number } {
  const items: Scanned[] = [];
  let pos = 0;
  let skipped = 0;
  for (;;) {
    const start = findStart(buf, pos);
    if (start < 0) {
      // Keep a trailing 7E (or 01 of ASCII) that may begin the next frame.
      const keep = buf.length > 0 && (buf[buf.length - 1] === SOH_HEX || buf[buf.length - 1] === 0x01) ? 1 : 0;
      skipped += buf.length - pos - keep;
      return { items, rest: buf.subarray(buf.length - keep), skipped };
    }
    skipped += start - pos;
    if (buf[start] === 0x01) {
      const r = scanAscii(buf, start, maxFrameBytes);
      if (r === 'partial') return { items, rest: buf.subarray(start), skipped };
      if (r === null) {
        pos = start + 1;
        continue;
      }
      items.push(r.item);
      pos = start + r.length;
      continue;
    }
    if (buf.length - start < 14) return { items, rest: buf.subarray(start), skipped };
    const len = ((buf[start + 11]! << 8) | buf[start + 12]!) & 0x0fff;
    const total = len + 17;
    if (total > maxFrameBytes || buf[start + 13] !== STX) {
      items.push({
        kind: 'bad',
        reason: buf[start + 13] !== STX ? 'no STX after the header' : `frame of ${total} bytes exceeds ${maxFrameBytes}`,
        station: null,
        bytes: 1,
      });
      pos = start + 1;
      continue;
    }
    if (buf.length - start < total) return { items, rest: buf.subarray(start), skipped };
    const frame = buf.subarray(start, start + total);
    const down = ((frame[11]! << 8) | frame[12]!) >> 12 === 8;
    const h = header(frame, down);
    const endByte = frame[14 + len]!;
    const crc = (frame[total - 2]! << 8) | frame[total - 1]!;
    if (!(down ? ENDS_DOWN : ENDS_UP).has(endByte)) {
      items.push({ kind: 'bad', reason: `bad end byte ${endByte.toString(16)}`, station: h.station, bytes: 1 });
      pos = start + 1;
      continue;
    }
    if (crc16(frame, total - 2) !== crc) {
      items.push({ kind: 'bad', reason: 'CRC mismatch', station: h.station, bytes: total });
      pos = start + 1;
      continue;
    }
    items.push({ kind: 'frame', bytes: frame, header: h, encoding: 'hex' });
    pos = start + total;
  }
}

function findStart(buf: Uint8Array, from: number): number {
  for (let i = from; i < buf.length; i++) {
    if (buf[i] === SOH_HEX && (i + 1 >= buf.length || buf[i + 1] === SOH_HEX)) return i + 1 >= buf.length ? -1 : i;
    if (buf[i] === 0x01 && i + 1 < buf.length && isHexChar(buf[i + 1]!) && i + 2 < buf.length && isHexChar(buf[i + 2]!)) return i;
  }
  return -1;
}

const isHexChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46);

/**
 * ASCII frame: SOH 01 | centre 2 | station 10 | password 4 | function 2 | dir+length 4 (hex
 * text) | STX | body (ASCII) | ETX/ETB | CRC as 4 hex characters. It is converted to the
 * equivalent HEX frame so one decoder serves both.
 */
function scanAscii(buf: Uint8Array, start: number, max: number): { item: Scanned; length: number } | 'partial' | null {
  if (buf.length - start < 24) return 'partial';
  const head = Buffer.from(buf.subarray(start + 1, start + 23)).toString('latin1');
  if (!/^[0-9A-F]{22}$/.test(head)) return null;
  const len = parseInt(head.slice(18, 22), 16) & 0x0fff;
  const total = 1 + 22 + 1 + len + 1 + 4;
  if (total > max) return null;
  if (buf.length - start < total) return 'partial';
  const frame = buf.subarray(start, start + total);
  if (frame[23] !== STX || !ENDS_UP.has(frame[24 + len]!)) return null;
  const crcText = Buffer.from(frame.subarray(total - 4)).toString('latin1');
  if (!/^[0-9A-F]{4}$/.test(crcText)) return null;
  const station = head.slice(2, 12);
  if (crc16(frame, total - 4) !== parseInt(crcText, 16)) return { item: { kind: 'bad', reason: 'CRC mismatch (ASCII)', station, bytes: total }, length: total };
  const body = Buffer.from(frame.subarray(24, 24 + len)).toString('latin1');
  try {
    const converted = asciiToHex(head, body, frame[24 + len]!);
    return { item: { kind: 'frame', bytes: converted, header: header(converted, false, 'ascii'), encoding: 'ascii' }, length: total };
  } catch (err) {
    return { item: { kind: 'bad', reason: (err as Error).message, station, bytes: total }, length: total };
  }
}

/**
 * ASCII body "serial(4) sendtime(12) ST addr type TT time ID value …" → HEX body. Serial and
 * send time may be written together or apart; the station type is its letter (P rain, H river,
 * K reservoir…, whose character codes are the HEX type bytes 50, 48, 4B) or two hex digits.
 */
function asciiToHex(head: string, body: string, end: number): Uint8Array {
  const tokens = body.trim().split(/\s+/);
  const out: number[] = [];
  const pushHex = (s: string) => {
    for (let i = 0; i < s.length; i += 2) out.push(parseInt(s.slice(i, i + 2), 16));
  };
  if (/^[0-9A-F]{4}$/.test(tokens[0] ?? '') && /^\d{12}$/.test(tokens[1] ?? '')) tokens.unshift(tokens.shift()! + tokens.shift()!);
  const first = tokens.shift() ?? '';
  if (!/^[0-9A-F]{4}\d{12}$/.test(first)) throw new Error('ASCII body must start with serial and send time');
  pushHex(first.slice(0, 4));
  pushHex(first.slice(4));
  const CODES = Object.fromEntries(Object.entries(ELEMENTS).map(([k, v]) => [v, Number(k)]));
  while (tokens.length) {
    const id = tokens.shift()!;
    const value = tokens.shift() ?? '';
    if (id === 'ST') {
      out.push(0xf1, 0xf1);
      pushHex(value);
      const type = tokens.shift() ?? '00';
      if (/^[A-Z]$/.test(type)) out.push(type.charCodeAt(0));
      else pushHex(type);
    } else if (id === 'TT') {
      out.push(0xf0, 0xf0);
      pushHex(value);
    } else if (CODES[id] !== undefined) {
      const [int = '', frac = ''] = value.replace('-', '').split('.');
      const digits = int + frac;
      const size = Math.ceil((digits.length + (value.startsWith('-') ? 2 : 0)) / 2);
      out.push(CODES[id]!, (size << 3) | frac.length);
      if (value.startsWith('-')) out.push(0xff);
      pushHex(digits.padStart((size - (value.startsWith('-') ? 1 : 0)) * 2, '0'));
    } else throw new Error(`unknown ASCII element ${id}`);
  }
  const h = Buffer.from(head, 'hex'); // centre, station ×5, password ×2, function, dir+length ×2
  const frame = new Uint8Array(17 + out.length);
  frame.set([SOH_HEX, SOH_HEX, ...h.subarray(0, 9), (h[9]! & 0xf0) | (out.length >> 8), out.length & 0xff, STX]);
  frame.set(out, 14);
  frame[14 + out.length] = end;
  const crc = crc16(frame, 15 + out.length);
  frame[15 + out.length] = crc >> 8;
  frame[16 + out.length] = crc & 0xff;
  return frame;
}

/**
 * The M2 acknowledgement of an uplink report: same function code, station then centre, in
 * the report's encoding.
 */
export function buildAck(h: FrameHeader, serial: number, sentAtRaw: string, end: 'EOT' | 'ESC'): Uint8Array {
  if (h.encoding === 'ascii') return buildAsciiAck(h, serial, sentAtRaw, end);
  const body = Buffer.concat([Buffer.from([serial >> 8, serial & 0xff]), Buffer.from(sentAtRaw, 'hex')]);
  const head = Buffer.concat([
    Buffer.from([SOH_HEX, SOH_HEX]),
    Buffer.from(h.station, 'hex'),
    Buffer.from([h.centre]),
    Buffer.from(h.password, 'hex'),
    Buffer.from(h.function, 'hex'),
    Buffer.from([0x80 | (body.length >> 8), body.length & 0xff, STX]),
  ]);
  const frame = Buffer.concat([head, body, Buffer.from([end === 'EOT' ? 0x04 : 0x1b]), Buffer.alloc(2)]);
  const crc = crc16(frame, frame.length - 2);
  frame[frame.length - 2] = crc >> 8;
  frame[frame.length - 1] = crc & 0xff;
  return new Uint8Array(frame);
}

/**
 * ASCII acknowledgement: SOH | station(10) centre(2) password(4) function(2) dir+length(4) as
 * hex text | STX | serial (4 hex) + send time (12 digits) | EOT/ESC | CRC of every byte before
 * it as 4 hex characters (high byte first, as in HEX frames).
 */
function buildAsciiAck(h: FrameHeader, serial: number, sentAtRaw: string, end: 'EOT' | 'ESC'): Uint8Array {
  const body = `${serial.toString(16).toUpperCase().padStart(4, '0')}${sentAtRaw}`;
  const head = `${h.station}${h.centre.toString(16).toUpperCase().padStart(2, '0')}${h.password}${h.function}${(0x8000 | body.length).toString(16).toUpperCase()}`;
  const frame = Buffer.concat([
    Buffer.from([0x01]),
    Buffer.from(head, 'latin1'),
    Buffer.from([STX]),
    Buffer.from(body, 'latin1'),
    Buffer.from([end === 'EOT' ? 0x04 : 0x1b]),
  ]);
  const crc = crc16(frame).toString(16).toUpperCase().padStart(4, '0');
  return new Uint8Array(Buffer.concat([frame, Buffer.from(crc, 'latin1')]));
}

/** Beijing time now as `YYMMDDhhmmss`, for acks that do not echo the gauge's time. */
export function sendTimeNow(t: number): string {
  return new Date(t + 8 * 3_600_000).toISOString().slice(2, 19).replace(/[-T:]/g, '');
}

/** Beijing `YYMMDDhhmm` (and `ss`) of an instant. */
function bcdOf(t: number, seconds: boolean): string {
  const s = new Date(t + 8 * 3_600_000).toISOString().slice(2, 19).replace(/[-T:]/g, '');
  return seconds ? s : s.slice(0, 10);
}

/** An element group's definition byte and BCD digits for a value with `decimals`. */
function element(code: number, value: number, size: number, decimals: number): number[] {
  const negative = value < 0;
  const digits = String(Math.round(Math.abs(value) * 10 ** decimals)).padStart((negative ? size - 1 : size) * 2, '0');
  const out = [code, (size << 3) | decimals];
  if (negative) out.push(0xff);
  for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
  return out;
}

/** Builds an uplink HEX report (for the simulator and tests): PN05 rainfall and Z/ZU level. */
export function buildReport(r: {
  centre: number;
  station: string;
  password: string;
  function: string;
  serial: number;
  sentAt: number;
  stationType: string;
  observedAt: number;
  pn05?: number;
  pj?: number;
  z?: number;
  zu?: number;
}): Uint8Array {
  const body: number[] = [
    r.serial >> 8,
    r.serial & 0xff,
    ...Buffer.from(bcdOf(r.sentAt, true), 'hex'),
    0xf1,
    0xf1,
    ...Buffer.from(r.station, 'hex'),
    parseInt(r.stationType, 16),
  ];
  body.push(0xf0, 0xf0, ...Buffer.from(bcdOf(r.observedAt, false), 'hex'));
  if (r.pj !== undefined) body.push(...element(0x20, r.pj, 3, 1));
  if (r.pn05 !== undefined) body.push(...element(0x22, r.pn05, 3, 1));
  if (r.z !== undefined) body.push(...element(0x39, r.z, 4, 3));
  if (r.zu !== undefined) body.push(...element(0x3b, r.zu, 4, 3));
  const head = [
    SOH_HEX,
    SOH_HEX,
    r.centre,
    ...Buffer.from(r.station, 'hex'),
    ...Buffer.from(r.password, 'hex'),
    parseInt(r.function, 16),
    body.length >> 8,
    body.length & 0xff,
    STX,
  ];
  const frame = new Uint8Array([...head, ...body, 0x03, 0, 0]);
  const crc = crc16(frame, frame.length - 2);
  frame[frame.length - 2] = crc >> 8;
  frame[frame.length - 1] = crc & 0xff;
  return frame;
}
