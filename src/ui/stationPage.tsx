import type { Hono, MiddlewareHandler } from 'hono';
import type { Services } from '../services.js';
import type { BoardEnv } from './routes.js';
import { Page } from './board.js';
import { Lv } from './boardParts.js';
import { Bars, LevelChart, LINE_WORDS } from './charts.js';
import { localTimeText } from '../domain/wording.js';
import { rainIn, thresholdsAt } from '../domain/station.js';
import { calendarOf } from '../evaluation/engine.js';
import { readStationViews } from '../http/routes/stations.js';

const KIND_WORDS: Record<string, string> = { rain: '雨量站', river: '河道水位站', reservoir: '水库水位站' };

/**
 * A station's page (/board/stations/:id): its state in a few cards that stack on a phone (level,
 * the rain windows, the water level against its lines), then the rainfall bars and the level chart.
 */
export function stationPage(app: Hono<BoardEnv>, svc: Services, signedIn: (html: boolean) => MiddlewareHandler<BoardEnv>): void {
  app.get('/board/stations/:id', signedIn(true), async (c) => {
    const ref = await svc.reference.snapshot();
    const station = ref.stations.get(c.req.param('id'));
    if (!station)
      return c.html(
        <Page title="测站" principal={c.get('staff')}>
          <main>
            <p>没有这个测站。</p>
          </main>
        </Page>,
        404,
      );
    const now = svc.now();
    const tz = svc.config.levels.timezone;
    const [samples, [view]] = await Promise.all([svc.stationState.samples(station.id), readStationViews(svc, [station])]);
    const day = samples.filter((s) => s.t > now - 24 * 3_600_000 && s.t <= now);
    const fiveMin = Array.from({ length: 72 }, (_, i) => rainIn(samples, now - (72 - i) * 300_000, now - (71 - i) * 300_000));
    const hourly = Array.from({ length: 24 }, (_, i) => rainIn(samples, now - (24 - i) * 3_600_000, now - (23 - i) * 3_600_000));
    const levels = day.filter((s) => s.level !== null) as Array<{ t: number; level: number }>;
    const th = thresholdsAt(station.kind, station.thresholds ?? {}, now, calendarOf(svc.config));
    const wl = view?.waterLevel ?? null;
    const excess = wl
      ? Object.entries(wl.excess)
          .filter(([, m]) => m >= 0)
          .sort((a, b) => b[1] - a[1])[0]
      : undefined;
    return c.html(
      <Page title={station.name} principal={c.get('staff')}>
        <main class="story">
          {view?.clockOff && (
            <p class="error clock-off">
              测站时钟偏差：自 {localTimeText(Date.parse(view.clockOff.since), tz)} 起其报文的观测时间超出允许范围，数据已拒收并存入待核区（
              {view.clockOff.reason}）。请校准 RTU 时钟。
            </p>
          )}
          <section id="station-state">
            <h2>
              {KIND_WORDS[station.kind] ?? '测站'} · {ref.townships.get(station.townshipId)?.name ?? ''}
              {station.river ? ` · ${station.river}` : ''}
            </h2>
            <div class="cards">
              <div class="card" data-col>
                <div class="k">预警级别</div>
                <Lv level={view?.level ?? null} />
                {view?.stale && <span class="small error"> 数据中断</span>}
              </div>
              <div class="card" data-col>
                <div class="k">最新报送</div>
                {view?.latest?.observedAt ? localTimeText(Date.parse(view.latest.observedAt), tz) : '无'}
                {view?.offlineSince && <div class="small error">离线</div>}
              </div>
              {(['1h', '3h', '24h', 'day'] as const).map((w) => (
                <div class="card" data-col>
                  <div class="k">{{ '1h': '1小时雨量', '3h': '3小时雨量', '24h': '24小时雨量', day: '日雨量' }[w]}</div>
                  {view ? `${view.rainfall[w]} 毫米` : '—'}
                </div>
              ))}
              {wl && (
                <div class="card" data-col>
                  <div class="k">水位</div>
                  {wl.value.toFixed(2)} 米
                  {excess ? (
                    <div class="small error">
                      超{LINE_WORDS[excess[0]] ?? ''} {excess[1].toFixed(2)} 米
                    </div>
                  ) : null}
                  {wl.risePerHour !== null && <div class="small muted">涨率 {wl.risePerHour.toFixed(2)} 米/时</div>}
                </div>
              )}
            </div>
          </section>
          <section>
            <h2>5分钟雨量（近6小时）</h2>
            <Bars values={fiveMin} label={(i) => localTimeText(now - (71 - i) * 300_000, tz).slice(-5)} every={12} />
            <h2>小时雨量（近24小时）</h2>
            <Bars values={hourly} label={(i) => localTimeText(now - (23 - i) * 3_600_000, tz).slice(-5)} every={4} />
          </section>
          <section>
            <h2>水位</h2>
            {station.kind === 'rain' ? <p class="muted">雨量站，无水位。</p> : <LevelChart points={levels} lines={th} now={now} />}
          </section>
        </main>
      </Page>,
    );
  });
}
