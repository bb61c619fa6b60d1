import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { levelText, localTimeText, ROLE_WORDS } from '../../domain/wording.js';
import { AlertError } from '../../alerts/service.js';
import type { Alert, Recipient } from '../../domain/alerts.js';

/**
 * The personal answer link `/a/<token>` carried by every message. GET only shows the page
 * (chat apps fetch links to preview them, so a GET must never acknowledge); the button
 * POSTs. The page is Chinese, small, and works without JavaScript; the arrival button uses
 * the phone's location when the browser offers it.
 */
const REFUSED: Record<string, string> = {
  malformed: '链接不完整，可能在转发或复制时被截断。请在短信中点开完整链接，或直接回复短信“1”确认收到；仍有问题请致电值班室。',
  forged: '链接无效。',
  expired: '链接已过期，请联系值班室。',
};

function page(title: string, body: ReturnType<typeof html>, status = 200) {
  return {
    status,
    html: html`<!doctype html>
      <html lang="zh-CN">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="robots" content="noindex" />
          <title>${title}</title>
          <link rel="stylesheet" href="/board/assets/answer.css" />
          <link rel="icon" href="/board/assets/favicon.svg" type="image/svg+xml" />
        </head>
        <body>
          <main>${body}</main>
        </body>
      </html>`,
  };
}

export function answerRoutes(svc: Services) {
  const app = new Hono<AppEnv>();

  async function resolveLink(c: Context<AppEnv>) {
    const verdict = await svc.links.verify(c.req.param('token') ?? '', svc.now());
    if (!verdict.ok) return { error: REFUSED[verdict.reason] ?? '链接无效。' };
    const stored = await svc.alerts.store.get(verdict.claims.alertId);
    const recipient = stored?.alert.recipients.find((r) => r.personId === verdict.claims.personId);
    if (!stored || !recipient) return { error: '链接无效。' };
    // A person removed from the roster can no longer answer: their links stop here.
    if (!(await svc.reference.snapshot({ fresh: true })).people.has(recipient.personId)) return { error: '链接无效。' };
    return { alert: stored.alert, recipient };
  }

  function render(c: Context<AppEnv>, alert: Alert, r: Recipient, notice?: string) {
    const ref = svc.reference.snapshot();
    return ref.then((snap) => {
      const township = snap.townships.get(alert.townshipId)?.name ?? alert.townshipId;
      const tz = svc.config.levels.timezone;
      const open = alert.status === 'open';
      const acked = r.ackedAt !== null;
      const arrived = r.arrivedAt !== null;
      const { html: body, status } = page(
        `防汛叫应确认 - ${township}`,
        html`<h1>${township} 防汛应急响应</h1>
          <p><span class="lv ${alert.level}">${levelText(alert.level)}</span> ${alert.declared ? html`<span class="muted">${alert.declared.notice}</span>` : ''}</p>
          <p>${r.name}（${ROLE_WORDS[r.role] ?? r.role}）</p>
          ${notice ? html`<p class="ok">${notice}</p>` : ''}
          ${!open ? html`<p>该响应已解除${alert.resolveReason ? `：${alert.resolveReason}` : ''}。</p>` : ''}
          ${open && !acked
            ? html`<p>请确认已收到本次响应通知${r.ackDeadline ? `（时限 ${localTimeText(r.ackDeadline, tz)}）` : ''}。</p>
                <form method="post"><input type="hidden" name="action" value="ack" /><button type="submit">确认收到</button></form>`
            : ''}
          ${open && acked ? html`<p class="ok">已确认（${localTimeText(r.ackedAt!, tz)}）。</p>` : ''}
          ${open && r.mustAck && !arrived
            ? html`<p>到达${township}指挥部后请报到岗${r.arriveDeadline ? `（时限 ${localTimeText(r.arriveDeadline, tz)}）` : ''}。</p>
                <form method="post" id="arrive"><input type="hidden" name="action" value="arrive" /><input type="hidden" name="lat" /><input type="hidden" name="lon" />
                  <button type="submit" class="secondary">我已到岗</button></form>
                <script src="/board/assets/answer.js"></script>`
            : ''}
          ${arrived ? html`<p class="ok">已到岗（${localTimeText(r.arrivedAt!, tz)}${r.distanceM !== null ? `，距指挥部 ${r.distanceM} 米` : ''}）。</p>` : ''}
          <p class="muted">宁国市防汛值守 · 如有疑问请致电值班室</p>`,
      );
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      return c.html(body, status as 200);
    });
  }

  app.get('/a/:token', async (c) => {
    const found = await resolveLink(c);
    if ('error' in found) return c.html(page('链接无效', html`<h1>无法打开</h1><p>${found.error}</p>`).html, 404);
    return render(c, found.alert, found.recipient);
  });

  app.post('/a/:token', async (c) => {
    const found = await resolveLink(c);
    if ('error' in found) return c.html(page('链接无效', html`<h1>无法确认</h1><p>${found.error}</p>`).html, 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const action = form.action === 'arrive' ? 'arrive' : 'ack';
    try {
      if (action === 'arrive') {
        const lat = Number(form.lat);
        const lon = Number(form.lon);
        const where = form.lat && form.lon && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
        const { alert } = await svc.alerts.arrive(found.alert.id, found.recipient.personId, where);
        return render(c, alert, alert.recipients.find((r) => r.personId === found.recipient.personId)!, '已记录到岗。');
      }
      const { alert, outcome } = await svc.alerts.acknowledge(found.alert.id, found.recipient.personId, 'link');
      return render(c, alert, alert.recipients.find((r) => r.personId === found.recipient.personId)!, outcome === 'acked' ? '确认成功，谢谢。' : '此前已确认。');
    } catch (err) {
      if (err instanceof AlertError && err.code === 'alert_not_open') return render(c, found.alert, found.recipient);
      throw err;
    }
  });

  return app;
}
