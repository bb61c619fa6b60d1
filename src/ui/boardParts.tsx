import type { FC } from 'hono/jsx';
import type { Alert } from '../domain/alerts/index.js';
import type { Response } from '../domain/responses/model.js';
import { levelText, localTimeText, ROLE_WORDS } from '../domain/wording.js';
import { LEVELS } from '../domain/levels.js';
import { Countdown, personState, type BoardData, type BoardFilter, type TownshipView } from './board.js';
import { layoutLabels } from './labels.js';

/**
 * The parts of the duty board. Every part and row that the live update may replace carries an
 * `id` or a `data-key` (board.js patches by them and leaves a note being typed alone); every
 * form works as a plain post without script, and with script posts in place.
 */
export const Lv: FC<{ level: string | null }> = ({ level }) => (
  <span class={`lv lv-${level ?? 'none'}`}>{level ? levelText(level as 'I').replace(/\(.*\)/, '') : '无'}</span>
);

const VIEWS: Array<[BoardFilter['view'], string]> = [
  ['all', '全部'],
  ['open', '未解除'],
  ['unanswered', '未应答'],
  ['ended', '已结束'],
];

export function filterHref(f: BoardFilter): string {
  const q = new URLSearchParams();
  if (f.view !== 'all') q.set('view', f.view);
  if (f.level) q.set('level', f.level);
  const s = q.toString();
  return s ? `/board?${s}` : '/board';
}

/** 状态 and 级别 filters, plain links (a bookmark keeps them). */
/** One shift on duty: 带班领导, 值班员 and the 值班电话 to tap. */
export const DutyLine: FC<{ d: BoardData['duty']['current'][number] }> = ({ d }) => (
  <>
    带班领导 {d.leader}；值班员 {d.officers.join('、')}
    {d.phone && (
      <>
        ；值班电话{' '}
        <a href={`tel:${d.phone.replace(/[^\d+]/g, '')}`} class="tel">
          {d.phone}
        </a>
      </>
    )}
  </>
);

export const Filters: FC<{ data: BoardData }> = ({ data }) => {
  const f = data.filter;
  return (
    <nav id="filters" class="filters" aria-label="筛选">
      <span class="group">
        {VIEWS.map(([v, label]) => (
          <a href={filterHref({ ...f, view: v })} class={f.view === v ? 'chip on' : 'chip'} aria-current={f.view === v ? 'true' : undefined}>
            {label}
            {v === 'unanswered' ? `（${data.unanswered.length}）` : ''}
          </a>
        ))}
      </span>
      <span class="group">
        <a href={filterHref({ ...f, level: null })} class={f.level === null ? 'chip on' : 'chip'}>
          全部级别
        </a>
        {[...LEVELS].reverse().map((l) => (
          <a href={filterHref({ ...f, level: l })} class={f.level === l ? `chip on lvchip-${l}` : `chip lvchip-${l}`}>
            {levelText(l).replace(/\(.*\)/, '')}
          </a>
        ))}
      </span>
    </nav>
  );
};

/** The counts strip: townships by warning and by response level, people overdue, gauges in trouble, who is on duty. */
/** Townships per level in the counts strip (预警 or 响应). */
const LevelCounts: FC<{ title: string; counts: ReadonlyArray<readonly [string, number]> }> = ({ title, counts }) => (
  <div class="cell" data-col>
    <div class="k">{title}</div>
    <div>
      {counts.map(([l, n]) => (
        <span class={n ? 'count' : 'count zero'}>
          <Lv level={l} /> {n}
        </span>
      ))}
    </div>
  </div>
);

