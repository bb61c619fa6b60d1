// biome-ignore-all lint/suspicious/noExplicitAny: answers of the running service's JSON API, read field by field
/**
 * npm run replay:storm -- [--url http://127.0.0.1:8080] [--fast] [--answer] [--live]
 * Refuses a deployment that is not in drill mode unless --live; removes the gauge key it makes.
 *
 * Replays a storm shaped like 2023-07-05 in 宁国 against a running service with the demo
 * data: about 60 mm city-wide in 6 hours, 114 mm at one gauge (西津雨量站), 54 mm in one
 * hour at another (梅林雨量站), rivers rising. The 6 hours end now (observation times are
 * real, so the readings pass the service's checks), posted in 5-minute steps as gauges
 * would, compressed into about half a minute. Prints the township levels as they rise.
 * With --answer, afterwards half of the people told answer through their personal links
 * and some report arrival, so the alerts show answers, silences and escalations.
 * Needs FANGXUN_ADMIN_TOKEN (npm start prints a one-run token when it is not set).
 */
import { readEnv } from '../config/env.js';
const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const env = readEnv();
const base = (arg('--url') ?? `http://127.0.0.1:${env.port}`).replace(/\/$/, '');
const token = env.adminToken;
const fast = args.includes('--fast');
const answer = args.includes('--answer');
const live = args.includes('--live');
if (!token) {
  console.error("Set FANGXUN_ADMIN_TOKEN to the running service's admin token (npm start prints one when it is not set).");
  process.exit(2);
}

const LABEL: Record<string, string> = { IV: 'Ⅳ级(蓝)', III: 'Ⅲ级(黄)', II: 'Ⅱ级(橙)', I: 'Ⅰ级(红)' };
const label = (l: string | null) => (l ? (LABEL[l] ?? l) : '无');

/** Ends the replay after its message was printed (the gauge key it made is removed first). */
class Abort extends Error {}

async function call(method: string, path: string, body?: unknown, auth: string | null = token!): Promise<any> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    console.error(`Cannot reach the service at ${base} (${(err as Error).message}). Start it with npm start, or pass --url.`);
    process.exit(1);
  }
  const text = await res.text();
  if (!res.ok) {
    console.error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    throw new Abort();
  }
  return text ? JSON.parse(text) : null;
}

