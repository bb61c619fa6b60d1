import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * CAP 1.2 (OASIS, urn:oasis:names:tc:emergency:cap:1.2) warnings from outside — 气象台
 * 暴雨预警信号, 山洪灾害气象风险预警, 水文 洪水预警 — as published by 国家预警信息发布中心
 * and the provincial platforms (GB/T 35965.1 follows CAP 1.2), in XML or the same fields
 * as JSON. Pure: text in, a typed warning or a `CapParseError` out — never anything else.
 */
export class CapParseError extends Error {
  constructor(
    message: string,
    /** Where in the document, e.g. `info[0].area[1].polygon[0]`. */
    readonly path: string = '',
  ) {
    super(path ? `${path}: ${message}` : message);
    this.name = 'CapParseError';
  }
}

export const CAP_STATUS = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPE = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export type SignalColour = 'red' | 'orange' | 'yellow' | 'blue';
export type Grade = 'I' | 'II' | 'III' | 'IV';

export interface CapReference {
  sender: string;
  identifier: string;
  sent: string;
}

export interface CapArea {
  description: string;
  /** GB/T 2260 admin codes (6 digits), township codes (9), village codes (12), or others. */
  geocodes: Array<{ valueName: string; value: string }>;
  /** Closed rings of [lat, lon] (WGS 84). */
  polygons: Array<Array<[number, number]>>;
  circles: Array<{ lat: number; lon: number; radiusKm: number }>;
}

export interface CapWarning {
  identifier: string;
  /** The parts of a GB/T 35965.1 identifier, when it is one. */
  gbIdentifier: { office: string; adminCode: string; issuedAt: string; sequence: string } | null;
  sender: string;
  /** As written (with its offset) and as epoch ms. */
  sent: string;
  sentAt: number;
  status: (typeof CAP_STATUS)[number];
  msgType: (typeof CAP_MSG_TYPE)[number];
  scope: string;
  references: CapReference[];
  note: string | null;
  /** From the first info block in Chinese (or the first one). */
  event: string;
  headline: string | null;
  description: string | null;
  instruction: string | null;
  senderName: string | null;
  severity: (typeof CAP_SEVERITY)[number];
  urgency: string | null;
  certainty: string | null;
  /** 预警信号颜色: an explicit parameter, else the colour or grade named in the headline/event, else the severity. */
  colour: SignalColour | null;
  /** 风险等级 Ⅰ–Ⅳ when the warning names one (山洪灾害气象风险预警 Ⅲ级). */
  grade: Grade | null;
  effectiveAt: number | null;
  onsetAt: number | null;
  expiresAt: number | null;
  eventCodes: Record<string, string>;
  parameters: Record<string, string>;
  /** Every area of every info block. */
  areas: CapArea[];
}

const MAX_BYTES = 1_000_000;
/** CAP dateTime: 2026-07-05T08:00:00+08:00 (offsets required; Z tolerated). */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/;
const GB_IDENTIFIER = /^((\d{6})\d{3}\d{5})_(\d{14})_(\d+)$/;

const text = z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string().trim());
const required = (what: string) => z.preprocess((v) => v ?? '', text.pipe(z.string().min(1, `${what} is required`)));
const optional = text.optional().transform((v) => (v ? v : null));
const many = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));
const isDateTime = (v: string) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));
const dateTime = (what: string) =>
  text.pipe(z.string().refine(isDateTime, `${what} must be a CAP dateTime such as 2026-07-05T08:00:00+08:00`)).transform((v) => Date.parse(v));
const optionalDateTime = (what: string) => z.union([z.undefined(), z.literal(''), dateTime(what)]).transform((v) => (typeof v === 'number' ? v : null));
const pair = z.strictObject({ valueName: text, value: text }).or(z.object({ valueName: text, value: text }));

function coordinate(s: string): [number, number] | string {
  const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(s);
  if (!m) return `"${s.slice(0, 40)}" is not "lat,lon"`;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return `"${s.slice(0, 40)}" is outside WGS 84`;
  return [lat, lon];
}