export const Strip: FC<{ data: BoardData }> = ({ data }) => {
  const by = (pick: (t: TownshipView) => string | null) => [...LEVELS].reverse().map((l) => [l, data.townships.filter((t) => pick(t) === l).length] as const);
  const overdue = data.unanswered.filter((u) => u.deadline !== null && u.deadline < data.now).length;
  const arriveLate = [...data.alerts, ...data.responses.flatMap((x) => [...x.callouts.values()])]
    .flatMap((a) => a.recipients)
    .filter((r) => r.mustAck && r.ackedAt !== null && r.arrivedAt === null && r.arriveDeadline !== null && r.arriveDeadline < data.now).length;
  const offline = data.stations.filter((s) => s.offlineSince || s.clockOff).length;
  const stale = data.stations.filter((s) => (s as { stale?: unknown }).stale).length;
  return (
    <section id="strip" class="strip" aria-label="概况">
      <LevelCounts title="预警乡镇" counts={by((t) => t.level)} />
      <LevelCounts title="响应乡镇" counts={by((t) => t.response)} />
      <div class="cell" data-col>
        <div class="k">未应答</div>
        <div>
          <a href={filterHref({ ...data.filter, view: 'unanswered' })} class="big">
            {data.unanswered.length}
          </a>{' '}
          人{overdue > 0 && <span class="state-overdue">，超时 {overdue}</span>}
          {arriveLate > 0 && <span class="state-overdue">，到岗超时 {arriveLate}</span>}
        </div>
      </div>
      <div class="cell" data-col>
        <div class="k">测站</div>
        <div>
          {offline + stale === 0 ? (
            <span class="muted">全部正常</span>
          ) : (
            <span class="error">
              离线 {offline}
              {stale ? `，数据中断 ${stale}` : ''}
            </span>
          )}
        </div>
      </div>
      <div class="cell duty" data-col>
        <div class="k">当前值班</div>
        {data.duty.current.length === 0 ? (
          <div class="error">当前无人值班！</div>
        ) : (
          data.duty.current.map((d) => (
            <div>
              <DutyLine d={d} />
            </div>
          ))
        )}
      </div>
    </section>
  );
};

const MAP_W = 600;
const MAP_H = 440;

/** Township circles placed by their command posts (equirectangular); labels laid out so none overlaps another. */
export const TownshipMap: FC<{ townships: TownshipView[] }> = ({ townships }) => {
  const placed = townships.filter((t) => t.lat !== undefined && t.lon !== undefined);
  if (placed.length === 0) return <p class="muted">乡镇未设置指挥部坐标，无法绘制地图。</p>;
  const lats = placed.map((t) => t.lat!);
  const lons = placed.map((t) => t.lon!);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  const sx = (lon: number) => 60 + ((lon - minLon) / (maxLon - minLon || 1)) * (MAP_W - 120);
  const sy = (lat: number) => 40 + ((maxLat - lat) / (maxLat - minLat || 1)) * (MAP_H - 80);
  const points = placed.map((t) => ({ x: sx(t.lon!), y: sy(t.lat!), r: t.response || t.level ? 14 : 10, text: t.name }));
  const labels = layoutLabels(points, { w: MAP_W, h: MAP_H });
  return (
    <svg viewBox={`0 0 ${MAP_W} ${MAP_H}`} width="100%" role="img" aria-label="乡镇响应级别地图" class="map">
      {placed.map((t, i) => {
        const p = points[i]!;
        const l = labels[i]!;
        return (
          <g data-key={`m:${t.id}`}>
            {l.leader && <line x1={p.x} y1={p.y} x2={l.x} y2={l.y} class="leader" />}
            <circle
              cx={p.x}
              cy={p.y}
              r={p.r}
              fill={`var(--${t.response ?? 'none'})`}
              stroke={t.level ? `var(--${t.level})` : '#0b121a'}
              stroke-width={t.level ? 5 : 2}
            >
              <title>{`${t.name} 响应：${t.response ? levelText(t.response) : '无'}；预警：${t.level ? levelText(t.level) : '无'}`}</title>
            </circle>
            <rect x={l.box.x} y={l.box.y} width={l.box.w} height={l.box.h} rx="2" class="label-bg" />
            <text x={l.x} y={l.y} text-anchor="middle" dominant-baseline="central" class="label">
              {t.name}
            </text>
          </g>
        );
      })}
    </svg>
  );
};

