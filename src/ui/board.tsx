import type { FC } from 'hono/jsx';
import type { Services } from '../services.js';
import type { Alert, Recipient } from '../domain/alerts/index.js';
import { arrivalDoubts, evidenceText, localTimeText, STAFF_ROLE_WORDS } from '../domain/wording.js';
import { readStationViews } from '../http/routes/stations.js';
import type { Principal } from '../auth/credentials.js';
import { seesAlert, seesResponse } from '../auth/scope.js';
import type { Response } from '../domain/responses/model.js';
import { coverage } from '../domain/responses/acts.js';
import { levelRank, type Level } from '../domain/levels.js';

/**
 * The duty board (值班大屏), rendered on the server. Chinese for the duty room; no token is ever
 * rendered, deliveries show masked addresses only, and the one place with full phone numbers is
 * the 未应答 list of a duty officer or admin (they call those people).
 */
type StationRow = Awaited<ReturnType<typeof readStationViews>>[number];

/** What the board is filtered to: 全部 / 未解除 / 未应答 / 已结束, and one level or all. */
export type BoardView = 'all' | 'open' | 'unanswered' | 'ended';
export interface BoardFilter {
  view: BoardView;
  level: Level | null;
}

export function boardFilter(query: (k: string) => string | undefined): BoardFilter {
  const view = query('view');
  const level = query('level');
  return {
    view: view === 'open' || view === 'unanswered' || view === 'ended' ? view : 'all',
    level: level === 'I' || level === 'II' || level === 'III' || level === 'IV' ? level : null,
  };
}

/** One must-answer person not yet answered, on a warning or a response call-out. */
export interface UnansweredRow {
  alert: Alert;
  person: Recipient;
  township: string;
  deadline: number | null;
  /** Full number, only for a viewer who may act (duty, admin). */
  phone: string | null;
}

export interface TownshipView {
  id: string;
  name: string;
  level: Level | null;
  since: string | null;
  alertId: string | null;
  evidence: string;
  lat?: number;
  lon?: number;
  response: Level | null;
  stale: boolean;
}

export interface BoardData {
  now: number;
  tz: string;
  filter: BoardFilter;
  canAct: boolean;
  townships: TownshipView[];
  alerts: Alert[];
  /** Responses in force, each with its townships' call-outs (到岗到位). */
  responses: Array<{ response: Response; callouts: Map<string, Alert> }>;
  unanswered: UnansweredRow[];
  ended: { alerts: Alert[]; responses: Response[] };
  townshipName: (id: string) => string;
  personName: (id: string) => string;
  stations: StationRow[];
  duty: {
    current: Array<{ leader: string; officers: string[]; phone?: string; end: string }>;
    next: { leader: string; officers: string[]; start: string } | null;
  };
}

export const rank = (l: string | null | undefined) => (l ? levelRank(l as Level) : 0);

/** What the board shows `viewer`: a leader sees only the alerts and responses that notified them. */
export async function boardData(svc: Services, viewer: Principal, filter: BoardFilter = { view: 'all', level: null }): Promise<BoardData> {
  const ref = await svc.reference.snapshot();
  const now = svc.now();
  const tz = svc.config.levels.timezone;
  const ids = [...ref.townships.keys()].sort();
  const [rows, stations, stored] = await Promise.all([
    svc.townshipState.rows(ids),
    readStationViews(svc, [...ref.stations.values()]),
    svc.responses.store.active(),
  ]);
  const active = stored.map((x) => x.response).sort((a, b) => b.createdAt - a.createdAt);
  const covering = coverage(active);
  // A leader's panels show only the responses whose call-outs told them, as GET /v1/responses.
  const responses = (await Promise.all(active.map(async (r) => ({ response: r, callouts: await svc.responses.callouts(r) })))).filter((x) =>
    seesResponse(viewer, x.callouts.values()),
  );
  const stationName = (id: string) => ref.stations.get(id)?.name ?? id;
  const townships = rows.map((row): TownshipView => {
    const t = ref.townships.get(row.id)!;
    return {
      id: row.id,
      name: t.name,
      level: row.state?.level ?? null,
      since: row.since ? localTimeText(row.since, tz) : null,
      alertId: row.alertId,
      evidence: row.state ? evidenceText(row.state.reasons, stationName) : '',
      lat: t.commandPost?.lat,
      lon: t.commandPost?.lon,
      response: covering.get(row.id)?.level ?? null,
      stale: stations.some((st) => st.townshipId === row.id && Boolean((st as { stale?: unknown }).stale)),
    };
  });
  // Graver first: the higher of response and warning, then the warning, then the name.
  townships.sort(
    (a, b) =>
      Math.max(rank(b.response), rank(b.level)) - Math.max(rank(a.response), rank(a.level)) ||
      rank(b.level) - rank(a.level) ||
      a.name.localeCompare(b.name, 'zh-CN'),
  );
  const open = await svc.alerts.store.openAlertIds(ids);
  const alerts = (await svc.alerts.store.getMany([...open.values()]))
    .filter((a) => seesAlert(viewer, a))
    .sort((a, b) => rank(b.level) - rank(a.level) || b.raisedAt - a.raisedAt);
  if (viewer.role === 'leader') {
    const visible = new Set(alerts.map((a) => a.id));
    for (const t of townships) if (t.alertId && !visible.has(t.alertId)) t.alertId = null;
  }
  const canAct = viewer.role === 'duty' || viewer.role === 'admin';
  const townshipName = (id: string) => ref.townships.get(id)?.name ?? id;
  const phoneOf = (id: string) => ref.people.get(id)?.contacts.find((c) => c.channel === 'sms' || c.channel === 'voice')?.to ?? null;
  const unanswered = [...alerts, ...responses.flatMap((x) => [...x.callouts.values()])]
    .filter((a) => a.status === 'open')
    .flatMap((a) =>
      a.recipients
        .filter((r) => r.mustAck && r.ackedAt === null && r.arrivedAt === null)
        .map(
          (r): UnansweredRow => ({
            alert: a,
            person: r,
            township: townshipName(a.townshipId),
            deadline: r.ackDeadline,
            phone: canAct ? phoneOf(r.personId) : null,
          }),
        ),
    )
    .sort((a, b) => (a.deadline ?? Infinity) - (b.deadline ?? Infinity) || a.township.localeCompare(b.township, 'zh-CN'));
  const ended = filter.view === 'ended' ? await endedItems(svc, viewer, ids) : { alerts: [], responses: [] };
  const person = (id: string) => ref.people.get(id)?.name ?? id;
  const current = ref.shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
  const next = ref.shifts.find((s) => Date.parse(s.start) > now);
  return {
    now,
    tz,
    filter,
    canAct,
    townships,
    alerts,
    responses,
    unanswered,
    ended,
    townshipName,
    personName: (id) => ref.people.get(id)?.name ?? (id.includes(':') ? (STAFF_ROLE_WORDS[id.split(':')[0]!] ?? '工作人员') : id),
    stations,
    duty: {
      current: current.map((s) => ({
        leader: person(s.leaderId),
        officers: s.officerIds.map(person),
        phone: s.phone,
        end: localTimeText(Date.parse(s.end), tz),
      })),
      next: next ? { leader: person(next.leaderId), officers: next.officerIds.map(person), start: localTimeText(Date.parse(next.start), tz) } : null,
    },
  };
}

