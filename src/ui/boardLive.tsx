import type { FC } from 'hono/jsx';
import { levelText, localTimeText } from '../domain/wording.js';
import type { BoardData } from './board.js';
import { Alerts, DutyLine, Ended, Filters, levelFiltered, Responses, Strip, TownshipMap, TownshipsTable, Unanswered } from './boardParts.js';

/**
 * The live part of the board (what /board/fragment answers and board.js patches in place): the
 * counts strip, the filters, the map and townships, and the view chosen (全部 / 未解除 / 未应答 / 已结束).
 */
export const Live: FC<{ data: BoardData }> = ({ data }) => {
  const view = data.filter.view;
  const townships = levelFiltered(data);
  return (
    <div id="board">
      <Strip data={data} />
      <Filters data={data} />
      <main class={`view-${view}`}>
        <section id="townships">
          <h2>乡镇应急响应与预警</h2>
          <p class="small muted">圆内颜色：防指宣布的应急响应；外圈颜色：测站预警（建议）。按级别从高到低排列。</p>
          <TownshipMap townships={data.townships} />
          <TownshipsTable data={data} townships={townships} />
          {data.canAct && <Declare data={data} />}
        </section>
        <div class="side">
          {view === 'all' && <Unanswered data={data} limit={10} />}
          {view === 'unanswered' && <Unanswered data={data} />}
          {(view === 'all' || view === 'open') && <Responses data={data} />}
          {(view === 'all' || view === 'open') && <Alerts data={data} />}
          {view === 'ended' && <Ended data={data} />}
          {view === 'all' && <Duty data={data} />}
          {view === 'all' && <Stations data={data} />}
        </div>
      </main>
    </div>
  );
};

const Declare: FC<{ data: BoardData }> = ({ data }) => (
  <form method="post" action="/board/declare" class="small" id="declare">
    <p>
      防指宣布应急响应：
      <select name="townshipIds" multiple size={4} aria-label="范围（全市或乡镇，可多选）">
        <option value="city">全市</option>
        {data.townships.map((t) => (
          <option value={t.id}>{t.name}</option>
        ))}
      </select>{' '}
      <select name="level" aria-label="级别">
        {['IV', 'III', 'II', 'I'].map((l) => (
          <option value={l}>{levelText(l as 'I')}</option>
        ))}
      </select>{' '}
      <input type="text" name="notice" placeholder="文号，如 宁防指〔2023〕4号" required size={18} />{' '}
      <input type="text" name="reason" placeholder="原因" required size={16} /> <button type="submit">启动</button>
    </p>
  </form>
);

const Duty: FC<{ data: BoardData }> = ({ data }) => (
  <section id="duty">
    <h2>值班</h2>
    {data.duty.current.length === 0 && <p class="error">当前无人值班！</p>}
    {data.duty.current.map((d) => (
      <p>
        <DutyLine d={d} />
        <span class="small muted">（至 {d.end}）</span>
      </p>
    ))}
    {data.duty.next && (
      <p class="small muted">
        下一班 {data.duty.next.start}：带班 {data.duty.next.leader}，值班 {data.duty.next.officers.join('、')}
      </p>
    )}
  </section>
);

const Stations: FC<{ data: BoardData }> = ({ data }) => {
  const silent = data.stations.filter((s) => s.offlineSince || s.silence || s.clockOff);
  const top = (w: '1h' | '3h' | '24h' | 'day') =>
    [...data.stations]
      .filter((s) => s.rainfall[w] > 0)
      .sort((a, b) => b.rainfall[w] - a.rainfall[w])
      .slice(0, 5);
  return (
    <section id="stations">
      <h2>测站</h2>
      {silent.length === 0 ? (
        <p class="muted">所有测站正常报送。</p>
      ) : (
        <table class="stack">
          <tbody>
            {silent.map((s) => (
              <tr data-key={`s:${s.id}`}>
                <td class="name">
                  <a href={`/board/stations/${encodeURIComponent(s.id)}`}>{s.name}</a>
                </td>
                <td class="small">{gaugeTrouble(s, data.tz)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <table class="rain">
        <thead>
          <tr>
            <th>雨量排行</th>
            <th>前五（毫米）</th>
          </tr>
        </thead>
        <tbody>
          {(['1h', '3h', '24h', 'day'] as const).map((w) => (
            <tr data-key={`rain:${w}`}>
              <th>{{ '1h': '1小时', '3h': '3小时', '24h': '24小时', day: '日雨量' }[w]}</th>
              <td class="small">
                {top(w).length === 0 ? (
                  <span class="muted">无降雨</span>
                ) : (
                  top(w).map((s, i) => (
                    <>
                      {i > 0 && '、'}
                      <a href={`/board/stations/${encodeURIComponent(s.id)}`} class="nowrap">{`${s.name} ${s.rainfall[w]}`}</a>
                    </>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
};

/** Why a gauge is listed among the silent ones, in the duty room's words. */
function gaugeTrouble(s: { silence: unknown; offlineSince: string | null; clockOff: { since: string } | null }, tz: string): string {
  if (s.silence) return `已屏蔽：${(s.silence as { reason: string }).reason}`;
  const clock = s.clockOff ? `时钟偏差，数据已拒收待核（自 ${localTimeText(Date.parse(s.clockOff.since), tz)}）` : '';
  const offline = s.offlineSince ? `离线（自 ${localTimeText(Date.parse(s.offlineSince), tz)}）` : '';
  return [clock, offline].filter(Boolean).join('；');
}