export const TownshipsTable: FC<{ data: BoardData; townships: TownshipView[] }> = ({ townships }) => (
  <table class="stack townships">
    <thead>
      <tr>
        <th>乡镇</th>
        <th>响应</th>
        <th>预警</th>
        <th>起始</th>
        <th>依据</th>
      </tr>
    </thead>
    <tbody>
      {townships.map((t) => (
        <tr data-key={`t:${t.id}`}>
          <td class="name">{t.alertId ? <a href={`/board/alerts/${encodeURIComponent(t.alertId)}`}>{t.name}</a> : t.name}</td>
          <td class="response">
            <Lv level={t.response} />
          </td>
          <td class="warning">
            <Lv level={t.level} />
            {t.stale && <span class="small error"> 数据中断</span>}
          </td>
          <td class="small since">{t.since ?? ''}</td>
          <td class="small evidence">{t.evidence}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** 代为确认: the duty room acknowledges for someone it reached by phone, with a note of the call. */
export const AckOnBehalf: FC<{ alertId: string; personId: string }> = ({ alertId, personId }) => (
  <form method="post" action={`/board/alerts/${encodeURIComponent(alertId)}/ack`} class="inline">
    <input type="hidden" name="personId" value={personId} />
    <input type="text" name="note" placeholder="叫应记录" size={8} maxlength={500} aria-label="电话叫应记录" />
    <button type="submit" class="primary">
      代为确认
    </button>
  </form>
);

/** 立即升级: the next escalation step for this person, now. */
export const EscalateNow: FC<{ alertId: string; personId: string }> = ({ alertId, personId }) => (
  <form method="post" action={`/board/alerts/${encodeURIComponent(alertId)}/escalate`} class="inline">
    <input type="hidden" name="personId" value={personId} />
    <button type="submit" class="warn">
      立即升级
    </button>
  </form>
);

/** 未应答: everyone who must answer and has not, across warnings and response call-outs, soonest deadline first. */
export const Unanswered: FC<{ data: BoardData; limit?: number }> = ({ data, limit }) => {
  const all = data.unanswered.filter((u) => !data.filter.level || u.alert.level === data.filter.level);
  const rows = limit ? all.slice(0, limit) : all;
  return (
    <section id="unanswered">
      <h2>
        未应答（{all.length}）
        {rows.length < all.length && (
          <a href={filterHref({ ...data.filter, view: 'unanswered' })} class="small more">
            只列出时限最近的 {rows.length} 人，查看全部 →
          </a>
        )}
      </h2>
      {rows.length === 0 ? (
        <p class="muted">所有须应答人员均已应答。</p>
      ) : (
        <table class="stack unanswered">
          <thead>
            <tr>
              <th>时限</th>
              <th>事项</th>
              <th>人员（电话）</th>
              {data.canAct && <th>处置</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr data-key={`u:${u.alert.id}:${u.person.personId}`}>
                <td class="deadline">{u.deadline !== null ? <Countdown deadline={u.deadline} now={data.now} /> : <span class="muted">未通知</span>}</td>
                <td class="name what">
                  <Lv level={u.alert.level} /> <a href={`/board/alerts/${encodeURIComponent(u.alert.id)}`}>{u.township}</a>
                  <div class="small muted">{u.alert.kind === 'response' ? '应急响应' : '预警'}</div>
                </td>
                <td class="name">
                  {u.person.name}
                  {u.phone && (
                    <div>
                      <a href={`tel:${u.phone.replace(/[^\d+]/g, '')}`} class="tel">
                        {u.phone}
                      </a>
                    </div>
                  )}
                  <div class="small muted">{ROLE_WORDS[u.person.role] ?? u.person.role}</div>
                </td>
                {data.canAct && (
                  <td class="act">
                    <AckOnBehalf alertId={u.alert.id} personId={u.person.personId} />
                    <EscalateNow alertId={u.alert.id} personId={u.person.personId} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

/** Open warnings, one line each: level, township, each must-answer person with their state. */
export const Alerts: FC<{ data: BoardData }> = ({ data }) => {
  const list = data.alerts.filter((a) => !data.filter.level || a.level === data.filter.level);
  return (
    <section id="alerts">
      <h2>未解除的预警（{list.length}）</h2>
      {list.length === 0 && <p class="muted">暂无预警。</p>}
      <table class="stack alerts">
        <tbody>
          {list.map((a) => (
            <tr data-key={`a:${a.id}`}>
              <td class="name">
                <Lv level={a.level} /> <a href={`/board/alerts/${encodeURIComponent(a.id)}`}>{data.townshipName(a.townshipId)}</a>
              </td>
              <td class="people">
                {a.recipients
                  .filter((r) => r.mustAck)
                  .map((r) => {
                    const st = personState(r, data.now, data.townshipName);
                    return (
                      <span class="person">
                        {r.name}{' '}
                        <span class={st.cls} title={st.doubts}>
                          {st.label}
                        </span>
                      </span>
                    );
                  })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};

/** One response in force: its notice and, per township, leader and head with answered / arrived / overdue (到岗到位). */
export const ResponsePanel: FC<{ r: Response; callouts: Map<string, Alert>; data: BoardData; canAct: boolean; compact?: boolean }> = ({
  r,
  callouts,
  data,
  canAct,
  compact,
}) => {
  const people = r.townshipIds.flatMap((tid) => (callouts.get(tid)?.recipients ?? []).filter((p) => p.mustAck).map((p) => ({ tid, p })));
  const arrived = people.filter((x) => x.p.arrivedAt !== null).length;
  const acked = people.filter((x) => x.p.ackedAt !== null).length;
  const table = (
    <table class="arrivals stack">
      <thead>
        <tr>
          <th>乡镇</th>
          <th>人员</th>
          <th>状态</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        {people.map(({ tid, p }) => {
          const st = personState(p, data.now, data.townshipName);
          const a = callouts.get(tid)!;
          return (
            <tr data-key={`r:${a.id}:${p.personId}`}>
              <td class="name">{data.townshipName(tid)}</td>
              <td class="name">
                {p.name}
                <div class="small muted">{ROLE_WORDS[p.role] ?? p.role}</div>
              </td>
              <td class={st.cls}>
                {st.label}
                {st.doubts && <div class="small">{st.doubts}</div>}
                {st.deadline !== null && (
                  <div class="small">
                    <Countdown deadline={st.deadline} now={data.now} />
                  </div>
                )}
              </td>
              <td class="act">
                {canAct && p.ackedAt === null && <AckOnBehalf alertId={a.id} personId={p.personId} />}
                {canAct && p.ackedAt === null && p.arrivedAt === null && <EscalateNow alertId={a.id} personId={p.personId} />}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
  return (
    <div class="response" data-key={`resp:${r.id}`}>
      <p>
        <Lv level={r.level} />{' '}
        <a href={`/board/responses/${encodeURIComponent(r.id)}`}>{r.scope === 'city' ? '全市' : `${r.townshipIds.length}个乡镇`}防汛应急响应</a>{' '}
        <span class="small muted">
          {r.noticeNumber}，{localTimeText(r.startsAt, data.tz)}起
        </span>
      </p>
      <p class="small">
        到岗到位：已确认 {acked}/{people.length}，已到岗 {arrived}/{people.length}
      </p>
      {compact ? (
        <details>
          <summary class="small">逐人查看</summary>
          {table}
        </details>
      ) : (
        table
      )}
      {canAct && (
        <form method="post" action={`/board/responses/${encodeURIComponent(r.id)}/end`} class="small">
          <input type="text" name="notice" placeholder="终止文号" required size={14} />{' '}
          <input type="text" name="reason" placeholder="终止原因" required size={12} /> <button type="submit">终止响应</button>
        </form>
      )}
    </div>
  );
};

export const Responses: FC<{ data: BoardData }> = ({ data }) => {
  const list = data.responses.filter((x) => !data.filter.level || x.response.level === data.filter.level);
  return (
    <section id="responses">
      <h2>应急响应（{list.length}）</h2>
      {list.length === 0 && <p class="muted">防指未启动应急响应。</p>}
      {list.map(({ response: r, callouts }) => (
        <ResponsePanel r={r} callouts={callouts} data={data} canAct={data.canAct} compact />
      ))}
    </section>
  );
};

/** 已结束: resolved warnings and ended responses, newest first. */
export const Ended: FC<{ data: BoardData }> = ({ data }) => {
  const alerts = data.ended.alerts.filter((a) => !data.filter.level || a.level === data.filter.level);
  const responses = data.ended.responses.filter((r) => !data.filter.level || r.level === data.filter.level);
  return (
    <section id="ended">
      <h2>已结束的应急响应（{responses.length}）</h2>
      {responses.length === 0 ? (
        <p class="muted">没有已终止的应急响应。</p>
      ) : (
        <table class="stack">
          <tbody>
            {responses.map((r) => (
              <tr data-key={`er:${r.id}`}>
                <td class="name">
                  <Lv level={r.level} />{' '}
                  <a href={`/board/responses/${encodeURIComponent(r.id)}`}>
                    {r.scope === 'city' ? '全市' : r.townshipIds.map(data.townshipName).join('、') || '—'}
                  </a>
                </td>
                <td class="small">{r.acts.at(-1)?.noticeNumber ?? r.noticeNumber}</td>
                <td class="small">{r.endedAt ? `${localTimeText(r.endedAt, data.tz)} 终止` : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>已解除的预警（{alerts.length}）</h2>
      {alerts.length === 0 ? (
        <p class="muted">没有已解除的预警。</p>
      ) : (
        <table class="stack">
          <tbody>
            {alerts.map((a) => (
              <tr data-key={`ea:${a.id}`}>
                <td class="name">
                  <Lv level={a.level} /> <a href={`/board/alerts/${encodeURIComponent(a.id)}`}>{data.townshipName(a.townshipId)}</a>
                </td>
                <td class="small">{a.resolveReason ?? ''}</td>
                <td class="small">
                  {a.resolvedAt
                    ? `${localTimeText(a.resolvedAt, data.tz)} 解除（${a.resolvedBy === 'system' ? '自动' : data.personName(a.resolvedBy ?? '')}）`
                    : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

export const levelFiltered = (data: BoardData) =>
  data.townships.filter((t) => !data.filter.level || t.level === data.filter.level || t.response === data.filter.level);
