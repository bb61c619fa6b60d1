import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Services } from '../services.js';
import type { AppEnv } from '../http/auth.js';
import { STAFF_ROLES, type Principal } from '../auth/credentials.js';
import { AlertError } from '../alerts/service.js';
import { seesAlert } from '../auth/scope.js';
import { crossSite } from '../http/origin.js';
import { hasControl } from '../lib/text.js';
import { boardData, Live, Page, personState } from './board.js';
import { Bars, LevelChart } from './charts.js';
import { responsePages } from './responsePages.js';
import { reportPages } from './reportPages.js';
import { COOKIE, loginPages } from './loginPages.js';
import { rosterPages } from './rosterPage.js';
import { loadStations } from '../store/readings.js';
import { levelText, localTimeText, ROLE_WORDS } from '../domain/wording.js';
import { rainIn, thresholdsAt } from '../domain/station.js';
import { calendarOf } from '../evaluation/engine.js';
import { batch } from '../store/batch.js';
import type { Delivery } from '../domain/alerts.js';

/**
 * /board: the duty room's screen. Staff sign in (loginPages.tsx: a code by SMS, or a token; the
 * httpOnly, SameSite=Strict cookie holds a session id) or send `Authorization: Bearer`; nothing
 * shows without one.
 */
const ONE_LINE = '文号、原因和备注不能包含换行或控制字符\n';
const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
// Every style and script of the pages is a file here: the CSP has no 'unsafe-inline' (see README).
const ASSETS: Record<string, string> = {
  'board.css': 'text/css; charset=utf-8',
  'board.js': 'text/javascript; charset=utf-8',
  'answer.css': 'text/css; charset=utf-8',
  'answer.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
  'duty.css': 'text/css; charset=utf-8',
  'roster.js': 'text/javascript; charset=utf-8',
};
export type BoardEnv = AppEnv & { Variables: { staff: Principal } };

