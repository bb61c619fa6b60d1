import { Hono } from 'hono';
import type { Services } from '../../services.js';
import { requireRole, type AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { STAFF_ROLES } from '../../auth/credentials.js';
import { seesAlert } from '../../auth/scope.js';
import { capEvents, capMessages, capXml, xmlEscape } from '../../alerts/cap.js';
import { feedAlerts } from '../../alerts/capFeed.js';
import type { Alert } from '../../domain/alerts/index.js';

/** CAP 1.2 for public warning systems: one alert, and an Atom feed of the open and recently ended ones. */
export function capRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.use('/v1/cap/*', requireRole(...STAFF_ROLES));

  const cap = svc.config.policy.cap;

  const render = async (alert: Alert) => {
    const ref = await svc.reference.snapshot();
    const t = ref.townships.get(alert.townshipId);
    const events = capEvents(alert);
    const messages = capMessages(events, await svc.capNumbers.forSeries(cap.sender, `alert:${alert.id}`, events.length), cap);
    return capXml(
      alert,
      messages,
      { id: alert.townshipId, name: t?.name ?? alert.townshipId, commandPost: t?.commandPost ?? null },
      (id) => ref.stations.get(id)?.name ?? id,
      svc.config.policy,
      svc.config.policy.publicUrl,
    );
  };

  app.get('/v1/alerts/:id/cap.xml', async (c) => {
    const stored = await svc.alerts.store.get(c.req.param('id'));
    const p = c.get('principal')!;
    if (!stored || !seesAlert(p, stored.alert)) {
      throw new ApiError(404, 'not_found', `No alert with id "${c.req.param('id')}"`);
    }
    c.header('Content-Type', 'application/cap+xml; charset=utf-8');
    return c.body(await render(stored.alert));
  });

  app.get('/v1/cap/alerts.xml', async (c) => {
    const ref = await svc.reference.snapshot();
    const p = c.get('principal')!;
    // A leader's feed holds only the warnings and response call-outs that notified them.
    const alerts = (await feedAlerts(svc.alerts.store, [...ref.townships.keys()], svc.now() - cap.keepCancelFor)).filter((a) => seesAlert(p, a));
    const base = svc.config.policy.publicUrl.replace(/\/$/, '');
    const entries = await Promise.all(
      alerts.map(async (a) => {
        const xml = (await render(a)).replace(/^<\?xml[^>]*>\s*/, '');
        const name = ref.townships.get(a.townshipId)?.name ?? a.townshipId;
        return `  <entry>
    <id>${xmlEscape(`${base}/v1/alerts/${encodeURIComponent(a.id)}`)}</id>
    <title>${xmlEscape(`${name} ${a.kind === 'response' ? '防汛应急响应' : '防汛预警'}${a.status === 'resolved' ? (a.kind === 'response' ? '终止' : '解除') : ` ${a.level}`}`)}</title>
    <updated>${new Date(a.updatedAt).toISOString()}</updated>
    <link rel="alternate" type="application/cap+xml" href="${xmlEscape(`${base}/v1/alerts/${encodeURIComponent(a.id)}/cap.xml`)}"/>
    <content type="application/cap+xml">
${xml.replace(/^/gm, '      ')}
    </content>
  </entry>`;
      }),
    );
    c.header('Content-Type', 'application/atom+xml; charset=utf-8');
    return c.body(`<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xmlEscape(`${base}/v1/cap/alerts.xml`)}</id>
  <title>${xmlEscape(`${svc.config.policy.cap.senderName} 防汛应急响应`)}</title>
  <updated>${new Date(alerts[0]?.updatedAt ?? svc.now()).toISOString()}</updated>
  <author><name>${xmlEscape(svc.config.policy.cap.senderName)}</name></author>
${entries.join('\n')}
</feed>
`);
  });
  return app;
}
