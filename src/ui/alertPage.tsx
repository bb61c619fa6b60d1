import type { FC } from 'hono/jsx';
import type { Alert, Delivery, Recipient } from '../domain/alerts/index.js';
import type { Policy } from '../config/policy.js';
import { nextSteps, type NextStep } from '../domain/alerts/index.js';
import { arrivalDoubts, evidenceText, levelText, localTimeText, ROLE_WORDS } from '../domain/wording.js';
import { Countdown, personState } from './board.js';
import { AckOnBehalf, EscalateNow } from './boardParts.js';

/**
 * The story of one warning or call-out (/board/alerts/:id): what raised it (evidence), who must
 * answer and who is only informed, each person's deadlines with countdowns, the escalation steps
 * that ran and the next one with its time, every delivery with its status in Chinese, and who
 * answered how, on whose behalf and with what note — by name, never by id.
 */
export interface AlertStory {
  alert: Alert;
  township: string;
  now: number;
  tz: string;
  policy: Policy;
  canAct: boolean;
  personName: (id: string) => string;
  stationName: (id: string) => string;
  townshipName: (id: string) => string;
}

export const STEP_WORDS: Record<string, string> = {
  renotify: '再次通知本人',
  call: '电话叫应本人',
  'duty-officer': '报值班员',
  'shift-leader': '报带班领导',
  commander: '报指挥长',
};
const VIA_WORDS: Record<string, string> = {
  link: '个人链接',
  'duty-room': '值班室代为确认',
  api: '接口',
  'sms-reply': '短信回复',
  voice: '电话按键',
  arrival: '到岗即确认',
};
const CHANNEL_WORDS: Record<string, string> = {
  sms: '短信',
  voice: '电话',
  wecom: '企业微信',
  dingtalk: '钉钉',
  email: '邮件',
  webhook: '系统推送',
  board: '看板',
  none: '',
};
const DELIVERY_WORDS: Record<string, string> = {
  sent: '已发出',
  failed: '发送失败',
  retrying: '重试中',
  cancelled: '已取消',
  'no-contact': '无可用联系方式',
  skipped: '未拨打',
};
const ERROR_WORDS: Array<[RegExp, string]> = [
  [/no usable contact/, '没有可用的联系方式'],
  [/every contact failed/, '所有联系方式均失败'],
  [/^HTTP (\d+)/, '服务返回错误 $1'],
  [/timeout|timed out|aborted/i, '超时'],
];
export const TIMELINE: Record<string, string> = {
  opened: '启动',
  raised: '升级',
  lowered: '降级',
  adjusted: '调整',
  ended: '终止',
  declared: '防指宣布',
  acknowledged: '确认',
  arrived: '到岗',
  'delivery-receipt': '送达回执',
  'call-not-placed': '电话未拨打',
  'ack-overdue': '未确认，执行升级',
  'arrival-overdue': '未到岗，执行提醒',
  resolved: '解除',
  'delivery-failed': '消息发送失败',
  superseded: '由新的响应接替',
  narrowed: '缩小范围',
};

/** An arrival's renotify rung is a reminder to go to the post. */
export function stepWords(kind: 'ack' | 'arrive', action: string): string {
  if (kind === 'arrive' && action === 'renotify') return '提醒本人到岗';
  return STEP_WORDS[action] ?? '其他步骤';
}

/** A provider's error in the duty room's words; an unknown one is kept but named as such. */
function errorText(e: string): string {
  for (const [re, words] of ERROR_WORDS) if (re.test(e)) return e.replace(re, words).replace(/^.*?(服务返回错误 \d+|超时).*$/, '$1');
  return '服务商返回错误';
}

/** One delivery: channel, masked address, the receipt when there is one (已送达/关机/未接听…). */
export function deliveryText(d: Delivery): string {
  // 仅看板: shown on the board instead of an SMS (the person opted out of routine SMS); its note says so.
  if (d.channel === 'board') return `${CHANNEL_WORDS.board} ${d.error ?? ''}`.trim();
  const status = d.receipt?.text ?? DELIVERY_WORDS[d.status] ?? '状态未知';
  return `${CHANNEL_WORDS[d.channel] ?? '其他渠道'} ${d.to} ${status}${d.error ? `：${errorText(d.error)}` : ''}`;
}

const Escalation: FC<{ r: Recipient; next: NextStep | undefined; s: AlertStory }> = ({ r, next, s }) => (
  <div class="small">
    {r.escalations.map((e) => (
      <div>
        {localTimeText(e.at, s.tz)} {e.kind === 'ack' ? '未确认' : '未到岗'}·第{e.step + 1}步 {stepWords(e.kind, e.action)}
        {e.notified.length > 0 && e.action !== 'renotify' && e.action !== 'call' ? `：${e.notified.map(s.personName).join('、')}` : ''}
      </div>
    ))}
    {next ? (
      <div class="next">
        下一步 {localTimeText(next.due, s.tz)} {stepWords(next.kind, next.action)}（<Countdown deadline={next.due} now={s.now} />）
      </div>
    ) : r.mustAck && r.ackedAt === null && r.escalations.length > 0 ? (
      <div class="muted">升级步骤已全部执行</div>
    ) : null}
  </div>
);