const polygon = text.transform((s, ctx): Array<[number, number]> => {
  const points: Array<[number, number]> = [];
  for (const part of s.split(/\s+/).filter(Boolean)) {
    const c = coordinate(part);
    if (typeof c === 'string') {
      ctx.addIssue({ code: 'custom', message: `polygon point ${c}` });
      return z.NEVER;
    }
    points.push(c);
  }
  if (points.length < 3) {
    ctx.addIssue({ code: 'custom', message: 'a polygon needs at least 4 "lat,lon" pairs, the first repeated last' });
    return z.NEVER;
  }
  const [first, last] = [points[0]!, points.at(-1)!];
  // CAP asks for a closed ring; an open one from a careless feed is closed rather than refused.
  if (first[0] !== last[0] || first[1] !== last[1]) points.push(first);
  return points;
});

const circle = text.transform((s, ctx) => {
  const [centre, radius, ...rest] = s.split(/\s+/);
  const c = coordinate(centre ?? '');
  const r = Number(radius);
  if (typeof c === 'string' || rest.length > 0 || !radius || !Number.isFinite(r) || r < 0) {
    ctx.addIssue({ code: 'custom', message: `circle "${s.slice(0, 40)}" is not "lat,lon radius-km"` });
    return z.NEVER;
  }
  return { lat: c[0], lon: c[1], radiusKm: r };
});

const areaSchema = z.object({
  areaDesc: required('areaDesc'),
  polygon: many(polygon),
  circle: many(circle),
  geocode: many(pair),
});

const infoSchema = z.object({
  language: optional,
  category: many(text),
  event: required('event'),
  urgency: optional,
  severity: optional,
  certainty: optional,
  senderName: optional,
  headline: optional,
  description: optional,
  instruction: optional,
  effective: optionalDateTime('effective'),
  onset: optionalDateTime('onset'),
  expires: optionalDateTime('expires'),
  eventCode: many(pair),
  parameter: many(pair),
  area: many(areaSchema),
});

const alertSchema = z.object({
  identifier: required('identifier').pipe(z.string().regex(/^[^\s,<&]+$/, 'identifier must not contain spaces, commas, < or &')),
  sender: required('sender').pipe(z.string().regex(/^[^\s,<&]+$/, 'sender must not contain spaces, commas, < or &')),
  sent: required('sent').pipe(z.string().refine(isDateTime, 'sent must be a CAP dateTime such as 2026-07-05T08:00:00+08:00')),
  status: z.enum(CAP_STATUS, { error: `status must be one of ${CAP_STATUS.join(', ')}` }),
  msgType: z.enum(CAP_MSG_TYPE, { error: `msgType must be one of ${CAP_MSG_TYPE.join(', ')}` }),
  scope: required('scope'),
  references: optional,
  note: optional,
  info: many(infoSchema).refine((list) => list.length > 0, 'at least one info block is needed (event, severity, area)'),
});

const COLOUR_WORDS: Array<[RegExp, SignalColour]> = [
  [/红色|^red$/i, 'red'],
  [/橙色|^orange$/i, 'orange'],
  [/黄色|^yellow$/i, 'yellow'],
  [/蓝色|^blue$/i, 'blue'],
];
const GRADE_WORDS: Array<[RegExp, Grade]> = [
  [/Ⅳ级|IV级|四级/, 'IV'],
  [/Ⅲ级|III级|三级/, 'III'],
  [/Ⅱ级|II级|二级/, 'II'],
  [/Ⅰ级|I级|一级/, 'I'],
];
const GRADE_COLOUR: Record<Grade, SignalColour> = { I: 'red', II: 'orange', III: 'yellow', IV: 'blue' };
const SEVERITY_COLOUR: Record<string, SignalColour> = { Extreme: 'red', Severe: 'orange', Moderate: 'yellow', Minor: 'blue' };
const COLOUR_PARAMETERS = /^(colou?r|signal.?colou?r|颜色|预警颜色|预警级别|level)$/i;

function colourIn(s: string | null | undefined): SignalColour | null {
  for (const [re, c] of COLOUR_WORDS) if (s && re.test(s.trim())) return c;
  return null;
}

function gradeIn(s: string | null | undefined): Grade | null {
  for (const [re, g] of GRADE_WORDS) if (s && re.test(s)) return g;
  return null;
}

function references(s: string | null): CapReference[] | CapParseError {
  if (!s) return [];
  const out: CapReference[] = [];
  for (const triple of s.split(/\s+/).filter(Boolean)) {
    const [sender, identifier, sent, ...rest] = triple.split(',');
    if (!sender || !identifier || !sent || rest.length > 0 || !isDateTime(sent))
      return new CapParseError(`"${triple.slice(0, 80)}" is not "sender,identifier,sent"`, 'references');
    out.push({ sender, identifier, sent });
  }
  return out;
}

