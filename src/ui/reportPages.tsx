import type { Hono, MiddlewareHandler } from 'hono';
import type { Services } from '../services.js';
import { Page } from './board.js';
import type { BoardEnv } from './routes.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * /board/daily/:date: the whole 日报 of a hydrological day, the page the SMS short form links to
 * (`全文：<publicUrl>/board/daily/2026-07-05`). Staff only, like the rest of the board.
 */
export function reportPages(app: Hono<BoardEnv>, svc: Services, signedIn: (html: boolean) => MiddlewareHandler<BoardEnv>): void {
  app.get('/board/daily/:date', signedIn(true), async (c) => {
    const date = c.req.param('date');
    const notice = DATE.test(date) ? await svc.notices.byKey(`daily-report:${date}`) : null;
    if (!notice) {
      return c.html(
        <Page title="防汛日报" principal={c.get('staff')}>
          <main>
            <p>没有这一天的防汛日报（日报于每日8时发出）。</p>
          </main>
        </Page>,
        404,
      );
    }
    return c.html(
      <Page title={notice.title} principal={c.get('staff')}>
        <main>
          <section class="daily-report">
            <h2>{notice.title}</h2>
            {notice.text.split('\n').map((line) => (
              <p>{line}</p>
            ))}
          </section>
        </main>
      </Page>,
    );
  });
}