const Person: FC<{ r: Recipient; s: AlertStory; next: NextStep | undefined }> = ({ r, s, next }) => {
  const st = personState(r, s.now);
  const a = s.alert;
  const t = (x: number | null) => (x ? localTimeText(x, s.tz) : '');
  return (
    <tr data-key={`p:${r.personId}`}>
      <td class="name">
        {r.name}
        <div class="small muted">{ROLE_WORDS[r.role] ?? r.role}</div>
      </td>
      <td class={`state ${st.cls}`} data-col>
        {st.label}
      </td>
      <td class="small" data-col>
        {r.ackDeadline !== null && r.mustAck && <Deadline label="确认时限" at={r.ackDeadline} open={r.ackedAt === null} s={s} />}
        {r.arriveDeadline !== null && r.mustAck && <Deadline label="到岗时限" at={r.arriveDeadline} open={r.arrivedAt === null} s={s} />}
        {r.notifiedAt !== null && <div class="muted">通知于 {t(r.notifiedAt)}</div>}
      </td>
      <td class="small" data-col>
        {r.ackedAt !== null && (
          <div>
            {t(r.ackedAt)} 确认（{VIA_WORDS[r.ackVia ?? ''] ?? '其他方式'}
            {r.onBehalfOf ? `，${s.personName(r.onBehalfOf)} 代` : ''}）{r.ackNote && <div class="note">记录：{r.ackNote}</div>}
          </div>
        )}
        {r.arrivedAt !== null && (
          <div>
            {t(r.arrivedAt)} 到岗{r.distanceM !== null ? `，距指挥部 ${r.distanceM} 米` : '，未提供位置'}
            {r.farFromPost ? <span class="error">（超出范围）</span> : ''}
          </div>
        )}
        {r.arrivedAt !== null && r.arrival?.flagged && <div class="state-doubt">到岗存疑：{arrivalDoubts(r.arrival, s.townshipName).join('，')}</div>}
      </td>
      <td data-col>
        <Escalation r={r} next={next} s={s} />
      </td>
      <td class="small deliveries" data-col>
        {r.deliveries.slice(-4).map((d) => (
          <div>
            {localTimeText(d.at, s.tz).slice(-5)} {deliveryText(d)}
          </div>
        ))}
      </td>
      {s.canAct && (
        <td class="act">
          {a.status === 'open' && r.mustAck && r.ackedAt === null && <AckOnBehalf alertId={a.id} personId={r.personId} />}
          {a.status === 'open' && next && <EscalateNow alertId={a.id} personId={r.personId} />}
        </td>
      )}
    </tr>
  );
};

/** A deadline and, while it is still owed, its countdown. */
const Deadline: FC<{ label: string; at: number; open: boolean; s: AlertStory }> = ({ label, at, open, s }) => (
  <div>
    {label} {localTimeText(at, s.tz)}
    {open && (
      <>
        {' '}
        <Countdown deadline={at} now={s.now} />
      </>
    )}
  </div>
);