/** XML → the plain object the schema reads (arrays where CAP allows repeats). */
function fromXml(xml: string): unknown {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new CapParseError('DOCTYPE and entity declarations are not accepted in CAP');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new CapParseError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
    isArray: (name) => ['info', 'area', 'polygon', 'circle', 'geocode', 'parameter', 'eventCode', 'category'].includes(name),
  });
  const doc = parser.parse(xml) as Record<string, unknown>;
  const alert = doc.alert;
  if (!alert || typeof alert !== 'object') throw new CapParseError('the root element must be <alert> (urn:oasis:names:tc:emergency:cap:1.2)');
  return alert;
}

/** Parses CAP 1.2 XML, or the JSON form (`{ identifier, sender, sent, …, info: [...] }`, as text or a value). */
export function parseCap(input: string | unknown): CapWarning {
  try {
    return parse(input);
  } catch (err) {
    if (err instanceof CapParseError) throw err;
    // Whatever a library threw on hostile input becomes a parse error, never a crash.
    throw new CapParseError(`not a CAP 1.2 message (${err instanceof Error ? err.message.slice(0, 200) : 'unreadable'})`);
  }
}

function parse(input: string | unknown): CapWarning {
  let raw: unknown = input;
  if (typeof input === 'string') {
    if (input.length > MAX_BYTES) throw new CapParseError(`larger than ${MAX_BYTES} characters`);
    const t = input.trim();
    if (t.startsWith('<')) raw = fromXml(t);
    else {
      try {
        raw = JSON.parse(t);
      } catch {
        throw new CapParseError('neither CAP XML (<alert …>) nor JSON');
      }
    }
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'alert' in raw && Object.keys(raw).length === 1) raw = (raw as { alert: unknown }).alert;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new CapParseError('a CAP message is an object with identifier, sender, sent, status, msgType, scope and info');
  const r = alertSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new CapParseError(
      issue.message,
      issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, ''),
    );
  }
  const a = r.data;
  const refs = references(a.references);
  if (refs instanceof CapParseError) throw refs;
  const infos = a.info;
  const info = infos.find((i) => /^zh/i.test(i.language ?? 'zh-CN')) ?? infos[0]!;
  const eventCodes = Object.fromEntries(info.eventCode.map((p) => [p.valueName, p.value]));
  const parameters = Object.fromEntries(info.parameter.map((p) => [p.valueName, p.value]));
  const severity = (CAP_SEVERITY as readonly string[]).includes(info.severity ?? '') ? (info.severity as CapWarning['severity']) : 'Unknown';
  const grade = gradeIn(info.headline) ?? gradeIn(info.event) ?? gradeIn(Object.values(parameters).join(' '));
  const explicit = Object.entries(parameters).find(([k]) => COLOUR_PARAMETERS.test(k));
  const colour =
    colourIn(explicit?.[1]) ??
    colourIn(info.severity) ??
    colourIn(info.headline) ??
    colourIn(info.event) ??
    (grade ? GRADE_COLOUR[grade] : null) ??
    SEVERITY_COLOUR[severity] ??
    null;
  const gb = GB_IDENTIFIER.exec(a.identifier);
  return {
    identifier: a.identifier,
    gbIdentifier: gb ? { office: gb[1]!, adminCode: gb[2]!, issuedAt: gb[3]!, sequence: gb[4]! } : null,
    sender: a.sender,
    sent: a.sent,
    sentAt: Date.parse(a.sent),
    status: a.status,
    msgType: a.msgType,
    scope: a.scope,
    references: refs,
    note: a.note,
    event: info.event,
    headline: info.headline,
    description: info.description,
    instruction: info.instruction,
    senderName: info.senderName,
    severity,
    urgency: info.urgency,
    certainty: info.certainty,
    colour,
    grade,
    effectiveAt: info.effective,
    onsetAt: info.onset,
    expiresAt: info.expires,
    eventCodes,
    parameters,
    areas: infos.flatMap((i) => i.area.map((x) => ({ description: x.areaDesc, geocodes: x.geocode, polygons: x.polygon, circles: x.circle }))),
  };
}
