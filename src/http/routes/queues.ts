import { Hono, type MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { serveStatic } from '@hono/node-server/serve-static';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import type { HttpServices } from '../../services.js';
import { crossSite } from '../origin.js';

/**
 * bull-board at /admin/queues, for admins only (Bearer token, or the board's sign-in
 * cookie of an admin): the queues' jobs, retries and failures, with the UI's assets served
 * from the installed package.
 */
export function queueDashboard(svc: HttpServices): Hono {
  const base = '/admin/queues';
  const adapter = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: svc.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: false })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'fangxun queues' } },
  });
  adapter.setBasePath(base);
  const adminOnly: MiddlewareHandler = async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const cookie = getCookie(c, 'fx_board');
    const p = bearer ? await svc.credentials.resolve(bearer) : cookie ? await svc.sessions.principal(cookie) : null;
    if (!p)
      return c.json(
        { error: { code: 'unauthorized', message: 'Sign in at /board/login with an admin token, or send Authorization: Bearer <admin token>', details: null } },
        401,
      );
    if (p.role !== 'admin')
      return c.json({ error: { code: 'forbidden', message: `The queue dashboard is for admins; your token has the role ${p.role}`, details: null } }, 403);
    // Retrying, promoting, cleaning or removing jobs: only from the dashboard's own pages.
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && crossSite(c, svc.config.policy.publicUrl)) {
      return c.json(
        {
          error: {
            code: 'forbidden',
            message: 'Queue changes must come from the dashboard itself (same origin); cross-site requests are refused',
            details: null,
          },
        },
        403,
      );
    }
    await next();
  };
  const app = new Hono();
  app.use(base, adminOnly);
  app.use(`${base}/*`, adminOnly);
  app.get(`${base}/`, (c) => c.redirect(base, 302));
  app.route(base, adapter.registerPlugin());
  return app;
}
