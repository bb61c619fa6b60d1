import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { validateXML } from 'xmllint-wasm';
import { CapParseError, parseCap } from '../src/warnings/cap.js';
import { adminPrefix, townshipsCovered, type TownshipPlace } from '../src/warnings/area.js';
import { colourLevelsSchema, warningLevel } from '../src/warnings/level.js';

/**
 * Outside warnings (CAP 1.2 / GB/T 35965.1) parsed into a typed value, their areas mapped
 * to townships, their colours to levels. Fixtures written from the standard, each checked
 * against the CAP 1.2 XML schema first.
 */
const fixture = (name: string) => readFileSync(`test/fixtures/cap/inbound/${name}`, 'utf8');
const XML_FIXTURES = ['rainstorm-orange.xml', 'flash-flood-III.xml', 'rainstorm-update-red.xml', 'rainstorm-cancel.xml', 'flood-exercise.xml'];

const townships: TownshipPlace[] = [
  { id: '341881001', commandPost: { lat: 30.63, lon: 118.98 } }, // 西津街道
  { id: '341881002', commandPost: { lat: 30.65, lon: 119.0 } }, // 河沥溪街道
  { id: '341881100', commandPost: { lat: 30.7, lon: 118.93 } }, // 港口镇
  { id: 'nanshan', code: '341881003', commandPost: null, stations: [{ lat: 30.5, lon: 119.2 }] }, // 南山街道, by its station
  { id: '341802001', commandPost: { lat: 30.95, lon: 118.75 } }, // 宣州区, another county
];
const covered = (xml: string) => townshipsCovered(parseCap(xml).areas, townships).map((c) => `${c.townshipId}:${c.by}`);

describe('CAP fixtures', () => {
  it.each(XML_FIXTURES)('%s is valid CAP 1.2 (XML schema)', async (name) => {
    const result = await validateXML({
      xml: [{ fileName: name, contents: fixture(name) }],
      schema: [{ fileName: 'cap-1.2.xsd', contents: readFileSync('test/fixtures/cap/cap-1.2.xsd', 'utf8') }],
    });
    expect(result.errors).toEqual([]);
  });
});

