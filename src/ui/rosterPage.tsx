import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Services } from '../services.js';
import type { Principal } from '../auth/credentials.js';
import type { Shift } from '../reference/schema.js';
import type { ReferenceSnapshot } from '../reference/store.js';
import { RosterError, type ImportOutcome } from '../roster/service.js';
import { findGaps, type Gap } from '../roster/gaps.js';
import { localParts, localToInstant } from '../domain/hydroDay.js';
import { localTimeText } from '../domain/wording.js';
import { actorOf } from '../store/audit.js';
import { crossSite } from '../http/origin.js';
import { Page } from './board.js';
import type { BoardEnv } from './routes.js';

/**
 * /board/roster: the month's 值班表 (带班领导, 值班员, 值班电话 per day, gaps marked) for staff;
 * administrators upload the monthly CSV (a dry run shown row by row, then the import), duty
 * officers and administrators swap a person on a shift or exchange two people's shifts, and everyone with a person copies a
 * personal calendar address (a calendar-only token). Cards instead of a table under 600 px.
 */
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const MISSING: Record<string, string> = { 'shift-leader': '缺带班领导', 'duty-officer': '缺值班员' };
const CHANGE: Record<string, string> = { created: '新增', updated: '更新', unchanged: '不变' };
const REFUSED: Record<RosterError['code'], string> = {
  roster_rejected: '值班表未导入',
  not_found: '没有这个班次',
  unknown_person: '没有这个人员',
  not_on_shift: '换下的人员不在这个班次上',
  already_on_shift: '换上的人员已在这个班次上',
  version_mismatch: '该班次刚被他人修改，请刷新后重试',
  already_exists: '该班次已存在',
};

