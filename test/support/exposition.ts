import { spawnSync } from 'node:child_process';

/**
 * A strict reader of the Prometheus text exposition format (0.0.4), written from the format's
 * documentation: comment and sample grammar, one TYPE per family before its samples, families
 * not split, no duplicate series, and for histograms the rules promtool and the server hold
 * them to (only _bucket/_sum/_count, an `le` on every bucket, buckets ascending and cumulative,
 * a final +Inf bucket equal to _count). Returns the problems found; [] when the text is valid.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;

function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let rest = text;
  while (rest.length) {
    const m = LABEL.exec(rest);
    if (!m || m[1]! in out) return null;
    out[m[1]!] = m[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return out;
}

function parseValue(v: string): number | null {
  if (v === '+Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  if (v === 'NaN') return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : null;
}

export function checkExposition(text: string): { problems: string[]; families: Map<string, { type: string; samples: Sample[] }> } {
  const problems: string[] = [];
  const families = new Map<string, { type: string; samples: Sample[] }>();
  const seen = new Set<string>();
  let current: string | null = null;
  if (!text.endsWith('\n')) problems.push('the exposition must end with a line feed');
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const at = `line ${i + 1}`;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!m) continue; // other comments are allowed
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]!)) problems.push(`${at}: unknown type ${m[3]}`);
        if (families.has(m[2]!)) problems.push(`${at}: second TYPE for ${m[2]}`);
        families.set(m[2]!, { type: m[3]!, samples: [] });
        current = m[2]!;
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) {
      problems.push(`${at}: not a sample line: ${line}`);
      continue;
    }
    const [, name, labelText = '', valueText] = m;
    const labels = parseLabels(labelText);
    const value = parseValue(valueText!);
    if (!labels) problems.push(`${at}: bad labels {${labelText}}`);
    if (value === null) problems.push(`${at}: bad value ${valueText}`);
    const family =
      current &&
      (name === current ||
        (['histogram', 'summary'].includes(families.get(current)!.type) && [`${current}_bucket`, `${current}_sum`, `${current}_count`].includes(name!)))
        ? current
        : null;
    if (!family) {
      problems.push(`${at}: ${name} is not part of the family declared before it (${current ?? 'none'})`);
      continue;
    }
    const key = `${name}{${Object.entries(labels ?? {})
      .sort()
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}}`;
    if (seen.has(key)) problems.push(`${at}: duplicate series ${key}`);
    seen.add(key);
    families.get(family)!.samples.push({ name: name!, labels: labels ?? {}, value: value ?? NaN });
  }
  for (const [name, f] of families) if (f.type === 'histogram') problems.push(...checkHistogram(name, f.samples));
  return { problems, families };
}

function checkHistogram(name: string, samples: Sample[]): string[] {
  const problems: string[] = [];
  const series = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>();
  for (const s of samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const e = series.get(key) ?? { buckets: [] };
    series.set(key, e);
    if (s.name === `${name}_bucket`) {
      if (le === undefined) problems.push(`${name}: bucket without le`);
      else e.buckets.push([parseValue(le) ?? NaN, s.value]);
    } else if (le !== undefined) problems.push(`${name}: le on ${s.name}`);
    else if (s.name === `${name}_sum`) e.sum = s.value;
    else if (s.name === `${name}_count`) e.count = s.value;
    else problems.push(`${name}: sample ${s.name} in a histogram`);
  }
  for (const [key, e] of series) {
    const les = e.buckets.map(([le]) => le);
    if (les.some(Number.isNaN)) problems.push(`${name}${key}: an le that is not a number`);
    if (les.some((le, i) => i > 0 && le <= les[i - 1]!)) problems.push(`${name}${key}: buckets not in ascending le order`);
    if (les.at(-1) !== Infinity) problems.push(`${name}${key}: no +Inf bucket last`);
    if (e.buckets.some(([, v], i) => i > 0 && v < e.buckets[i - 1]![1])) problems.push(`${name}${key}: bucket counts not cumulative`);
    if (e.count === undefined || e.sum === undefined) problems.push(`${name}${key}: _sum or _count missing`);
    if (e.buckets.at(-1)?.[1] !== e.count) problems.push(`${name}${key}: +Inf bucket ${e.buckets.at(-1)?.[1]} differs from _count ${e.count}`);
  }
  return problems;
}

/** `promtool check metrics` on the text, when promtool is installed (Debian: prometheus). */
export function promtool(text: string): { available: boolean; status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) return { available: false, status: null, output: String(r.error) };
  return { available: true, status: r.status, output: `${r.stdout}${r.stderr}` };
}
