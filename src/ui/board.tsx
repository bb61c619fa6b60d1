import type { FC } from 'hono/jsx';
import type { Services } from '../services.js';
import type { Alert, Recipient } from '../domain/alerts.js';
import { townshipWarning } from '../store/townshipWarning.js';
import { evidenceText, levelText, localTimeText, ROLE_WORDS, STAFF_ROLE_WORDS } from '../domain/wording.js';
import { readStationViews } from '../http/routes/stations.js';
import type { Principal } from '../auth/credentials.js';
import { seesAlert, seesResponse } from '../auth/scope.js';
import { batch } from '../store/batch.js';
import type { Response } from '../domain/responses/model.js';
import { coverage } from '../domain/responses/acts.js';

/**
 * The duty board (值班大屏), rendered on the server. Chinese for the duty room; no token and
 * no phone number is ever rendered (deliveries show masked addresses only).
 */
type StationRow = Awaited<ReturnType<typeof readStationViews>>[number];

export interface BoardData {
  now: number;
  tz: string;
  townships: Array<{ id: string; name: string; level: string | null; since: string | null; alertId: string | null; evidence: string; lat?: number; lon?: number; response: string | null; stale: boolean }>;
  alerts: Alert[];
  /** Responses in force, each with its townships' call-outs (到岗到位). */
  responses: Array<{ response: Response; callouts: Map<string, Alert> }>;
  townshipName: (id: string) => string;
  stations: StationRow[];
  duty: { current: Array<{ leader: string; officers: string[]; phone?: string; end: string }>; next: { leader: string; officers: string[]; start: string } | null };
}

/** What the board shows `viewer`: a leader sees only the alerts and responses that notified them. */
export async function boardData(svc: Services, viewer: Principal): Promise<BoardData> {
  const ref = await svc.reference.snapshot();
  const now = svc.now();
  const ids = [...ref.townships.keys()].sort();
  const pipe = batch(svc.redis);
  for (const id of ids) pipe.hmget(svc.keys.township(id), 'state', 'since', 'alert');
  for (const id of ids) pipe.hgetall(svc.keys.outsideWarnings(id));
  const replies = (await pipe.exec()) ?? [];
  const stations = await readStationViews(svc, [...ref.stations.values()]);
  const active = (await svc.responses.store.active()).map((x) => x.response).sort((a, b) => b.createdAt - a.createdAt);
  const covering = coverage(active);
  // A leader's panels show only the responses whose call-outs told them, as GET /v1/responses.
  const responses = (await Promise.all(active.map(async (r) => ({ response: r, callouts: await svc.responses.callouts(r) })))).filter((x) => seesResponse(viewer, x.callouts.values()));
  const name = (id: string) => ref.stations.get(id)?.name ?? id;
  const townships = ids.map((id, i) => {
    const [state, since, alert] = (replies[i]?.[1] as Array<string | null>) ?? [];
    // Outside warnings in force count and show as evidence (宁国市气象台暴雨橙色预警).
    const parsed = townshipWarning(state, replies[ids.length + i]?.[1] as Record<string, string> | null, now);
    const t = ref.townships.get(id)!;
    return {
      id,
      name: t.name,
      level: parsed?.level ?? null,
      since: since ? localTimeText(Number(since), svc.config.levels.timezone) : null,
      alertId: alert || null,
      evidence: parsed ? evidenceText(parsed.reasons, name) : '',
      lat: t.commandPost?.lat,
      lon: t.commandPost?.lon,
      response: covering.get(id)?.level ?? null,
      stale: stations.some((st) => st.townshipId === id && Boolean((st as { stale?: unknown }).stale)),
    };
  });
  const open = await svc.alerts.store.openAlertIds(ids);
  const alerts = (await svc.alerts.store.getMany([...open.values()])).filter((a) => seesAlert(viewer, a)).sort((a, b) => rank(b.level) - rank(a.level) || b.raisedAt - a.raisedAt);
  if (viewer.role === 'leader') {
    const visible = new Set(alerts.map((a) => a.id));
    for (const t of townships) if (t.alertId && !visible.has(t.alertId)) t.alertId = null;
  }
  const person = (id: string) => ref.people.get(id)?.name ?? id;
  const current = ref.shifts.filter((s) => Date.parse(s.start) <= now && now < Date.parse(s.end));
  const next = ref.shifts.find((s) => Date.parse(s.start) > now);
  const tz = svc.config.levels.timezone;
  return {
    now,
    tz,
    townships,
    alerts,
    responses,
    townshipName: (id) => ref.townships.get(id)?.name ?? id,
    stations,
    duty: {
      current: current.map((s) => ({ leader: person(s.leaderId), officers: s.officerIds.map(person), phone: s.phone, end: localTimeText(Date.parse(s.end), tz) })),
      next: next ? { leader: person(next.leaderId), officers: next.officerIds.map(person), start: localTimeText(Date.parse(next.start), tz) } : null,
    },
  };
}

