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
import { STAFF_ROLE_WORDS } from '../domain/wording.js';
import { boardData, boardFilter, Page } from './board.js';
import { Live } from './boardLive.js';
import { AlertStoryView, type AlertStory } from './alertPage.js';
import { stationPage } from './stationPage.js';
import { policyFor } from '../domain/warnings.js';
import { actorOf } from '../store/audit.js';
import { responsePages } from './responsePages.js';
import { reportPages } from './reportPages.js';
import { COOKIE, loginPages } from './loginPages.js';
import { rosterPages } from './rosterPage.js';

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
  const signedIn =
    (html: boolean): MiddlewareHandler<BoardEnv> =>
    async (c, next) => {
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

  const board = async (c: Context<BoardEnv>) =>
    boardData(
      svc,
      c.get('staff'),
      boardFilter((k) => c.req.query(k)),
    );
  app.get('/board', signedIn(true), async (c) =>
    c.html(
      <Page title="值班大屏" principal={c.get('staff')}>
        <div id="live">
          <Live data={await board(c)} />
        </div>
      </Page>,
    ),
  );

  app.get('/board/fragment', signedIn(false), async (c) => c.html(<Live data={await board(c)} />));

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
    if (crossSite(c, svc.config.policy.publicUrl)) return c.text('拒绝跨站请求：请从值班大屏页面操作\n', 403);
    await next();
  };
  const back = (c: Context) => (c.req.header('referer')?.startsWith(new URL(c.req.url).origin) ? c.req.header('referer')! : '/board');
  // board.js posts with X-Requested-With: fetch and patches the page itself; a plain form post goes back.
  const done = (c: Context, to?: string) => (c.req.header('x-requested-with') === 'fetch' ? c.body(null, 204) : c.redirect(to ?? back(c), 303));
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
      return c.text(`${alertErrorText(err)}\n`, err.code === 'not_found' ? 404 : 409);
    }
    return done(c);
  });

  app.post('/board/declare', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody({ all: true });
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const level = field('level');
    // One township (townshipId), several (townshipIds, repeated), or the whole city (townshipId=city).
    const chosen = [form.townshipIds ?? [], form['townshipIds[]'] ?? [], field('townshipId')]
      .flat()
      .filter((v): v is string => typeof v === 'string' && v !== '');
    if (!['IV', 'III', 'II', 'I'].includes(level) || !field('notice') || !field('reason')) return c.text('请选择级别并填写文号和原因\n', 400);
    if (chosen.length === 0) return c.text('请选择全市或乡镇\n', 400);
    if (hasControl(field('notice')) || hasControl(field('reason'))) return c.text(ONE_LINE, 400);
    const ref = await svc.reference.snapshot({ fresh: true });
    const city = chosen.includes('city');
    if (!city && chosen.some((t) => !ref.townships.has(t))) return c.text('没有这个乡镇\n', 404);
    await svc.responses.start(
      {
        level: level as 'IV',
        scope: city ? 'city' : { townships: chosen },
        noticeNumber: field('notice').slice(0, 100),
        reason: field('reason').slice(0, 1000),
      },
      actor(c.get('staff')),
    );
    return done(c, '/board#responses');
  });

  responsePages(app, svc, { signedIn, dutyAction, actor, oneLine: ONE_LINE, done });
  reportPages(app, svc, signedIn);
  rosterPages(app, svc, signedIn);

  app.post('/board/alerts/:id/ack', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody();
    const personId = typeof form.personId === 'string' ? form.personId : '';
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim().slice(0, 500) : '值班室代为确认';
    if (hasControl(note)) return c.text(ONE_LINE, 400);
    try {
      await svc.alerts.acknowledge(c.req.param('id'), personId, 'duty-room', { by: actor(c.get('staff')), note });
    } catch (err) {
      if (!(err instanceof AlertError)) throw err;
      return c.text(`${alertErrorText(err)}\n`, err.code === 'not_found' ? 404 : 409);
    }
    return done(c);
  });

  /** 立即升级 from the board: the person's next escalation step now. */
  app.post('/board/alerts/:id/escalate', signedIn(true), dutyAction, async (c) => {
    const form = await c.req.parseBody();
    const personId = typeof form.personId === 'string' && form.personId ? form.personId : null;
    try {
      await svc.alerts.escalateNow(c.req.param('id'), personId, actor(c.get('staff')), actorOf(c.get('staff')));
    } catch (err) {
      if (!(err instanceof AlertError)) throw err;
      return c.text(`${alertErrorText(err)}\n`, err.code === 'not_found' ? 404 : 409);
    }
    return done(c);
  });

  const alertStory = async (c: Context<BoardEnv>) => {
    const stored = await svc.alerts.store.get(c.req.param('id') ?? '');
    if (!stored || !seesAlert(c.get('staff'), stored.alert)) return null;
    const ref = await svc.reference.snapshot();
    const staff = c.get('staff');
    const s: AlertStory = {
      alert: stored.alert,
      township: ref.townships.get(stored.alert.townshipId)?.name ?? stored.alert.townshipId,
      now: svc.now(),
      tz: svc.config.levels.timezone,
      policy: policyFor(stored.alert.kind ?? 'warning', svc.config.policy),
      canAct: staff.role === 'duty' || staff.role === 'admin',
      personName: (id) => ref.people.get(id)?.name ?? (id.includes(':') ? (STAFF_ROLE_WORDS[id.split(':')[0]!] ?? '工作人员') : '工作人员'),
      stationName: (id) => ref.stations.get(id)?.name ?? id,
      townshipName: (id) => ref.townships.get(id)?.name ?? id,
    };
    return s;
  };
  app.get('/board/alerts/:id', signedIn(true), async (c) => {
    const s = await alertStory(c);
    if (!s)
      return c.html(
        <Page title="预警" principal={c.get('staff')}>
          <main>
            <p>没有这条预警。</p>
          </main>
        </Page>,
        404,
      );
    return c.html(
      <Page title={`${s.township} ${s.alert.kind === 'response' ? '应急响应' : '预警'}`} principal={c.get('staff')}>
        <div id="live">
          <AlertStoryView s={s} />
        </div>
      </Page>,
    );
  });
  app.get('/board/alerts/:id/fragment', signedIn(false), async (c) => {
    const s = await alertStory(c);
    return s ? c.html(<AlertStoryView s={s} />) : c.text('没有这条预警\n', 404);
  });

  stationPage(app, svc, signedIn);

  return app;
}
/** Cheap fingerprint of what the board shows: levels, open alerts and response call-outs and their versions, gauges, roster. */
async function changeStamp(svc: Services, viewer: Principal): Promise<string> {
  const ref = await svc.reference.snapshot();
  const ids = [...ref.townships.keys()];
  // Open warnings and the open call-outs of HQ responses (their 到岗到位 panels move with them).
  const open = [...(await svc.alerts.store.openAlertIds(ids)).values(), ...(await svc.alerts.store.openAlertIds(ids, 'response')).values()];
  // A leader's stream moves only with the alerts they may see (no side channel on the others).
  const mine = viewer.role === 'leader' ? (await svc.alerts.store.getMany(open)).filter((a) => seesAlert(viewer, a)).map((a) => a.id) : open;
  return [ref.version, ...(await svc.townshipState.fingerprint(ids, mine))].join('|');
}

/** An alert error in the duty room's words. */
function alertErrorText(err: AlertError): string {
  switch (err.code) {
    case 'not_found':
      return '没有这条预警或这个人员';
    case 'alert_not_open':
      return '该预警已解除';
    case 'not_recipient':
      return '此人不在该预警的通知名单中';
    case 'nothing_to_escalate':
      return '无可升级的步骤：已应答、已到岗或升级步骤已全部执行';
    case 'response_callout':
      return '这是应急响应的乡镇部分，须由防指终止或调整响应';
    default:
      return '操作冲突，请重试';
  }
}