/** Resolved warnings and ended responses, newest first (已结束). */
async function endedItems(svc: Services, viewer: Principal, ids: string[]): Promise<BoardData['ended']> {
  const alerts = (await svc.alerts.store.getMany(await svc.alerts.store.list(ids, 50))).filter((a) => a.status === 'resolved' && seesAlert(viewer, a));
  const responses: Response[] = [];
  for (const r of await svc.responses.store.list(50)) {
    if (r.status !== 'ended') continue;
    if (viewer.role === 'leader' && !seesResponse(viewer, (await svc.responses.callouts(r)).values())) continue;
    responses.push(r);
  }
  return { alerts: alerts.sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0)), responses: responses.sort((a, b) => (b.endedAt ?? 0) - (a.endedAt ?? 0)) };
}

export function personState(
  r: Recipient,
  now: number,
  townshipName?: (id: string) => string,
): { label: string; cls: string; deadline: number | null; doubts?: string } {
  // An arrival far from the post, without a location or at several posts is not shown as a plain 已到岗.
  if (r.arrivedAt !== null && r.arrival?.flagged)
    return { label: '到岗存疑', cls: 'state-doubt', deadline: null, doubts: arrivalDoubts(r.arrival, townshipName).join('，') };
  if (r.arrivedAt !== null) return { label: '已到岗', cls: 'state-arrived', deadline: null };
  if (r.ackedAt !== null) return { label: '已确认', cls: 'state-acked', deadline: r.arriveDeadline };
  if (r.mustAck && r.ackDeadline !== null && now > r.ackDeadline) return { label: '超时未确认', cls: 'state-overdue', deadline: r.ackDeadline };
  return { label: r.mustAck ? '已通知' : '仅告知', cls: r.mustAck ? 'state-notified' : 'state-informed', deadline: r.mustAck ? r.ackDeadline : null };
}

/** 剩余12分5秒 / 已超时1小时44分, as board.js keeps ticking it. */
export function countdownText(deadline: number, now: number): string {
  const left = Math.round((deadline - now) / 1000);
  return left <= 0 ? `已超时 ${durationText(-left)}` : `剩余 ${durationText(left)}`;
}

function durationText(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h) return `${h}小时${m ? `${m}分` : ''}`;
  return `${m ? `${m}分` : ''}${s % 60}秒`;
}

export const Countdown: FC<{ deadline: number; now: number }> = ({ deadline, now }) => (
  <span class={deadline <= now ? 'countdown state-overdue' : 'countdown'} data-deadline={String(deadline)}>
    {countdownText(deadline, now)}
  </span>
);

/** `extra`: the pages of the sign-in and the roster add their own stylesheet and script (duty.css, roster.js). */
export const Page: FC<{ title: string; principal?: Principal | null; children?: unknown; extra?: boolean }> = ({ title, principal, children, extra }) => (
  <html lang="zh-CN">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title}</title>
      <link rel="stylesheet" href="/board/assets/board.css" />
      <link rel="icon" href="/board/assets/favicon.svg" type="image/svg+xml" />
      {extra && <link rel="stylesheet" href="/board/assets/duty.css" />}
    </head>
    <body>
      <div id="banner">连接中断，正在重连…</div>
      <div id="toast" role="status" aria-live="polite"></div>
      <header>
        <h1>
          <a href="/board" class="home">
            防汛值守
          </a>{' '}
          · {title}
        </h1>
        {principal && (
          <span class="who">
            {principal.name ?? principal.personId ?? STAFF_ROLE_WORDS[principal.role] ?? ''}（{STAFF_ROLE_WORDS[principal.role] ?? '工作人员'}）{' '}
            <a href="/board/roster">值班表</a>{' '}
            <form method="post" action="/board/logout">
              <button type="submit">退出</button>
            </form>
          </span>
        )}
      </header>
      {children}
      <script src="/board/assets/board.js"></script>
      {extra && <script src="/board/assets/roster.js"></script>}
    </body>
  </html>
);