interface Month {
  year: number;
  month: number;
  key: string;
}
function monthOf(raw: string | undefined, now: number, tz: string): Month {
  const m = /^(\d{4})-(\d{2})$/.exec(raw ?? '');
  const here = localParts(now, tz);
  const [year, month] = m && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? [Number(m[1]), Number(m[2])] : [here.year, here.month];
  return { year, month, key: `${year}-${String(month).padStart(2, '0')}` };
}
const shiftMonth = (m: Month, by: number): string => {
  const d = new Date(Date.UTC(m.year, m.month - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

/** `7月1日 周三`: the local date a shift or day starts on. */
function dayLabel(t: number, tz: string): string {
  const d = localParts(t, tz);
  return `${d.month}月${d.day}日 周${WEEKDAYS[new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()]}`;
}

interface DayRow {
  day: number;
  label: string;
  start: number;
  shift: Shift | undefined;
  missing: string[];
  today: boolean;
}
function monthRows(m: Month, ref: ReferenceSnapshot, tz: string, startHour: number, now: number): DayRow[] {
  const days = new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
  // localToInstant takes day and month past their end (Date.UTC does): day 32 is the next month's 1st.
  const gaps: Gap[] = findGaps(ref.shifts, localToInstant(m.year, m.month, 1, startHour, tz), localToInstant(m.year, m.month, days + 1, startHour, tz));
  return Array.from({ length: days }, (_, i) => {
    const start = localToInstant(m.year, m.month, i + 1, startHour, tz);
    const stop = localToInstant(m.year, m.month, i + 2, startHour, tz);
    const shift = ref.shifts.find((s) => Date.parse(s.start) <= start && start < Date.parse(s.end));
    const missing = [...new Set(gaps.filter((g) => g.from < stop && g.to > start).flatMap((g) => g.missing))].sort().reverse();
    return { day: i + 1, label: dayLabel(start, tz), start, shift, missing, today: start <= now && now < stop };
  });
}

function MonthTable(p: { rows: DayRow[]; name: (id: string) => string; canSwap: boolean }) {
  return (
    <table class="cards month" id="month">
      <thead>
        <tr>
          <th>日期</th>
          <th>带班领导</th>
          <th>值班员</th>
          <th>值班电话</th>
          <th>状态</th>
          {p.canSwap && <th>换班</th>}
        </tr>
      </thead>
      <tbody>
        {p.rows.map((r) => (
          <tr class={[r.missing.length ? 'gap' : '', r.today ? 'today' : ''].filter(Boolean).join(' ')} data-day={String(r.day)}>
            <td class="date" data-label="日期">
              {r.label}
            </td>
            <td class={r.shift ? 'name' : 'name empty'} data-label="带班领导">
              {r.shift ? p.name(r.shift.leaderId) : '—'}
            </td>
            <td class={r.shift ? 'name' : 'name empty'} data-label="值班员">
              {r.shift ? r.shift.officerIds.map(p.name).join('、') : '—'}
            </td>
            <td class={r.shift?.phone ? 'phone' : 'phone empty'} data-label="值班电话">
              {r.shift?.phone ? <a href={`tel:${r.shift.phone}`}>{r.shift.phone}</a> : '—'}
            </td>
            <td class="state" data-label="状态">
              {r.missing.length ? <span class="gap-mark">{r.missing.length === 2 ? '无人值班' : r.missing.map((x) => MISSING[x]).join('、')}</span> : '已排班'}
            </td>
            {p.canSwap && (
              <td class={r.shift ? 'swap' : 'swap empty'} data-label="换班">
                {r.shift ? <a href={`/board/roster/swap/${encodeURIComponent(r.shift.id)}`}>换班</a> : ''}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DryRun(p: { out: ImportOutcome; csv: string; year: number; name: (id: string) => string; tz: string }) {
  const bad = p.out.problems.length > 0;
  const header = p.out.rows.filter((r) => r.row === 1);
  return (
    <section id="dry-run">
      <h2>导入预览（尚未导入）</h2>
      <p>
        新增 {p.out.counts.created} 天，更新 {p.out.counts.updated} 天，不变 {p.out.counts.unchanged} 天
        {bad ? `；${p.out.problems.length} 处问题，修改表格后重新上传` : ''}。
      </p>
      {header.map((r) => (
        <p class="error">{r.problems.map((x) => x.text).join('；')}</p>
      ))}
      <table class="cards rows">
        <thead>
          <tr>
            <th>行</th>
            <th>日期</th>
            <th>带班领导</th>
            <th>值班员</th>
            <th>值班电话</th>
            <th>结果</th>
          </tr>
        </thead>
        <tbody>
          {p.out.rows
            .filter((r) => r.row > 1)
            .map((r) => (
              <tr class={r.problems.length ? 'row-error' : 'row-ok'} data-row={String(r.row)}>
                <td data-label="行">第{r.row}行</td>
                <td class="date" data-label="日期">
                  {r.shift ? dayLabel(Date.parse(r.shift.start), p.tz) : (r.cells[0] ?? '')}
                </td>
                <td class="name" data-label="带班领导">
                  {r.shift ? p.name(r.shift.leaderId) : (r.cells[1] ?? '')}
                </td>
                <td class="name" data-label="值班员">
                  {r.shift ? r.shift.officerIds.map(p.name).join('、') : (r.cells[2] ?? '')}
                </td>
                <td class="phone" data-label="值班电话">
                  {r.shift?.phone ?? r.cells[3] ?? ''}
                </td>
                <td data-label="结果">
                  {r.problems.length ? (
                    <ul class="problems">
                      {r.problems.map((x) => (
                        <li>{x.text}</li>
                      ))}
                    </ul>
                  ) : (
                    <span class="change">{CHANGE[r.change ?? ''] ?? ''}</span>
                  )}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {p.out.gaps.length > 0 && (
        <div id="import-gaps">
          <h3>导入后仍缺人的时段</h3>
          <ul>
            {p.out.gaps.map((g) => (
              <li class="gap-mark">
                {localTimeText(g.from, p.tz)} 至 {localTimeText(g.to, p.tz)}：
                {g.missing.length === 2 ? '无人值班' : g.missing.map((x) => MISSING[x]).join('、')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {!bad && p.out.shifts.length > 0 && (
        <form method="post" action="/board/roster/import" class="inline">
          <textarea name="csv" hidden>
            {p.csv}
          </textarea>
          <input type="hidden" name="year" value={String(p.year)} />
          <input type="hidden" name="commit" value="1" />
          <button type="submit" class="primary" id="commit-import">
            确认导入
          </button>{' '}
          <a href="/board/roster">取消</a>
        </form>
      )}
    </section>
  );
}

export function rosterPages(app: Hono<BoardEnv>, svc: Services, signedIn: (html: boolean) => MiddlewareHandler<BoardEnv>): void {
  const tz = svc.config.levels.timezone;
  const startHour = svc.config.levels.dayStartHour;
  const may = (p: Principal, ...roles: string[]) => roles.includes(p.role);
  const audit = (c: Context<BoardEnv>) => ({ ...actorOf(c.get('staff')), requestId: c.get('requestId') });
  /** Changes: the right role and the same origin (the cookie is SameSite=Strict as well). */
  const change =
    (...roles: string[]): MiddlewareHandler<BoardEnv> =>
    async (c, next) => {
      if (!may(c.get('staff'), ...roles)) return c.text(roles.includes('duty') ? '只有值班人员和管理员可以换班\n' : '只有管理员可以导入值班表\n', 403);
      if (crossSite(c, svc.config.policy.publicUrl)) return c.text('cross-site request refused\n', 403);
      await next();
    };

  const page = async (
    c: Context<BoardEnv>,
    extra: { notice?: string; error?: string; dryRun?: unknown; calendarUrl?: string; month?: string } = {},
    status: 200 | 400 | 403 | 404 | 409 | 412 | 422 = 200,
  ) => {
    const staff = c.get('staff');
    const m = monthOf(extra.month ?? c.req.query('month'), svc.now(), tz);
    const ref = await svc.reference.snapshot();
    const name = (id: string) => ref.people.get(id)?.name ?? id;
    const rows = monthRows(m, ref, tz, startHour, svc.now());
    const gapDays = rows.filter((r) => r.missing.length).length;
    return c.html(
      <Page title="值班表" principal={staff} extra>
        <main class="roster">
          {extra.notice && (
            <p class="notice" role="status">
              {extra.notice}
            </p>
          )}
          {extra.error && (
            <p class="error" role="alert">
              {extra.error}
            </p>
          )}
          {extra.dryRun}
          <div class="month-nav">
            <a href={`/board/roster?month=${shiftMonth(m, -1)}`}>‹ 上月</a>
            <h2>
              {m.year}年{m.month}月值班表
            </h2>
            <a href={`/board/roster?month=${shiftMonth(m, 1)}`}>下月 ›</a>
            <span class={gapDays ? 'gap-mark' : 'muted'} id="gap-count">
              {gapDays ? `${gapDays}天缺人` : '全月已排班'}
            </span>
          </div>
          <MonthTable rows={rows} name={name} canSwap={may(staff, 'duty', 'admin')} />
          {may(staff, 'admin') && (
            <section id="upload">
              <h2>上传月度值班表</h2>
              <p class="small muted">CSV 文件（UTF-8 或 GB18030），列：日期, 带班领导, 值班员, 值班电话。上传后先预览，确认后才导入。</p>
              <form method="post" action="/board/roster/import" enctype="multipart/form-data" class="inline">
                <input type="file" name="file" accept=".csv,text/csv" required />
                <input type="hidden" name="year" value={String(m.year)} />
                <button type="submit" id="upload-preview">
                  预览
                </button>
              </form>
            </section>
          )}
          {staff.personId && (
            <section id="calendar">
              <h2>我的值班日历</h2>
              {extra.calendarUrl ? (
                <div class="inline">
                  <input class="calendar-url" id="calendar-url" type="text" readonly value={extra.calendarUrl} />
                  <button type="button" id="copy-calendar" data-copy="calendar-url">
                    复制
                  </button>
                  <p class="small muted">在手机日历中“添加订阅日历”并粘贴此地址；它只能查看您本人的值班，不能登录。</p>
                </div>
              ) : (
                <form method="post" action="/board/roster/calendar" class="inline">
                  <button type="submit" id="make-calendar">
                    生成日历订阅地址
                  </button>
                </form>
              )}
            </section>
          )}
        </main>
      </Page>,
      status,
    );
  };

  app.get('/board/roster', signedIn(true), (c) =>
    page(c, { notice: c.req.query('done') ? '值班表已导入。' : c.req.query('swapped') ? '已调整，双方已收到通知。' : undefined }),
  );

  app.post('/board/roster/import', signedIn(true), change('admin'), async (c) => {
    const form = await c.req.parseBody();
    const year = Number(form.year) >= 2000 && Number(form.year) <= 2100 ? Number(form.year) : undefined;
    const commit = form.commit === '1' && typeof form.csv === 'string';
    const bytes =
      form.file instanceof File ? new Uint8Array(await form.file.arrayBuffer()) : typeof form.csv === 'string' ? new TextEncoder().encode(form.csv) : null;
    if (!bytes || bytes.length === 0) return page(c, { error: '请选择要上传的值班表 CSV 文件。' }, 400);
    let out: ImportOutcome;
    try {
      out = await svc.roster.importCsv(bytes, { dryRun: !commit, year }, audit(c));
    } catch (err) {
      if (err instanceof RosterError) return page(c, { error: REFUSED[err.code] }, 422);
      throw err;
    }
    const first = out.shifts[0]?.record.start.slice(0, 7);
    if (commit && out.problems.length === 0 && out.shifts.length > 0) return c.redirect(`/board/roster?month=${first}&done=1`, 303);
    const ref = await svc.reference.snapshot();
    // The file as text again (a GB18030 file too), carried by the confirm form: the import re-checks it all.
    const csv = new TextDecoder(out.encoding).decode(bytes);
    const text = out.shifts.length === 0 && out.problems.length === 0 ? '文件中没有值班记录（应有标题行和每天一行）。' : undefined;
    return page(
      c,
      {
        month: first,
        error: text,
        dryRun: <DryRun out={out} csv={csv} year={year ?? new Date(svc.now()).getUTCFullYear()} name={(id) => ref.people.get(id)?.name ?? id} tz={tz} />,
      },
      out.problems.length ? 422 : 200,
    );
  });

  app.get('/board/roster/swap/:id', signedIn(true), async (c) => {
    const ref = await svc.reference.snapshot();
    const shift = ref.shifts.find((s) => s.id === c.req.param('id'));
    if (!shift) return page(c, { error: REFUSED.not_found }, 404);
    const name = (id: string) => ref.people.get(id)?.name ?? id;
    const people = [...ref.people.values()].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'));
    // Shifts to exchange with (换班): a month either side; the other person must be on the one chosen.
    const around = (s: Shift) => Math.abs(Date.parse(s.start) - Date.parse(shift.start)) <= 31 * 86_400_000;
    const nearby = ref.shifts.filter((s) => s.id !== shift.id && around(s)).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    return c.html(
      <Page title="换班" principal={c.get('staff')} extra>
        <main class="roster">
          <h2>
            换班：{dayLabel(Date.parse(shift.start), tz)} {localTimeText(Date.parse(shift.start), tz).slice(-5)} 至 {dayLabel(Date.parse(shift.end), tz)}{' '}
            {localTimeText(Date.parse(shift.end), tz).slice(-5)}
          </h2>
          <form method="post" action={`/board/roster/swap/${encodeURIComponent(shift.id)}`} id="swap-form">
            <fieldset>
              <legend>换下</legend>
              {[shift.leaderId, ...shift.officerIds].map((id, i) => (
                <label class="choice">
                  <input type="radio" name="from" value={id} required checked={i === 0} /> {name(id)}（{i === 0 ? '带班领导' : '值班员'}）
                </label>
              ))}
            </fieldset>
            <label>
              换上{' '}
              <select name="to" required id="swap-to">
                {people.map((p) => (
                  <option value={p.id}>
                    {p.name}
                    {p.title ? `（${p.title}）` : ''}
                  </option>
                ))}
              </select>
            </label>
            <label>
              与对方换班（可选）
              <select name="withShift" id="swap-with">
                <option value="">不换班，仅由对方替班</option>
                {nearby.map((s) => (
                  <option value={s.id}>
                    {dayLabel(Date.parse(s.start), tz)}：带班 {name(s.leaderId)}，值班 {s.officerIds.map(name).join('、')}
                  </option>
                ))}
              </select>
            </label>
            <label>
              原因 <input type="text" name="reason" maxlength={500} placeholder="如：调休" />
            </label>
            <button type="submit" class="primary" id="swap-submit">
              确认换班
            </button>{' '}
            <a href={`/board/roster?month=${shift.start.slice(0, 7)}`}>取消</a>
          </form>
        </main>
      </Page>,
    );
  });

  app.post('/board/roster/swap/:id', signedIn(true), change('duty', 'admin'), async (c) => {
    const form = await c.req.parseBody();
    const str = (k: string) => (typeof form[k] === 'string' ? (form[k] as string).trim() : '');
    const reason = str('reason');
    if (/[\u0000-\u001f\u007f]/.test(reason)) return page(c, { error: '原因不能包含换行或控制字符' }, 400);
    try {
      const withShift = str('withShift');
      const out = await svc.roster.swap(
        c.req.param('id'),
        { from: str('from'), to: str('to'), ...(reason ? { reason: reason.slice(0, 500) } : {}), ...(withShift ? { withShift } : {}) },
        audit(c),
      );
      return c.redirect(`/board/roster?month=${out.shift.start.slice(0, 7)}&swapped=1`, 303);
    } catch (err) {
      if (err instanceof RosterError)
        return page(c, { error: REFUSED[err.code] }, err.code === 'not_found' ? 404 : err.code === 'version_mismatch' ? 412 : 409);
      throw err;
    }
  });

  app.post('/board/roster/calendar', signedIn(true), async (c) => {
    const staff = c.get('staff');
    if (crossSite(c, svc.config.policy.publicUrl)) return c.text('cross-site request refused\n', 403);
    if (!staff.personId) return page(c, { error: '当前账号未关联人员，无法生成个人值班日历。' }, 400);
    return page(c, { calendarUrl: await svc.roster.calendarLink(staff.personId, audit(c)) });
  });
}