export function boardRoutes(svc: Services) {
  const app = new Hono<BoardEnv>();

  const sessions = svc.sessions;
  const staffOf = async (c: Context): Promise<Principal | null> => {
    const header = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const cookie = getCookie(c, COOKIE);
    const p = header ? await svc.credentials.resolve(header) : cookie ? await sessions.principal(cookie) : null;
    return p && STAFF_ROLES.includes(p.role) ? p : null;
  };
  const signedIn = (html: boolean): MiddlewareHandler<BoardEnv> => async (c, next) => {
    const p = await staffOf(c);
    if (!p) return html ? c.redirect('/board/login', 302) : c.text('请先登录\n', 401);
    const name = p.personId ? (await svc.reference.snapshot()).people.get(p.personId)?.name : undefined;
    c.set('staff', name ? { ...p, name } : p);
    await next();
  };

  app.get('/board/assets/:file', async (c) => {
    const type = Object.hasOwn(ASSETS, c.req.param('file')) ? ASSETS[c.req.param('file')] : undefined;
    if (!type) return c.notFound();
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(await readFile(join(ASSET_DIR, c.req.param('file'))));
  });

  loginPages(app, svc);

  app.get('/board', signedIn(true), async (c) => {
    const data = await boardData(svc, c.get('staff'));
    return c.html(
      <Page title="值班大屏" principal={c.get('staff')}>
        <div id="live">
          <Live data={data} principal={c.get('staff')} />
        </div>
      </Page>,
    );
  });

  app.get('/board/fragment', signedIn(false), async (c) => c.html(<Live data={await boardData(svc, c.get('staff'))} principal={c.get('staff')} />));

  /** Pushes `refresh` when levels, alerts, gauges or the roster change; a heartbeat every 15 s. */
  // Live streams per token: a few screens each, not a way to hold the server's connections.
  const streams = new Map<string, number>();
  const maxStreams = svc.config.service.rateLimit.streamsPerToken;
  app.get('/board/events', signedIn(false), (c) => {
    const who = c.get('staff').id;
    const count = streams.get(who) ?? 0;
    if (maxStreams > 0 && count >= maxStreams) {
      c.header('Retry-After', '30');
      return c.text(`at most ${maxStreams} live connections per token; close another board first\n`, 429);
    }
    streams.set(who, count + 1);
    const release = () => {
      const left = (streams.get(who) ?? 1) - 1;
      if (left > 0) streams.set(who, left);
      else streams.delete(who);
    };
    return streamSSE(c, async (stream) => {
      try {
        let last = '';
        let beat = Date.now();
        let open = true;
        stream.onAbort(() => {
          open = false;
        });
        while (open) {
          const stamp = await changeStamp(svc, c.get('staff')).catch(() => last);
          if (stamp !== last) {
            if (last) await stream.writeSSE({ event: 'refresh', data: stamp });
            last = stamp;
          }
          if (Date.now() - beat > 15_000) {
            await stream.write(': heartbeat\n\n');
            beat = Date.now();
          }
          await stream.sleep(1_000);
        }
      } finally {
        release();
      }
    });
  });

  /** Duty room actions: duty or admin, same-origin only (the cookie is SameSite=Strict as well). */
  const dutyAction: MiddlewareHandler<BoardEnv> = async (c, next) => {
    const p = c.get('staff');
    if (p.role !== 'duty' && p.role !== 'admin') return c.text('只有值班人员可以操作\n', 403);
    if (crossSite(c, svc.config.policy.publicUrl)) return c.text('cross-site request refused\n', 403);
    await next();
  };
  const back = (c: Context) => (c.req.header('referer')?.startsWith(new URL(c.req.url).origin) ? c.req.header('referer')! : '/board');
  const actor = (p: Principal) => p.personId ?? `${p.role}:${p.id}`;

  app.post('/board/alerts/:id/resolve', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody();
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (reason.length < 2) return c.text('请填写解除原因\n', 400);
    if (hasControl(reason)) return c.text(ONE_LINE, 400);
    try {
      await svc.alerts.resolve(c.req.param('id'), actor(c.get('staff')), reason.slice(0, 500));
    } catch (err) {
      if (!(err instanceof AlertError)) throw err;
      return c.text(`${err.message}\n`, err.code === 'not_found' ? 404 : 409);
    }
    return c.redirect(back(c), 303);
  });

  app.post('/board/declare', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody({ all: true });
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const level = field('level');
    // One township (townshipId), several (townshipIds, repeated), or the whole city (townshipId=city).
    const chosen = [form.townshipIds ?? [], form['townshipIds[]'] ?? [], field('townshipId')].flat().filter((v): v is string => typeof v === 'string' && v !== '');
    if (!['IV', 'III', 'II', 'I'].includes(level) || !field('notice') || !field('reason')) return c.text('请选择级别并填写文号和原因\n', 400);
    if (chosen.length === 0) return c.text('请选择全市或乡镇\n', 400);
    if (hasControl(field('notice')) || hasControl(field('reason'))) return c.text(ONE_LINE, 400);
    const ref = await svc.reference.snapshot({ fresh: true });
    const city = chosen.includes('city');
    if (!city && chosen.some((t) => !ref.townships.has(t))) return c.text('没有这个乡镇\n', 404);
    await svc.responses.start(
      { level: level as 'IV', scope: city ? 'city' : { townships: chosen }, noticeNumber: field('notice').slice(0, 100), reason: field('reason').slice(0, 1000) },
      actor(c.get('staff')),
    );
    return c.redirect('/board#responses', 303);
  });

  responsePages(app, svc, { signedIn, dutyAction, actor, oneLine: ONE_LINE });
  reportPages(app, svc, signedIn);
  rosterPages(app, svc, signedIn);

  app.post('/board/alerts/:id/ack', signedIn(true), dutyAction, async (c) => {
    const p = c.get('staff');
    const form = await c.req.parseBody();
    const personId = typeof form.personId === 'string' ? form.personId : '';
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim().slice(0, 500) : '值班室代为确认';
    if (hasControl(note)) return c.text(ONE_LINE, 400);
    try {
      await svc.alerts.acknowledge(c.req.param('id'), personId, 'duty-room', { by: p.personId ?? `${p.role}:${p.id}`, note });
    } catch (err) {
      if (!(err instanceof AlertError)) throw err;
      return c.text(`${err.message}\n`, err.code === 'not_found' ? 404 : 409);
    }
    return c.redirect(c.req.header('referer')?.startsWith(new URL(c.req.url).origin) ? c.req.header('referer')! : '/board', 303);
  });

  app.get('/board/alerts/:id', signedIn(true), async (c) => {
    const stored = await svc.alerts.store.get(c.req.param('id'));
    if (!stored || !seesAlert(c.get('staff'), stored.alert)) return c.html(<Page title="预警" principal={c.get('staff')}><main><p>没有这条预警。</p></main></Page>, 404);
    const a = stored.alert;
    const ref = await svc.reference.snapshot();
    const tz = svc.config.levels.timezone;
    const t = (x: number | null) => (x ? localTimeText(x, tz) : '');
    return c.html(
      <Page title={`${ref.townships.get(a.townshipId)?.name ?? a.townshipId} 预警`} principal={c.get('staff')}>
        <main>
          <section>
            <h2>{levelText(a.level)} · {a.status === 'open' ? '未解除' : `已解除（${a.resolveReason ?? ''}）`}</h2>
            {a.declared && <p class="small">{a.declared.notice}：{a.declared.reason}</p>}
            {a.kind === 'response' && a.responseId && <p><a href={`/board/responses/${encodeURIComponent(a.responseId)}`}>查看应急响应与到岗到位</a></p>}
            {a.status === 'open' && a.kind !== 'response' && (c.get('staff').role === 'duty' || c.get('staff').role === 'admin') && (
              <form method="post" action={`/board/alerts/${encodeURIComponent(a.id)}/resolve`}>
                <input type="text" name="reason" placeholder="解除原因" required minlength={2} size={24} /> <button type="submit">解除预警</button>
              </form>
            )}
            <table>
              <thead><tr><th>人员</th><th>状态</th><th>通知</th><th>确认</th><th>到岗</th><th>送达</th></tr></thead>
              <tbody>
                {a.recipients.map((r) => (
                  <tr>
                    <td>{r.name}<div class="small muted">{ROLE_WORDS[r.role] ?? r.role}</div></td>
                    <td class={personState(r, svc.now()).cls}>{personState(r, svc.now()).label}</td>
                    <td class="small">{t(r.notifiedAt)}</td>
                    <td class="small">{t(r.ackedAt)}{r.onBehalfOf ? `（${r.onBehalfOf} 代）` : ''}</td>
                    <td class="small">{t(r.arrivedAt)}{r.distanceM !== null ? ` ${r.distanceM} 米` : ''}</td>
                    <td class="small">{r.deliveries.slice(-3).map((d) => <div>{deliveryText(d)}</div>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section>
            <h2>时间线</h2>
            <table>
              <tbody>
                {a.timeline.map((e) => (
                  <tr><td class="small">{t(e.at)}</td><td>{(a.kind !== 'response' && e.type === 'opened' ? '发布预警' : TIMELINE[e.type]) ?? e.type}</td><td class="small">{e.personId ? (a.recipients.find((r) => r.personId === e.personId)?.name ?? e.personId) : ''} {e.level ? levelText(e.level) : ''}</td></tr>
                ))}
              </tbody>
            </table>
          </section>
        </main>
      </Page>,
    );
  });

  app.get('/board/stations/:id', signedIn(true), async (c) => {
    const ref = await svc.reference.snapshot();
    const station = ref.stations.get(c.req.param('id'));
    if (!station) return c.html(<Page title="测站" principal={c.get('staff')}><main><p>没有这个测站。</p></main></Page>, 404);
    const now = svc.now();
    const samples = (await loadStations(svc.redis, svc.keys, [station.id])).get(station.id)?.samples ?? [];
    const day = samples.filter((s) => s.t > now - 24 * 3_600_000 && s.t <= now);
    const fiveMin = Array.from({ length: 72 }, (_, i) => rainIn(samples, now - (72 - i) * 300_000, now - (71 - i) * 300_000));
    const hourly = Array.from({ length: 24 }, (_, i) => rainIn(samples, now - (24 - i) * 3_600_000, now - (23 - i) * 3_600_000));
    const levels = day.filter((s) => s.level !== null) as Array<{ t: number; level: number }>;
    const th = thresholdsAt(station.kind, station.thresholds ?? {}, now, calendarOf(svc.config));
    const [clockOffSince, clockOffReason] = await svc.redis.hmget(svc.keys.station(station.id), 'clockOffSince', 'clockOffReason');
    return c.html(
      <Page title={station.name} principal={c.get('staff')}>
        <main>
          {clockOffSince && (
            <p class="error clock-off">
              测站时钟偏差：自 {localTimeText(Number(clockOffSince), svc.config.levels.timezone)} 起其报文的观测时间超出允许范围，数据已拒收并存入待核区（{clockOffReason}）。请校准 RTU 时钟。
            </p>
          )}
          <section>
            <h2>5分钟雨量（近6小时）</h2>
            <Bars values={fiveMin} label={(i) => localTimeText(now - (71 - i) * 300_000, svc.config.levels.timezone).slice(-5)} every={12} />
            <h2>小时雨量（近24小时）</h2>
            <Bars values={hourly} label={(i) => localTimeText(now - (23 - i) * 3_600_000, svc.config.levels.timezone).slice(-5)} every={4} />
          </section>
          <section>
            <h2>水位</h2>
            {station.kind === 'rain' ? <p class="muted">雨量站，无水位。</p> : <LevelChart points={levels} lines={th} now={now} />}
          </section>
        </main>
      </Page>,
    );
  });

  return app;
}

const TIMELINE: Record<string, string> = {
  opened: '启动', raised: '升级', lowered: '降级', adjusted: '调整', ended: '终止', declared: '防指宣布', acknowledged: '确认', arrived: '到岗',
  'delivery-receipt': '送达回执', 'call-not-placed': '电话未拨打',
  'ack-overdue': '超时未确认，升级', 'arrival-overdue': '超时未到岗，提醒', resolved: '解除', 'delivery-failed': '消息发送失败',
};

/** Cheap fingerprint of what the board shows: levels, open alerts and response call-outs and their versions, gauges, roster. */
async function changeStamp(svc: Services, viewer: Principal): Promise<string> {
  const ref = await svc.reference.snapshot();
  const ids = [...ref.townships.keys()];
  const pipe = batch(svc.redis);
  for (const id of ids) pipe.hmget(svc.keys.township(id), 'level', 'alert', 'response');
  pipe.hlen(svc.keys.offline());
  pipe.hlen(svc.keys.silences());
  const replies = (await pipe.exec()) ?? [];
  // Open warnings and the open call-outs of HQ responses (their 到岗到位 panels move with them).
  const open = [...(await svc.alerts.store.openAlertIds(ids)).values(), ...(await svc.alerts.store.openAlertIds(ids, 'response')).values()];
  // A leader's stream moves only with the alerts they may see (no side channel on the others).
  const mine = viewer.role === 'leader' ? (await svc.alerts.store.getMany(open)).filter((a) => seesAlert(viewer, a)).map((a) => a.id) : open;
  const vers = batch(svc.redis);
  for (const id of mine) vers.hget(svc.keys.alert(id), 'ver');
  const v = (await vers.exec()) ?? [];
  return [ref.version, ...replies.map(([, x]) => JSON.stringify(x)), ...v.map(([, x]) => String(x))].join('|');
}

const CHANNEL_WORDS: Record<string, string> = { sms: '短信', voice: '电话', wecom: '企业微信', dingtalk: '钉钉', email: '邮件', webhook: 'Webhook', none: '' };
const DELIVERY_WORDS: Record<string, string> = { sent: '已发出', failed: '发送失败', retrying: '重试中', cancelled: '已取消', 'no-contact': '无可用联系方式', skipped: '未拨打' };

/** One delivery on the board: channel, masked address, the receipt when there is one (已送达/关机/未接听…). */
function deliveryText(d: Delivery): string {
  const status = d.receipt?.text ?? DELIVERY_WORDS[d.status] ?? d.status;
  return `${CHANNEL_WORDS[d.channel] ?? d.channel} ${d.to} ${status}${d.error ? `：${d.error}` : ''}`;
}