describe('parseCap', () => {
  it('reads a 暴雨橙色预警信号: identifier, sender, times, event, severity, colour, geocoded townships', () => {
    const w = parseCap(fixture('rainstorm-orange.xml'));
    expect(w).toMatchObject({
      identifier: '34188101300000_20260705080000_1',
      gbIdentifier: { office: '34188101300000', adminCode: '341881', issuedAt: '20260705080000', sequence: '1' },
      sender: '34188101300000@12379.cn',
      sent: '2026-07-05T08:00:00+08:00',
      sentAt: Date.parse('2026-07-05T00:00:00Z'),
      status: 'Actual',
      msgType: 'Alert',
      references: [],
      event: '暴雨',
      severity: 'Severe',
      colour: 'orange',
      grade: null,
      senderName: '宁国市气象台',
      expiresAt: Date.parse('2026-07-05T12:00:00Z'),
      eventCodes: { 'GB/T 35965.1 事件类型': '11B03' },
    });
    expect(w.areas).toEqual([
      {
        description: '宁国市西津街道、河沥溪街道',
        geocodes: [
          { valueName: '乡镇代码', value: '341881001' },
          { valueName: '乡镇代码', value: '341881002' },
        ],
        polygons: [],
        circles: [],
      },
    ]);
    expect(covered(fixture('rainstorm-orange.xml'))).toEqual(['341881001:geocode', '341881002:geocode']);
    expect(warningLevel(w, colourLevelsSchema.parse({}))).toBe('II');
  });

  it('reads the JSON form to the same value', () => {
    expect(parseCap(fixture('rainstorm-orange.json'))).toEqual(parseCap(fixture('rainstorm-orange.xml')));
    expect(parseCap(JSON.parse(fixture('rainstorm-orange.json')))).toEqual(parseCap(fixture('rainstorm-orange.xml')));
  });

  it('reads a 山洪灾害气象风险预警 Ⅲ级 as yellow, its polygon covering 港口镇 only', () => {
    const w = parseCap(fixture('flash-flood-III.xml'));
    expect(w).toMatchObject({ event: '山洪灾害气象风险预警', grade: 'III', colour: 'yellow', severity: 'Moderate', parameters: { 风险等级: 'Ⅲ级' } });
    expect(w.areas[0]!.polygons[0]).toHaveLength(5);
    expect(covered(fixture('flash-flood-III.xml'))).toEqual(['341881100:polygon']);
    expect(warningLevel(w, colourLevelsSchema.parse({}))).toBe('III');
  });

  it('reads an Update with its reference, the colour from its parameter, a 5 km circle', () => {
    const w = parseCap(fixture('rainstorm-update-red.xml'));
    expect(w).toMatchObject({ msgType: 'Update', colour: 'red', severity: 'Extreme' });
    expect(w.references).toEqual([{ sender: '34188101300000@12379.cn', identifier: '34188101300000_20260705080000_1', sent: '2026-07-05T08:00:00+08:00' }]);
    expect(w.areas[0]!.circles).toEqual([{ lat: 30.63, lon: 118.98, radiusKm: 5 }]);
    expect(covered(fixture('rainstorm-update-red.xml'))).toEqual(['341881001:circle', '341881002:circle']);
    expect(warningLevel(w, colourLevelsSchema.parse({}))).toBe('I');
  });

  it('reads a Cancel naming both earlier messages; a Cancel raises no level', () => {
    const w = parseCap(fixture('rainstorm-cancel.xml'));
    expect(w.msgType).toBe('Cancel');
    expect(w.references.map((r) => r.identifier)).toEqual(['34188101300000_20260705080000_1', '34188101300000_20260705103000_1']);
    expect(warningLevel(w, colourLevelsSchema.parse({}))).toBeNull();
  });

  it('reads an Exercise with a cap: prefix; the city code covers every township of the city', () => {
    const w = parseCap(fixture('flood-exercise.xml'));
    expect(w).toMatchObject({ status: 'Exercise', event: '洪水', colour: 'blue', note: '2026年汛前演练，非真实预警' });
    expect(covered(fixture('flood-exercise.xml'))).toEqual(['341881001:geocode', '341881002:geocode', '341881100:geocode', 'nanshan:geocode']);
    expect(warningLevel(w, colourLevelsSchema.parse({}))).toBe('IV');
    expect(warningLevel(w, colourLevelsSchema.parse({ blue: null }))).toBeNull(); // an office that treats blue as information only
    expect(warningLevel({ ...w, status: 'Test' }, colourLevelsSchema.parse({}))).toBeNull();
  });

  it('says what is wrong, with where', () => {
    const orange = fixture('rainstorm-orange.xml');
    const err = (input: unknown) => {
      try {
        parseCap(input);
      } catch (e) {
        expect(e).toBeInstanceOf(CapParseError);
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(err(orange.replace('<msgType>Alert</msgType>', '<msgType>Warning</msgType>'))).toBe(
      'msgType: msgType must be one of Alert, Update, Cancel, Ack, Error',
    );
    expect(err(orange.replace('2026-07-05T08:00:00+08:00</sent>', '2026-07-05 08:00</sent>'))).toMatch(/^sent: sent must be a CAP dateTime/);
    expect(err(orange.replace(/<identifier>.*<\/identifier>/, ''))).toBe('identifier: identifier is required');
    expect(err(orange.replace(/<info>[\s\S]*<\/info>/, ''))).toMatch(/^info: at least one info block/);
    expect(
      err(
        orange.replace(
          '<value>341881002</value>',
          '<value>341881002</value></geocode><polygon>30,118 nonsense</polygon><geocode><valueName>x</valueName><value>1</value>',
        ),
      ),
    ).toMatch(/^info\[0\]\.area\[0\]\.polygon\[0\]: polygon point/);
    expect(err(orange.replace('</alert>', ''))).toMatch(/^not well-formed XML/);
    expect(err(`<!DOCTYPE x [<!ENTITY a "aaaa">]>${orange}`)).toMatch(/DOCTYPE/);
    expect(err('hello')).toBe('neither CAP XML (<alert …>) nor JSON');
    expect(err(orange.replace('<status>Actual</status>', '<status>Actual</status><references>nope</references>'))).toMatch(/^references: "nope"/);
  });

  it('maps GB/T 2260 codes by level: province, prefecture, county, township, village', () => {
    expect(['340000', '341800', '341881', '341881001', '341881001001', 'ABC'].map(adminPrefix)).toEqual([
      '34',
      '3418',
      '341881',
      '341881001',
      '341881001',
      null,
    ]);
  });
});

describe('parseCap under fuzzing', () => {
  const onlyParseErrors = (input: unknown) => {
    try {
      const w = parseCap(input);
      // What does parse is well typed: the fields the warning model relies on are usable.
      expect(w.identifier.length).toBeGreaterThan(0);
      expect(Number.isFinite(w.sentAt)).toBe(true);
      expect(w.expiresAt === null || Number.isFinite(w.expiresAt)).toBe(true);
      for (const a of w.areas) for (const ring of a.polygons) expect(ring.length).toBeGreaterThanOrEqual(4);
    } catch (e) {
      if (!(e instanceof CapParseError)) throw new Error(`threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
      expect(e.message.length).toBeGreaterThan(0);
    }
  };

  it('never throws anything but a CapParseError on arbitrary text or values', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), onlyParseErrors), { numRuns: 500 });
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), onlyParseErrors), { numRuns: 500 });
  });

  it('never throws anything but a CapParseError on damaged fixtures', () => {
    const sources = [...XML_FIXTURES.map(fixture), fixture('rainstorm-orange.json')];
    const damaged = fc
      .tuple(fc.constantFrom(...sources), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 12 })), { minLength: 1, maxLength: 4 }))
      .map(([src, edits]) =>
        edits.reduce((s, [at, cut, insert]) => {
          const i = at % (s.length + 1);
          return s.slice(0, i) + insert + s.slice(i + cut);
        }, src),
      );
    fc.assert(fc.property(damaged, onlyParseErrors), { numRuns: 400 });
  });
});
