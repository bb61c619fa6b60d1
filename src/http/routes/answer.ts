import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { AlertError } from '../../alerts/service.js';
import type { Alert, Recipient } from '../../domain/alerts/index.js';
import { answerPage, shell, type AnswerItem } from '../../ui/answerPage.js';

/**
 * The personal answer link `/a/<token>` carried by every message. GET only shows the page
 * (chat apps fetch links to preview them, so a GET must never acknowledge); the buttons
 * POST. The signed link of any one item opens the person's combined page: all their open
 * items, each answered (and recorded, in its own alert's timeline and ledger) on its own or
 * all at once. A POST naming an item acts only on an item of the link's own person.
 */
const REFUSED: Record<string, string> = {
  malformed: '链接不完整，可能在转发或复制时被截断。请在短信中点开完整链接，或直接回复短信“1”确认收到；仍有问题请致电值班室。',
  forged: '链接无效。',
  expired: '链接已过期，请联系值班室。',
};

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

  /** The link's own item first (open or not), then the person's other open items, newest first. */
  async function render(c: Context<AppEnv>, linked: Alert, personId: string, notice?: string) {
    const ref = await svc.reference.snapshot();
    const others = (await svc.alerts.openFor(personId)).filter((a) => a.id !== linked.id);
    const stationName = (id: string) => ref.stations.get(id)?.name ?? id;
    const items: AnswerItem[] = [linked, ...others].flatMap((alert) => {
      const recipient = alert.recipients.find((r: Recipient) => r.personId === personId);
      const township = ref.townships.get(alert.townshipId);
      return recipient ? [{ alert, recipient, townshipName: township?.name ?? alert.townshipId, commandPost: township?.commandPost ?? null, stationName }] : [];
    });
    const now = svc.now();
    const dutyPhones = [...new Set(ref.shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end) && s.phone).map((s) => s.phone!))];
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(answerPage({ items, dutyPhones, timeZone: svc.config.levels.timezone, notice, townshipName: (id) => ref.townships.get(id)?.name ?? id }));
  }

  app.get('/a/:token', async (c) => {
    const found = await resolveLink(c);
    if ('error' in found) return c.html(shell('链接无效', html`<h1>无法打开</h1><p>${found.error}</p>`), 404);
    return render(c, found.alert, found.recipient.personId);
  });

  app.post('/a/:token', async (c) => {
    const found = await resolveLink(c);
    if ('error' in found) return c.html(shell('链接无效', html`<h1>无法确认</h1><p>${found.error}</p>`), 403);
    const personId = found.recipient.personId;
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const action = form.action === 'arrive' ? 'arrive' : form.action === 'ack-all' ? 'ack-all' : 'ack';
    // Another item than the link's: only one that told this same person.
    const alertId = typeof form.alert === 'string' && form.alert ? form.alert : found.alert.id;
    try {
      if (action === 'ack-all') {
        let acked = 0;
        for (const a of await svc.alerts.openFor(personId)) {
          if (a.recipients.find((r) => r.personId === personId)?.ackedAt !== null) continue;
          const res = await svc.alerts.acknowledge(a.id, personId, 'link').catch((err: unknown) => {
            if (err instanceof AlertError && err.code === 'alert_not_open') return null;
            throw err;
          });
          if (res?.outcome === 'acked') acked++;
        }
        return render(c, found.alert, personId, acked ? `已确认 ${acked} 项，谢谢。` : '此前均已确认。');
      }
      if (action === 'arrive') {
        const lat = Number(form.lat);
        const lon = Number(form.lon);
        const where = form.lat && form.lon && Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
        await svc.alerts.arrive(alertId, personId, where);
        return render(c, found.alert, personId, '已记录到岗。');
      }
      const { outcome } = await svc.alerts.acknowledge(alertId, personId, 'link');
      return render(c, found.alert, personId, outcome === 'acked' ? '确认成功，谢谢。' : '此前已确认。');
    } catch (err) {
      if (err instanceof AlertError && (err.code === 'alert_not_open' || err.code === 'not_found' || err.code === 'not_recipient')) {
        if (alertId !== found.alert.id && err.code !== 'alert_not_open')
          return c.html(shell('无法确认', html`<h1>无法确认</h1><p>该事项不属于本链接的接收人。</p>`), 403);
        return render(c, found.alert, personId);
      }
      throw err;
    }
  });

  return app;
}