const Informed: FC<{ people: Recipient[]; s: AlertStory }> = ({ people, s }) => (
  <table class="stack people">
    <thead>
      <tr>
        <th>人员</th>
        <th>通知</th>
        <th>送达</th>
      </tr>
    </thead>
    <tbody>
      {people.map((r) => (
        <tr data-key={`p:${r.personId}`}>
          <td class="name">
            {r.name}
            <div class="small muted">{ROLE_WORDS[r.role] ?? r.role}</div>
          </td>
          <td class="small" data-col>
            {r.notifiedAt !== null ? `${localTimeText(r.notifiedAt, s.tz)} 通知` : '未通知'}
            {r.ackedAt !== null ? `，${localTimeText(r.ackedAt, s.tz)} 已阅` : ''}
          </td>
          <td class="small deliveries" data-col>
            {r.deliveries.slice(-4).map((d) => (
              <div>
                {localTimeText(d.at, s.tz).slice(-5)} {deliveryText(d)}
              </div>
            ))}
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

const People: FC<{ people: Recipient[]; s: AlertStory; steps: NextStep[] }> = ({ people, s, steps }) => (
  <table class="stack people">
    <thead>
      <tr>
        <th>人员</th>
        <th>状态</th>
        <th>时限</th>
        <th>应答</th>
        <th>升级</th>
        <th>送达</th>
        {s.canAct && <th>处置</th>}
      </tr>
    </thead>
    <tbody>
      {people.map((r) => (
        <Person r={r} s={s} next={steps.find((x) => x.personId === r.personId)} />
      ))}
    </tbody>
  </table>
);

export const AlertStoryView: FC<{ s: AlertStory }> = ({ s }) => {
  const a = s.alert;
  const steps = a.status === 'open' ? nextSteps(a, s.policy) : [];
  const must = a.recipients.filter((r) => r.mustAck);
  const informed = a.recipients.filter((r) => !r.mustAck);
  const t = (x: number) => localTimeText(x, s.tz);
  return (
    <main class="story">
      <section id="summary">
        <h2>
          {levelText(a.level)}
          {a.kind === 'response' ? '应急响应' : '预警'} ·{' '}
          {a.status === 'open' ? '未解除' : `已${a.kind === 'response' ? '结束' : '解除'}（${a.resolveReason ?? ''}）`}
        </h2>
        <p class="small">
          {t(a.openedAt)} 发布{a.raisedAt !== a.openedAt ? `，${t(a.raisedAt)} 升至${levelText(a.level)}` : ''}
          {a.resolvedAt ? `，${t(a.resolvedAt)} 由${a.resolvedBy === 'system' ? '系统自动' : s.personName(a.resolvedBy ?? '')}解除` : ''}
        </p>
        {a.declared && (
          <p class="small">
            {a.declared.notice}：{a.declared.reason}
          </p>
        )}
        {a.reasons.length > 0 && <p class="evidence">依据：{evidenceText(a.reasons, s.stationName, 6)}</p>}
        {a.kind === 'response' && a.responseId && (
          <p>
            <a href={`/board/responses/${encodeURIComponent(a.responseId)}`}>查看应急响应与到岗到位</a>
          </p>
        )}
        <p class="small">
          须应答 {must.length} 人：已确认 {must.filter((r) => r.ackedAt !== null).length}，已到岗 {must.filter((r) => r.arrivedAt !== null).length}；仅告知{' '}
          {informed.length} 人
        </p>
        {a.status === 'open' && s.canAct && steps.length > 0 && (
          <p class="small">
            下一次升级：{t(steps[0]!.due)} {s.personName(steps[0]!.personId)} {stepWords(steps[0]!.kind, steps[0]!.action)}（
            <Countdown deadline={steps[0]!.due} now={s.now} />）
          </p>
        )}
        {a.status === 'open' && a.kind !== 'response' && s.canAct && (
          <form method="post" action={`/board/alerts/${encodeURIComponent(a.id)}/resolve`}>
            <input type="text" name="reason" placeholder="解除原因" required minlength={2} size={24} /> <button type="submit">解除预警</button>
          </form>
        )}
      </section>
      <section id="must">
        <h2>须应答（{must.length}）</h2>
        {must.length === 0 ? <p class="muted">无须应答人员。</p> : <People people={must} s={s} steps={steps} />}
      </section>
      <section id="informed">
        <h2>仅告知（{informed.length}）</h2>
        {informed.length === 0 ? <p class="muted">无。</p> : <Informed people={informed} s={s} />}
      </section>
      <section id="timeline">
        <h2>时间线</h2>
        <table class="stack">
          <tbody>
            {a.timeline.map((e) => (
              <tr>
                <td class="small when">{t(e.at)}</td>
                <td class="what">{(a.kind !== 'response' && e.type === 'opened' ? '发布预警' : TIMELINE[e.type]) ?? '其他'}</td>
                <td class="small">{timelineDetail(e, s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
};

function timelineDetail(e: Alert['timeline'][number], s: AlertStory): string {
  const d = (e.detail ?? {}) as {
    by?: string;
    note?: string;
    via?: string;
    action?: string;
    notified?: string[];
    step?: number;
    early?: boolean;
    reason?: string;
    distanceM?: number | null;
  };
  const who = e.personId ? s.personName(e.personId) : '';
  const level = e.level ? levelText(e.level) : '';
  switch (e.type) {
    case 'acknowledged':
      return `${who}${d.by ? `（${s.personName(d.by)} 代为确认）` : `（${VIA_WORDS[d.via ?? ''] ?? '其他方式'}）`}${d.note ? `：${d.note}` : ''}`;
    case 'ack-overdue':
    case 'arrival-overdue':
      return `${who} 第${(d.step ?? 0) + 1}步 ${stepWords(e.type === 'ack-overdue' ? 'ack' : 'arrive', d.action ?? '')}${d.notified?.length && d.action !== 'renotify' && d.action !== 'call' ? `：${d.notified.map(s.personName).join('、')}` : ''}${d.early ? `（${s.personName(d.by ?? '')} 立即升级）` : ''}`;
    case 'resolved':
      return `${d.by ? s.personName(d.by) : ''}${d.reason ? `：${d.reason}` : ''}`;
    case 'arrived':
      return `${who}${typeof d.distanceM === 'number' ? `，距指挥部 ${d.distanceM} 米` : ''}`;
    default:
      return [who, level].filter(Boolean).join(' ');
  }
}
