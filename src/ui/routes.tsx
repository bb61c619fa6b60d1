import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Services } from '../services.js';
import type { AppEnv } from '../http/auth.js';
import { STAFF_ROLES, type Principal } from '../auth/credentials.js';
import { AlertError } from '../alerts/service.js';
import { boardData, Live, Page, personState, ResponsePanel } from './board.js';
import { ResponseActError } from '../domain/responses/acts.js';
import { ResponseError } from '../responses/service.js';
import { loadStations } from '../store/readings.js';
import { levelText, localTimeText, ROLE_WORDS } from '../domain/wording.js';
import { thresholdsAt } from '../domain/station.js';
import { calendarOf } from '../evaluation/engine.js';
import { batch } from '../store/batch.js';
import type { Delivery } from '../domain/alerts.js';

/**
 * /board: the duty room's screen. Staff sign in with their token (kept in an httpOnly,
 * SameSite=Strict cookie) or send `Authorization: Bearer`; nothing shows without one.
 */
const COOKIE = 'fx_board';
const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const ASSETS: Record<string, string> = { 'board.css': 'text/css; charset=utf-8', 'board.js': 'text/javascript; charset=utf-8' };
type BoardEnv = AppEnv & { Variables: { staff: Principal } };

export function boardRoutes(svc: Services) {
  const app = new Hono<BoardEnv>();

  const staffOf = async (c: Context): Promise<Principal | null> => {
    const header = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const token = header ?? getCookie(c, COOKIE);
    const p = token ? await svc.credentials.resolve(token) : null;
    return p && STAFF_ROLES.includes(p.role) ? p : null;
  };
  const signedIn = (html: boolean): MiddlewareHandler<BoardEnv> => async (c, next) => {
    const p = await staffOf(c);
    if (!p) return html ? c.redirect('/board/login', 302) : c.text('sign in first\n', 401);
    c.set('staff', p);
    await next();
  };

  app.get('/board/assets/:file', async (c) => {
    const type = ASSETS[c.req.param('file')];
    if (!type) return c.notFound();
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(await readFile(join(ASSET_DIR, c.req.param('file'))));
  });

  app.get('/board/login', (c) =>
    c.html(
      <Page title="登录">
        <div class="login">
          <h2>值班人员登录</h2>
          {c.req.query('error') && <p class="error">令牌无效，或不是值班人员的令牌。</p>}
          <form method="post" action="/board/login">
            <label>
              访问令牌
              <input type="password" name="token" autocomplete="current-password" required />
            </label>
            <button type="submit" class="primary">登录</button>
          </form>
        </div>
      </Page>,
    ),
  );

  app.post('/board/login', async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const p = token ? await svc.credentials.resolve(token) : null;
    if (!p || !STAFF_ROLES.includes(p.role)) return c.redirect('/board/login?error=1', 302);
    setCookie(c, COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: new URL(c.req.url).protocol === 'https:', maxAge: 12 * 3600 });
    return c.redirect('/board', 302);
  });

  app.post('/board/logout', (c) => {
    deleteCookie(c, COOKIE, { path: '/' });
    return c.redirect('/board/login', 302);
  });

  app.get('/board', signedIn(true), async (c) => {
    const data = await boardData(svc);
    return c.html(
      <Page title="值班大屏" principal={c.get('staff')}>
        <div id="live">
          <Live data={data} principal={c.get('staff')} />
        </div>
      </Page>,
    );
  });

  app.get('/board/fragment', signedIn(false), async (c) => c.html(<Live data={await boardData(svc)} principal={c.get('staff')} />));

  /** Pushes `refresh` when levels, alerts, gauges or the roster change; a heartbeat every 15 s. */
  app.get('/board/events', signedIn(false), (c) =>
    streamSSE(c, async (stream) => {
      let last = '';
      let beat = Date.now();
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        const stamp = await changeStamp(svc).catch(() => last);
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
    }),
  );

  /** Duty room actions: duty or admin, same-origin only (the cookie is SameSite=Strict as well). */
  const dutyAction: MiddlewareHandler<BoardEnv> = async (c, next) => {
    const p = c.get('staff');
    if (p.role !== 'duty' && p.role !== 'admin') return c.text('只有值班人员可以操作\n', 403);
    const origin = c.req.header('origin');
    if (origin && new URL(origin).host !== new URL(c.req.url).host) return c.text('cross-site request refused\n', 403);
    await next();
  };
  const back = (c: Context) => (c.req.header('referer')?.startsWith(new URL(c.req.url).origin) ? c.req.header('referer')! : '/board');
  const actor = (p: Principal) => p.personId ?? `${p.role}:${p.id}`;

  app.post('/board/alerts/:id/resolve', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody();
    const reason = typeof form.reason === 'string' ? form.reason.trim() : '';
    if (reason.length < 2) return c.text('请填写解除原因\n', 400);
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
    const ref = await svc.reference.snapshot({ fresh: true });
    const city = chosen.includes('city');
    if (!city && chosen.some((t) => !ref.townships.has(t))) return c.text('没有这个乡镇\n', 404);
    await svc.responses.start(
      { level: level as 'IV', scope: city ? 'city' : { townships: chosen }, noticeNumber: field('notice').slice(0, 100), reason: field('reason').slice(0, 1000) },
      actor(c.get('staff')),
    );
    return c.redirect('/board#responses', 303);
  });

  const responseAct = (act: 'end' | 'adjust') =>
    async (c: Context<BoardEnv>) => {
      const form = await c.req.parseBody({ all: true });
      const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
      if (!field('notice') || !field('reason')) return c.text('请填写文号和原因\n', 400);
      const input = { noticeNumber: field('notice').slice(0, 100), reason: field('reason').slice(0, 1000) };
      try {
        if (act === 'end') await svc.responses.end(c.req.param('id')!, input, actor(c.get('staff')));
        else {
          const level = field('level');
          if (level && !['IV', 'III', 'II', 'I'].includes(level)) return c.text('级别无效\n', 400);
          const chosen = [form.townshipIds ?? []].flat().filter((v): v is string => typeof v === 'string' && v !== '');
          await svc.responses.adjust(c.req.param('id')!, { ...input, level: (level || undefined) as 'IV' | undefined, townships: chosen.includes('city') ? 'city' : chosen.length ? chosen : undefined }, actor(c.get('staff')));
        }
      } catch (err) {
        if (err instanceof ResponseActError || err instanceof ResponseError) return c.text(`${err.message}\n`, err.code === 'not_found' ? 404 : 409);
        throw err;
      }
      return c.redirect('/board#responses', 303);
    };
  app.post('/board/responses/:id/end', signedIn(true), dutyAction, responseAct('end'));
  app.post('/board/responses/:id/adjust', signedIn(true), dutyAction, responseAct('adjust'));

  app.get('/board/responses/:id', signedIn(true), async (c) => {
    const r = await svc.responses.get(c.req.param('id'));
    if (!r) return c.html(<Page title="应急响应" principal={c.get('staff')}><main><p>没有这项应急响应。</p></main></Page>, 404);
    const data = await boardData(svc);
    const callouts = await svc.responses.callouts(r);
    const tz = svc.config.levels.timezone;
    const canAct = c.get('staff').role === 'duty' || c.get('staff').role === 'admin';
    return c.html(
      <Page title={`${r.scope === 'city' ? '全市' : data.townshipName(r.townshipIds[0] ?? '')}防汛应急响应`} principal={c.get('staff')}>
        <main>
          <section>
            <h2>{levelText(r.level)}应急响应 · {r.status === 'active' ? '执行中' : '已终止'}</h2>
            <p class="small">{r.noticeNumber}：{r.reason}</p>
            {r.status === 'active' && <ResponsePanel r={r} callouts={callouts} data={data} canAct={canAct} />}
            {r.status === 'active' && canAct && (
              <form method="post" action={`/board/responses/${encodeURIComponent(r.id)}/adjust`} class="small">
                调整：<select name="level"><option value="">级别不变</option>{['IV', 'III', 'II', 'I'].map((l) => <option value={l}>{levelText(l as 'I')}</option>)}</select>{' '}
                <select name="townshipIds" multiple size={4} aria-label="新的范围（不选则不变）">
                  <option value="city">全市</option>
                  {data.townships.map((t) => <option value={t.id} selected={r.townshipIds.includes(t.id)}>{t.name}</option>)}
                </select>{' '}
                <input type="text" name="notice" placeholder="文号" required size={14} /> <input type="text" name="reason" placeholder="原因" required size={12} /> <button type="submit">调整</button>
              </form>
            )}
          </section>
          <section>
            <h2>时间线</h2>
            <table>
              <tbody>
                {r.acts.map((a) => (
                  <tr><td class="small">{localTimeText(a.at, tz)}</td><td>{ACT_WORDS[a.type] ?? a.type}</td><td class="small">{levelText(a.level)} {a.noticeNumber} {a.townshipIds.map(data.townshipName).join('、')}</td></tr>
                ))}
              </tbody>
            </table>
          </section>
        </main>
      </Page>,
    );
  });

  app.post('/board/alerts/:id/ack', signedIn(true), dutyAction, async (c) => {
    const p = c.get('staff');
    const form = await c.req.parseBody();
    const personId = typeof form.personId === 'string' ? form.personId : '';
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim().slice(0, 500) : '值班室代为确认';
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
    if (!stored) return c.html(<Page title="预警" principal={c.get('staff')}><main><p>没有这条预警。</p></main></Page>, 404);
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
                  <tr><td class="small">{t(e.at)}</td><td>{TIMELINE[e.type] ?? e.type}</td><td class="small">{e.personId ? (a.recipients.find((r) => r.personId === e.personId)?.name ?? e.personId) : ''} {e.level ? levelText(e.level) : ''}</td></tr>
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
    const fiveMin = Array.from({ length: 72 }, (_, i) => day.filter((s) => s.rain !== null && s.t > now - (72 - i) * 300_000 && s.t <= now - (71 - i) * 300_000).reduce((n, s) => n + (s.rain ?? 0), 0));
    const hourly = Array.from({ length: 24 }, (_, i) => day.filter((s) => s.rain !== null && s.t > now - (24 - i) * 3_600_000 && s.t <= now - (23 - i) * 3_600_000).reduce((n, s) => n + (s.rain ?? 0), 0));
    const levels = day.filter((s) => s.level !== null) as Array<{ t: number; level: number }>;
    const th = thresholdsAt(station.kind, station.thresholds ?? {}, now, calendarOf(svc.config));
    return c.html(
      <Page title={station.name} principal={c.get('staff')}>
        <main>
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

const ACT_WORDS: Record<string, string> = { start: '启动', raise: '提升', lower: '降低', widen: '扩大范围', narrow: '缩小范围', renotice: '调整', end: '终止', superseded: '由新的响应接替' };

const TIMELINE: Record<string, string> = {
  opened: '启动', raised: '升级', lowered: '降级', adjusted: '调整', ended: '终止', declared: '防指宣布', acknowledged: '确认', arrived: '到岗',
  'delivery-receipt': '送达回执', 'call-not-placed': '电话未拨打',
  'ack-overdue': '超时未确认，升级', 'arrival-overdue': '超时未到岗，提醒', resolved: '解除', 'delivery-failed': '消息发送失败',
};

const Bars = ({ values, label, every }: { values: number[]; label: (i: number) => string; every: number }) => {
  const W = 720;
  const H = 160;
  const max = Math.max(1, ...values);
  const w = W / values.length;
  return (
    <svg viewBox={`0 0 ${W} ${H + 20}`} width="100%" class="bars">
      {values.map((v, i) => (
        <rect x={i * w + 1} y={H - (v / max) * H} width={Math.max(1, w - 2)} height={(v / max) * H} fill="#3d8bfd">
          <title>{`${label(i)} ${v.toFixed(1)} 毫米`}</title>
        </rect>
      ))}
      {values.map((_, i) => (i % every === 0 ? <text x={i * w} y={H + 15}>{label(i)}</text> : null))}
      <text x={W - 90} y={12}>{`最大 ${max.toFixed(1)} 毫米`}</text>
    </svg>
  );
};

const LINE_WORDS: Record<string, string> = { warning: '警戒', guarantee: '保证', record: '历史最高', floodLimit: '汛限', design: '设计', check: '校核' };

const LevelChart = ({ points, lines, now }: { points: Array<{ t: number; level: number }>; lines: Record<string, number | undefined>; now: number }) => {
  const W = 720;
  const H = 220;
  const refs = Object.entries(lines).filter((x): x is [string, number] => x[1] !== undefined);
  const all = [...points.map((p) => p.level), ...refs.map(([, v]) => v)];
  if (all.length === 0) return <p class="muted">近24小时无水位数据。</p>;
  const lo = Math.min(...all) - 0.5;
  const hi = Math.max(...all) + 0.5;
  const x = (t: number) => ((t - (now - 86_400_000)) / 86_400_000) * W;
  const y = (v: number) => H - ((v - lo) / (hi - lo)) * H;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" class="levels">
      {refs.map(([name, v]) => (
        <g class={`line-${name}`}>
          <line x1={0} x2={W} y1={y(v)} y2={y(v)} stroke={name === 'warning' || name === 'floodLimit' ? '#d4a800' : '#c62828'} stroke-dasharray="6 4" />
          <text x={4} y={y(v) - 3}>{`${LINE_WORDS[name] ?? name} ${v}`}</text>
        </g>
      ))}
      <polyline fill="none" stroke="#5fd39a" stroke-width="2" points={points.map((p) => `${x(p.t).toFixed(1)},${y(p.level).toFixed(1)}`).join(' ')} />
    </svg>
  );
};

/** Cheap fingerprint of what the board shows: levels, open alerts and their versions, gauges, roster. */
async function changeStamp(svc: Services): Promise<string> {
  const ref = await svc.reference.snapshot();
  const ids = [...ref.townships.keys()];
  const pipe = batch(svc.redis);
  for (const id of ids) pipe.hmget(svc.keys.township(id), 'level', 'alert');
  pipe.hlen(svc.keys.offline());
  pipe.hlen(svc.keys.silences());
  const replies = (await pipe.exec()) ?? [];
  const open = await svc.alerts.store.openAlertIds(ids);
  const vers = batch(svc.redis);
  for (const id of open.values()) vers.hget(svc.keys.alert(id), 'ver');
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
