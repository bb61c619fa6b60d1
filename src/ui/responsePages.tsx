import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Services } from '../services.js';
import type { Principal } from '../auth/credentials.js';
import { seesResponse } from '../auth/scope.js';
import { hasControl } from '../lib/text.js';
import { ResponseActError } from '../domain/responses/acts.js';
import { ResponseError } from '../responses/service.js';
import { levelText, localTimeText } from '../domain/wording.js';
import { boardData, Page } from './board.js';
import { ResponsePanel } from './boardParts.js';
import type { BoardEnv } from './routes.js';

const ACT_WORDS: Record<string, string> = {
  start: '启动',
  raise: '提升',
  lower: '降低',
  widen: '扩大范围',
  narrow: '缩小范围',
  renotice: '调整',
  end: '终止',
  superseded: '由新的响应接替',
};

/** Why a response act was refused, in the duty room's words. */
const RESPONSE_ERROR_WORDS: Record<string, string> = {
  not_found: '没有这项应急响应',
  not_active: '该应急响应已终止',
  unknown_township: '范围中有不存在的乡镇',
  empty_scope: '调整后的范围不能为空；要结束请终止响应',
  no_change: '级别和范围都未改变',
  conflict: '有人同时在操作，请重试',
};

interface BoardHelpers {
  signedIn: (html: boolean) => MiddlewareHandler<BoardEnv>;
  dutyAction: MiddlewareHandler<BoardEnv>;
  actor: (p: Principal) => string;
  oneLine: string;
  /** 204 for a fetch from board.js, else the redirect to `to`. */
  done: (c: Context, to?: string) => globalThis.Response;
}

/**
 * The board's HQ response pages: one response with its 到岗到位 and timeline
 * (/board/responses/:id; a leader sees only a response whose call-outs told them), and the
 * duty room's adjust and end forms (same-origin, duty or admin, one-line text only).
 */
export function responsePages(app: Hono<BoardEnv>, svc: Services, h: BoardHelpers): void {
  const responseAct = (act: 'end' | 'adjust') => async (c: Context<BoardEnv>) => {
    const form = await c.req.parseBody({ all: true });
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    if (!field('notice') || !field('reason')) return c.text('请填写文号和原因\n', 400);
    if (hasControl(field('notice')) || hasControl(field('reason'))) return c.text(h.oneLine, 400);
    const input = { noticeNumber: field('notice').slice(0, 100), reason: field('reason').slice(0, 1000) };
    try {
      if (act === 'end') await svc.responses.end(c.req.param('id')!, input, h.actor(c.get('staff')));
      else {
        const level = field('level');
        if (level && !['IV', 'III', 'II', 'I'].includes(level)) return c.text('级别无效\n', 400);
        const chosen = [form.townshipIds ?? []].flat().filter((v): v is string => typeof v === 'string' && v !== '');
        await svc.responses.adjust(
          c.req.param('id')!,
          { ...input, level: (level || undefined) as 'IV' | undefined, townships: chosen.includes('city') ? 'city' : chosen.length ? chosen : undefined },
          h.actor(c.get('staff')),
        );
      }
    } catch (err) {
      if (err instanceof ResponseActError || err instanceof ResponseError)
        return c.text(`${RESPONSE_ERROR_WORDS[err.code] ?? '操作失败，请重试'}\n`, err.code === 'not_found' ? 404 : 409);
      throw err;
    }
    return h.done(c, '/board#responses');
  };
  app.post('/board/responses/:id/end', h.signedIn(true), h.dutyAction, responseAct('end'));
  app.post('/board/responses/:id/adjust', h.signedIn(true), h.dutyAction, responseAct('adjust'));

  app.get('/board/responses/:id', h.signedIn(true), async (c) => {
    const staff = c.get('staff');
    const r = await svc.responses.get(c.req.param('id'));
    const callouts = r ? await svc.responses.callouts(r) : null;
    if (!r || !callouts || !seesResponse(staff, callouts.values()))
      return c.html(
        <Page title="应急响应" principal={staff}>
          <main>
            <p>没有这项应急响应。</p>
          </main>
        </Page>,
        404,
      );
    const data = await boardData(svc, staff);
    const tz = svc.config.levels.timezone;
    const canAct = staff.role === 'duty' || staff.role === 'admin';
    return c.html(
      <Page title={`${r.scope === 'city' ? '全市' : data.townshipName(r.townshipIds[0] ?? '')}防汛应急响应`} principal={staff}>
        <main>
          <section>
            <h2>
              {levelText(r.level)}应急响应 · {r.status === 'active' ? '执行中' : '已终止'}
            </h2>
            <p class="small">
              {r.noticeNumber}：{r.reason}
            </p>
            {r.status === 'active' && <ResponsePanel r={r} callouts={callouts} data={data} canAct={canAct} />}
            {r.status === 'active' && canAct && (
              <form method="post" action={`/board/responses/${encodeURIComponent(r.id)}/adjust`} class="small">
                调整：
                <select name="level">
                  <option value="">级别不变</option>
                  {['IV', 'III', 'II', 'I'].map((l) => (
                    <option value={l}>{levelText(l as 'I')}</option>
                  ))}
                </select>{' '}
                <select name="townshipIds" multiple size={4} aria-label="新的范围（不选则不变）">
                  <option value="city">全市</option>
                  {data.townships.map((t) => (
                    <option value={t.id} selected={r.townshipIds.includes(t.id)}>
                      {t.name}
                    </option>
                  ))}
                </select>{' '}
                <input type="text" name="notice" placeholder="文号" required maxlength={100} size={14} />{' '}
                <input type="text" name="reason" placeholder="原因" required maxlength={1000} size={12} /> <button type="submit">调整</button>
              </form>
            )}
          </section>
          <section>
            <h2>时间线</h2>
            <table>
              <tbody>
                {r.acts.map((a) => (
                  <tr>
                    <td class="small">{localTimeText(a.at, tz)}</td>
                    <td>{ACT_WORDS[a.type] ?? a.type}</td>
                    <td class="small">
                      {levelText(a.level)} {a.noticeNumber} {a.townshipIds.map(data.townshipName).join('、')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </main>
      </Page>,
    );
  });
}