const rank = (l: string | null) => (l ? ['IV', 'III', 'II', 'I'].indexOf(l) + 1 : 0);
const Lv: FC<{ level: string | null }> = ({ level }) => <span class={`lv lv-${level ?? 'none'}`}>{level ? levelText(level as 'I').replace(/\(.*\)/, '') : '无'}</span>;

export function personState(r: Recipient, now: number): { label: string; cls: string; deadline: number | null } {
  if (r.arrivedAt !== null) return { label: '已到岗', cls: 'state-arrived', deadline: null };
  if (r.ackedAt !== null) return { label: '已确认', cls: 'state-acked', deadline: r.arriveDeadline };
  if (r.mustAck && r.ackDeadline !== null && now > r.ackDeadline) return { label: '超时未确认', cls: 'state-overdue', deadline: r.ackDeadline };
  return { label: '已通知', cls: 'state-notified', deadline: r.mustAck ? r.ackDeadline : null };
}

/** Township circles placed by their command posts (equirectangular), coloured by level. */
const TownshipMap: FC<{ data: BoardData }> = ({ data }) => {
  const placed = data.townships.filter((t) => t.lat !== undefined && t.lon !== undefined);
  if (placed.length === 0) return <p class="muted">乡镇未设置指挥部坐标，无法绘制地图。</p>;
  const lats = placed.map((t) => t.lat!);
  const lons = placed.map((t) => t.lon!);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const W = 600;
  const H = 420;
  const sx = (lon: number) => 40 + ((lon - minLon) / (maxLon - minLon || 1)) * (W - 80);
  const sy = (lat: number) => 30 + ((maxLat - lat) / (maxLat - minLat || 1)) * (H - 60);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="乡镇响应级别地图">
      {placed.map((t) => (
        <g>
          <circle cx={sx(t.lon!)} cy={sy(t.lat!)} r={t.response || t.level ? 16 : 11} fill={`var(--${t.response ?? 'none'})`} stroke={t.level ? `var(--${t.level})` : '#0b121a'} stroke-width={t.level ? 5 : 2}>
            <title>{`${t.name} 响应：${t.response ? levelText(t.response as 'I') : '无'}；预警：${t.level ? levelText(t.level as 'I') : '无'}`}</title>
          </circle>
          <text x={sx(t.lon!)} y={sy(t.lat!) + 28} text-anchor="middle">
            {t.name}
          </text>
        </g>
      ))}
    </svg>
  );
};