/** A small deterministic generator, so every replay is the same storm. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface StationView {
  id: string;
  name: string;
  kind: 'rain' | 'river' | 'reservoir';
  townshipId: string;
  thresholds: { warning?: number; floodLimit?: number | Array<{ level: number }> } | null;
}

const stations: StationView[] = await call('GET', '/v1/stations');
const rain = stations.filter((s) => s.kind === 'rain');
if (rain.length === 0) {
  console.error('No rain gauges: load the demo data (npm start on an empty database does) or import a dataset.');
  process.exit(1);
}
const heavy = rain.find((s) => s.name === '西津雨量站') ?? rain[0]!; // 114 mm in 6 h
const burst = rain.find((s) => s.name === '梅林雨量站') ?? rain[1] ?? rain[0]!; // 54 mm in one hour
// A replay writes made-up readings that raise levels and send alerts: only into a drill
// deployment (messages to the outbox), unless the operator says --live.
const deployment: { drill?: boolean } | null = await fetch(`${base}/v1/admin/deployment`, { headers: { authorization: `Bearer ${token}` } })
  .then((r) => (r.ok ? r.json() : null))
  .catch(() => null);
if (!deployment?.drill && !live) {
  console.error(
    `${base} is not in drill mode: a replayed storm would raise real levels and send real messages. Start the service on the demo data (drill mode) or with FANGXUN_DRILL=1, or pass --live if you mean it.`,
  );
  process.exit(1);
}
const { id: keyId, key } = await call('POST', '/v1/admin/gauge-keys', { name: 'storm replay', stations: ['*'] });
let failed = false;
try {
  // Hourly shares of a 6-hour storm peaking in its 4th and 5th hours.
  const PROFILE = [0.06, 0.1, 0.16, 0.28, 0.25, 0.15];
  const random = rng(20230705);
  const totals = new Map<string, number>();
  for (const s of rain) totals.set(s.id, s.id === heavy.id ? 114 : s.id === burst.id ? 72 : 45 + random() * 30);
  const STEPS = 72; // 6 h of 5-minute reports
  const now = Date.now();
  const start = now - STEPS * 5 * 60_000;
  const iso = (t: number) => {
    const local = new Date(t + 8 * 3_600_000).toISOString().slice(0, 19);
    return `${local}+08:00`;
  };
  const hhmm = (t: number) => iso(t).slice(11, 16);

  function rainAt(s: StationView, step: number): number {
    const hour = Math.floor(step / 12);
    // The burst gauge: 54 mm in its 4th hour, the rest spread over the other hours.
    if (s.id === burst.id) return hour === 3 ? 4.5 : ((totals.get(s.id)! - 54) * PROFILE[hour]!) / (1 - PROFILE[3]!) / 12;
    return ((totals.get(s.id)! * PROFILE[hour]!) / 12) * (0.6 + random() * 0.8);
  }

  function levelAt(s: StationView, step: number): number | null {
    const th = s.thresholds ?? {};
    const limit =
      s.kind === 'river' ? th.warning : typeof th.floodLimit === 'number' ? th.floodLimit : (th.floodLimit?.[1]?.level ?? th.floodLimit?.[0]?.level);
    if (limit === undefined) return null;
    // From 2.5 m below the limit, rising late in the storm to about 0.7 m above it.
    const rise = 3.2 / (1 + Math.exp(-(step - 48) / 6));
    return Math.round((limit - 2.5 + rise) * 100) / 100;
  }

  console.log(
    `Replaying a storm shaped like 2023-07-05 against ${base}: ${rain.length} rain gauges, ${STEPS} five-minute steps from ${hhmm(start + 5 * 60_000)} to ${hhmm(now)}.`,
  );
  console.log(`  heavy gauge: ${heavy.name} (114 mm in 6 h); burst gauge: ${burst.name} (54 mm in one hour)\n`);
  const levels = new Map<string, string | null>();
  const names = new Map<string, string>();
  for (const t of await call('GET', '/v1/townships')) {
    levels.set(t.id, t.level);
    names.set(t.id, t.name);
  }

  async function showChanges(at: number) {
    const townships = await call('GET', '/v1/townships');
    const changes: string[] = [];
    for (const t of townships) {
      const before = levels.get(t.id) ?? null;
      if (before !== t.level) changes.push(`${t.name} ${label(before)}→${label(t.level)}`);
      levels.set(t.id, t.level);
    }
    if (changes.length) console.log(`${hhmm(at)}  ${changes.join('，')}`);
  }

  for (let step = 1; step <= STEPS; step++) {
    const t = start + step * 5 * 60_000;
    const readings = [];
    for (const s of stations) {
      if (s.kind === 'rain') readings.push({ stationId: s.id, observedAt: iso(t), rainfallMm: Math.round(rainAt(s, step - 1) * 10) / 10, periodMinutes: 5 });
      else {
        const level = levelAt(s, step);
        if (level !== null) readings.push({ stationId: s.id, observedAt: iso(t), waterLevelM: level });
      }
    }
    const res = await call('POST', '/v1/readings', { readings }, key);
    if (res.rejected.length) console.log(`  ${res.rejected.length} reading(s) refused, first: ${res.rejected[0].error}`);
    if (!fast) await new Promise((r) => setTimeout(r, 350));
    if (step % 3 === 0) await showChanges(t);
  }
  await new Promise((r) => setTimeout(r, 1_500));
  await showChanges(now);

  const final = await call('GET', '/v1/townships');
  console.log('\nTownship levels now:');
  for (const t of final)
    console.log(
      `  ${t.name.padEnd(6, '　')} ${label(t.level).padEnd(8)} ${t.reasons[0] ? `${t.reasons[0].kind} ${t.reasons[0].window ?? t.reasons[0].threshold ?? ''} ${t.reasons[0].value}` : ''}`,
    );
  const open = await call('GET', '/v1/alerts?status=open');
  console.log(
    `\n${open.length} open alert(s); messages sent: ${open.reduce((n: number, a: any) => n + a.messages.length, 0)}. GET /v1/alerts for recipients and deadlines; GET /v1/admin/outbox in drill mode.`,
  );

  await new Promise((r) => setTimeout(r, 1_000));
  const calls: Array<{ personName: string; to: string; outId?: string; speech?: { township: string; level: string } }> = (
    await call('GET', '/v1/admin/outbox?limit=1000')
  ).filter((m: any) => m.channel === 'voice');
  console.log(
    `Calls (语音叫应) placed: ${calls.length}${
      calls.length
        ? ` — ${calls
            .slice(0, 6)
            .map((m) => `${m.personName} ${m.speech?.township ?? ''}${m.speech?.level ?? ''}`)
            .join('，')}${calls.length > 6 ? '…' : ''}`
        : ''
    }`,
  );
  // With the receipt endpoint's secret, --answer also plays the callees: one presses 1, the next has the phone off.
  const voiceSecret = env.secret('FANGXUN_INBOUND_ALIYUN_VOICE_SECRET');
  if (answer && voiceSecret) {
    for (const [i, m] of calls.entries()) {
      const receipt = i % 2 === 0 ? { status_code: '200000', status_msg: '用户听完挂断', dtmf: '1' } : { status_code: '200005', status_msg: '用户关机' };
      await call('POST', `/v1/inbound/aliyun-voice/${voiceSecret}`, [{ call_id: `replay-${i}`, out_id: m.outId, ...receipt }], null);
    }
    console.log(
      `Simulated receipts: ${Math.ceil(calls.length / 2)} keypress 1 (acknowledged via voice), ${Math.floor(calls.length / 2)} 关机 (next contact at once).`,
    );
  }
  const city = await call('GET', '/v1/city');
  if (city.recommendation)
    console.log(
      `Recommendation to the HQ (warnings advise, the HQ declares): city ${city.recommendation.city ? label(city.recommendation.city.level) : '—'}; declare with POST /v1/responses or on the board.`,
    );

  if (answer) {
    await new Promise((r) => setTimeout(r, 2_000));
    const outbox: Array<{ personId: string; alertId: string; ackUrl: string | null }> = await call('GET', '/v1/admin/outbox?limit=1000');
    const links = outbox.filter((m) => m.ackUrl);
    let acked = 0;
    let arrived = 0;
    for (const [i, m] of links.entries()) {
      if (i % 2 === 1) continue; // every other person stays silent: escalations follow
      const path = new URL(m.ackUrl!).pathname;
      const ack = await fetch(`${base}${path}`, { method: 'POST', body: new URLSearchParams({ action: 'ack' }) });
      if (ack.ok) acked++;
      if (i % 4 === 0) {
        const alert = open.find((a: any) => a.id === m.alertId);
        const post = final.find((t: any) => t.id === alert?.townshipId)?.commandPost;
        const res = await fetch(`${base}${path}`, {
          method: 'POST',
          body: new URLSearchParams({ action: 'arrive', ...(post ? { lat: String(post.lat + 0.002), lon: String(post.lon) } : {}) }),
        });
        if (res.ok) arrived++;
      }
    }
    console.log(`Answered ${acked} of ${links.length} personal links, ${arrived} arrival(s) reported; the others stay silent and escalate at their deadlines.`);
    console.log('Accountability so far: GET /v1/reports/accountability (CSV with Accept: text/csv).');
  }
} catch (err) {
  if (!(err instanceof Abort)) throw err;
  failed = true;
} finally {
  // The gauge key made for the replay goes with it.
  await fetch(`${base}/v1/admin/gauge-keys/${keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}
if (failed) process.exit(1);