export const Live: FC<{ data: BoardData; principal: Principal }> = ({ data, principal }) => {
  const canAck = principal.role === 'duty' || principal.role === 'admin';
  const silent = data.stations.filter((s) => s.offlineSince || s.silence || s.clockOff);
  const top = (w: '1h' | '3h' | '24h' | 'day') => [...data.stations].filter((s) => s.rainfall[w] > 0).sort((a, b) => b.rainfall[w] - a.rainfall[w]).slice(0, 5);
  return (
    <main>
      <section>
        <h2>乡镇应急响应与预警</h2>
        <p class="small muted">圆内颜色：防指宣布的应急响应；外圈颜色：测站预警（建议）。</p>
        <TownshipMap data={data} />
        <table class="stack townships">
          <thead>
            <tr><th>乡镇</th><th>响应</th><th>预警</th><th>起始</th><th>依据</th></tr>
          </thead>
          <tbody>
            {data.townships.map((t) => (
              <tr>
                <td class="name">{t.alertId ? <a href={`/board/alerts/${encodeURIComponent(t.alertId)}`}>{t.name}</a> : t.name}</td>
                <td class="response"><Lv level={t.response} /></td>
                <td class="warning"><Lv level={t.level} />{t.stale && <span class="small error"> 数据中断</span>}</td>
                <td class="small since">{t.since ?? ''}</td>
                <td class="small evidence">{t.evidence}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {canAck && (
          <form method="post" action="/board/declare" class="small" id="declare">
            <p>
              防指宣布应急响应：
              <select name="townshipIds" multiple size={4} aria-label="范围（全市或乡镇，可多选）">
                <option value="city">全市</option>
                {data.townships.map((t) => <option value={t.id}>{t.name}</option>)}
              </select>{' '}
              <select name="level">{['IV', 'III', 'II', 'I'].map((l) => <option value={l}>{levelText(l as 'I')}</option>)}</select>{' '}
              <input type="text" name="notice" placeholder="文号，如 宁防指〔2023〕4号" required size={18} />{' '}
              <input type="text" name="reason" placeholder="原因" required size={16} /> <button type="submit">启动</button>
            </p>
          </form>
        )}
      </section>
      <div>
        <section id="responses">
          <h2>应急响应（{data.responses.length}）</h2>
          {data.responses.length === 0 && <p class="muted">防指未启动应急响应。</p>}
          {data.responses.map(({ response: r, callouts }) => (
            <ResponsePanel r={r} callouts={callouts} data={data} canAct={canAck} />
          ))}
        </section>
        <section>
          <h2>未解除的预警（{data.alerts.length}）</h2>
          {data.alerts.length === 0 && <p class="muted">暂无预警。</p>}
          {data.alerts.map((a) => (
            <div>
              <p>
                <Lv level={a.level} /> <a href={`/board/alerts/${encodeURIComponent(a.id)}`}>{data.townshipName(a.townshipId)}</a>{' '}
                {a.declared && <span class="small muted">{a.declared.notice}</span>}
              </p>
              <table>
                <tbody>
                  {a.recipients.filter((r) => r.mustAck || r.role === 'duty-officer').map((r) => {
                    const st = personState(r, data.now);
                    return (
                      <tr>
                        <td>{r.name}<div class="small muted">{ROLE_WORDS[r.role] ?? r.role}</div></td>
                        <td class={st.cls}>{st.label}</td>
                        <td class="small">{st.deadline !== null && <span data-deadline={String(st.deadline)}></span>}</td>
                        <td>
                          {canAck && r.mustAck && r.ackedAt === null && <AckOnBehalf alertId={a.id} personId={r.personId} />}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          ))}
        </section>
        <section>
          <h2>值班</h2>
          {data.duty.current.length === 0 && <p class="error">当前无人值班！</p>}
          {data.duty.current.map((d) => (
            <p>带班领导 {d.leader}；值班员 {d.officers.join('、')}{d.phone ? `；值班电话 ${d.phone}` : ''}<span class="small muted">（至 {d.end}）</span></p>
          ))}
          {data.duty.next && <p class="small muted">下一班 {data.duty.next.start}：带班 {data.duty.next.leader}，值班 {data.duty.next.officers.join('、')}</p>}
        </section>
        <section>
          <h2>测站</h2>
          {silent.length === 0 ? <p class="muted">所有测站正常报送。</p> : (
            <table>
              <tbody>
                {silent.map((s) => (
                  <tr>
                    <td><a href={`/board/stations/${encodeURIComponent(s.id)}`}>{s.name}</a></td>
                    <td class="small">{gaugeTrouble(s, data.tz)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <table>
            <thead><tr><th>雨量排行</th><th>1小时</th><th>3小时</th><th>24小时</th><th>日雨量</th></tr></thead>
            <tbody>
              {[0, 1, 2, 3, 4].map((i) => (
                <tr>
                  <td class="muted">{i + 1}</td>
                  {(['1h', '3h', '24h', 'day'] as const).map((w) => {
                    const s = top(w)[i];
                    return <td class="small">{s ? <a href={`/board/stations/${encodeURIComponent(s.id)}`}>{`${s.name} ${s.rainfall[w]}`}</a> : ''}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </main>
  );
};

/** 代为确认: the duty room acknowledges for someone it reached by phone, with a note of the call. */
const AckOnBehalf: FC<{ alertId: string; personId: string }> = ({ alertId, personId }) => (
  <form method="post" action={`/board/alerts/${encodeURIComponent(alertId)}/ack`}>
    <input type="hidden" name="personId" value={personId} />
    <input type="text" name="note" placeholder="电话叫应记录" size={10} />
    <button type="submit" class="primary">代为确认</button>
  </form>
);

/** One response in force: its notice and, per township, leader and head with answered / arrived / overdue (到岗到位). */
export const ResponsePanel: FC<{ r: Response; callouts: Map<string, Alert>; data: BoardData; canAct: boolean }> = ({ r, callouts, data, canAct }) => {
  const people = r.townshipIds.flatMap((tid) => (callouts.get(tid)?.recipients ?? []).filter((p) => p.mustAck).map((p) => ({ tid, p })));
  const arrived = people.filter((x) => x.p.arrivedAt !== null).length;
  const acked = people.filter((x) => x.p.ackedAt !== null).length;
  return (
    <div class="response">
      <p>
        <Lv level={r.level} /> <a href={`/board/responses/${encodeURIComponent(r.id)}`}>{r.scope === 'city' ? '全市' : `${r.townshipIds.length}个乡镇`}防汛应急响应</a>{' '}
        <span class="small muted">{r.noticeNumber}，{localTimeText(r.startsAt, data.tz)}起</span>
      </p>
      <p class="small">到岗到位：已确认 {acked}/{people.length}，已到岗 {arrived}/{people.length}</p>
      <table class="arrivals stack">
        <thead><tr><th>乡镇</th><th>人员</th><th>状态</th><th></th></tr></thead>
        <tbody>
          {people.map(({ tid, p }) => {
            const st = personState(p, data.now);
            const a = callouts.get(tid)!;
            return (
              <tr>
                <td class="name">{data.townshipName(tid)}</td>
                <td class="name">{p.name}<div class="small muted">{ROLE_WORDS[p.role] ?? p.role}</div></td>
                <td class={st.cls}>{st.label}{st.deadline !== null && <div class="small" data-deadline={String(st.deadline)}></div>}</td>
                <td>
                  {canAct && p.ackedAt === null && <AckOnBehalf alertId={a.id} personId={p.personId} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {canAct && (
        <form method="post" action={`/board/responses/${encodeURIComponent(r.id)}/end`} class="small">
          <input type="text" name="notice" placeholder="终止文号" required size={14} /> <input type="text" name="reason" placeholder="终止原因" required size={12} />{' '}
          <button type="submit">终止响应</button>
        </form>
      )}
    </div>
  );
};

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
      <header>
        <h1><a href="/board" class="home">防汛值守</a> · {title}</h1>
        {principal && (
          <span class="who">
            {principal.name ?? principal.personId ?? STAFF_ROLE_WORDS[principal.role] ?? ''}（{STAFF_ROLE_WORDS[principal.role] ?? '工作人员'}）{' '}
            <a href="/board/roster">值班表</a>{' '}
            <form method="post" action="/board/logout"><button type="submit">退出</button></form>
          </span>
        )}
      </header>
      {children}
      <script src="/board/assets/board.js"></script>
      {extra && <script src="/board/assets/roster.js"></script>}
    </body>
  </html>
);

/** Why a gauge is listed among the silent ones, in the duty room's words. */
function gaugeTrouble(s: { silence: unknown; offlineSince: string | null; clockOff: { since: string } | null }, tz: string): string {
  if (s.silence) return `已屏蔽：${(s.silence as { reason: string }).reason}`;
  const clock = s.clockOff ? `时钟偏差，数据已拒收待核（自 ${localTimeText(Date.parse(s.clockOff.since), tz)}）` : '';
  const offline = s.offlineSince ? `离线（自 ${localTimeText(Date.parse(s.offlineSince), tz)}）` : '';
  return [clock, offline].filter(Boolean).join('；');
}
