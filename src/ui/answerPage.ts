import { html } from 'hono/html';
import type { Alert, Recipient } from '../domain/alerts/index.js';
import { arrivalDoubts, evidenceText, levelText, localTimeText, ROLE_WORDS } from '../domain/wording.js';

/**
 * The personal answer page (/a/<code>): every open item of one person on one page — a leader
 * with three townships answers all three with one tap — with, per item, its level, evidence,
 * state, the command post (a link that opens a map app) and the arrival button; and the duty
 * room's phone on top (tap to call). Chinese, small, works without JavaScript.
 */
export interface AnswerItem {
  alert: Alert;
  recipient: Recipient;
  townshipName: string;
  commandPost: { lat: number; lon: number; address?: string } | null;
  stationName: (id: string) => string;
}

export interface AnswerPageInput {
  items: AnswerItem[];
  /** 值班电话 of the shift on duty now (empty: none on the roster). */
  dutyPhones: string[];
  timeZone: string;
  notice?: string;
  townshipName: (id: string) => string;
}

export function shell(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="zh-CN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>${title}</title>
        <link rel="stylesheet" href="/board/assets/answer.css" />
        <link rel="icon" href="/board/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;
}

/** A link that opens the phone's map app at the post: Amap's URI (app when installed, web otherwise), WGS-84 as the gauges and phones report. */
export function mapUrl(p: { lat: number; lon: number; address?: string }, name: string): string {
  const q = new URLSearchParams({
    position: `${p.lon},${p.lat}`,
    name: p.address ?? `${name}防汛指挥部`,
    coordinate: 'wgs84',
    callnative: '1',
    src: 'fangxun',
  });
  return `https://uri.amap.com/marker?${q.toString()}`;
}

/** The standard geo: URI (RFC 5870), for other map apps. */
export function geoUri(p: { lat: number; lon: number; address?: string }, name: string): string {
  return `geo:${p.lat},${p.lon}?q=${p.lat},${p.lon}(${encodeURIComponent(p.address ?? `${name}防汛指挥部`)})`;
}

const telHref = (phone: string) => `tel:${phone.replace(/[^\d+]/g, '')}`;

function itemState(it: AnswerItem, tz: string, townshipName: (id: string) => string) {
  const { alert, recipient: r } = it;
  if (alert.status !== 'open')
    return html`<p class="state">已${alert.kind === 'response' ? '终止' : '解除'}${alert.resolveReason ? `：${alert.resolveReason}` : ''}。</p>`;
  const parts = [
    r.ackedAt !== null
      ? html`<span class="ok">已确认 ${localTimeText(r.ackedAt, tz)}</span>`
      : html`<span class="due">待确认${r.ackDeadline ? `（时限 ${localTimeText(r.ackDeadline, tz)}）` : ''}</span>`,
    r.arrivedAt !== null
      ? r.arrival?.flagged
        ? html`<span class="doubt">到岗存疑 ${localTimeText(r.arrivedAt, tz)}（${arrivalDoubts(r.arrival, townshipName).join('，')}）</span>`
        : html`<span class="ok">已到岗 ${localTimeText(r.arrivedAt, tz)}${r.distanceM !== null ? `，距指挥部 ${r.distanceM} 米` : ''}</span>`
      : r.mustAck && r.arriveDeadline !== null
        ? html`<span class="due">待到岗（时限 ${localTimeText(r.arriveDeadline, tz)}）</span>`
        : '',
  ];
  return html`<p class="state">${parts[0]} ${parts[1]}</p>`;
}

function itemCard(it: AnswerItem, tz: string, townshipNames: (id: string) => string) {
  const { alert, recipient: r, townshipName } = it;
  const open = alert.status === 'open';
  const what = alert.kind === 'response' ? '防汛应急响应' : '防汛预警';
  const evidence = evidenceText(alert.reasons, it.stationName);
  const post = it.commandPost;
  return html`<section class="item" id="item-${alert.id}" data-alert="${alert.id}">
    <h2>${townshipName} <span class="lv ${alert.level}">${levelText(alert.level)}</span> <span class="what">${what}</span></h2>
    ${alert.declared && evidence ? html`<p class="muted">${alert.declared.notice}${alert.declared.reason ? `：${alert.declared.reason}` : ''}</p>` : ''}
    ${
      evidence
        ? html`<p class="evidence">依据：${evidence}</p>`
        : alert.declared
          ? html`<p class="evidence">依据：市防指决定（${alert.declared.notice}）${alert.declared.reason ? `，${alert.declared.reason}` : ''}</p>`
          : ''
    }
    ${itemState(it, tz, townshipNames)}
    ${
      open && r.ackedAt === null
        ? html`<form method="post"><input type="hidden" name="action" value="ack" /><input type="hidden" name="alert" value="${alert.id}" /><button type="submit">确认收到</button></form>`
        : ''
    }
    ${
      post
        ? html`<p class="post">指挥部：<a class="map" href="${mapUrl(post, townshipName)}" rel="noopener">${post.address ?? `${townshipName}防汛指挥部`}（打开地图）</a> <a class="geo small" href="${geoUri(post, townshipName)}">其他地图</a></p>`
        : ''
    }
    ${
      open && r.mustAck && r.arrivedAt === null && r.arriveDeadline !== null
        ? html`<p class="muted">报到岗时将请求您手机的位置，用于核对您是否已在${townshipName}指挥部；不提供位置也可报到岗，但会标记为“未提供位置”。</p>
          <form method="post" class="arrive"><input type="hidden" name="action" value="arrive" /><input type="hidden" name="alert" value="${alert.id}" /><input type="hidden" name="lat" /><input type="hidden" name="lon" />
            <button type="submit" class="secondary">我已到岗</button></form>`
        : ''
    }
  </section>`;
}

export function answerPage(input: AnswerPageInput) {
  const { items, timeZone: tz } = input;
  const first = items[0]!;
  const r = first.recipient;
  const waiting = items.filter((it) => it.alert.status === 'open' && it.recipient.ackedAt === null);
  const arriving = items.some(
    (it) => it.alert.status === 'open' && it.recipient.mustAck && it.recipient.arrivedAt === null && it.recipient.arriveDeadline !== null,
  );
  const title = items.length > 1 ? `防汛叫应确认 - ${items.map((i) => i.townshipName).join('、')}` : `防汛叫应确认 - ${first.townshipName}`;
  return shell(
    title,
    html`<h1>防汛叫应确认</h1>
      <p>${r.name}（${ROLE_WORDS[r.role] ?? r.role}）${items.length > 1 ? html`：您联系的 ${items.map((i) => i.townshipName).join('、')}，共 ${items.length} 项` : ''}</p>
      ${input.notice ? html`<p class="ok">${input.notice}</p>` : ''}
      ${
        input.dutyPhones.length
          ? html`<p class="duty">值班室电话：${input.dutyPhones.map((p) => html`<a class="tel" href="${telHref(p)}">${p}</a> `)}</p>`
          : html`<p class="duty muted">当前值班表未登记值班电话。</p>`
      }
      ${
        waiting.length > 1
          ? html`<form method="post"><input type="hidden" name="action" value="ack-all" /><button type="submit">全部确认收到（${waiting.length}项）</button></form>`
          : ''
      }
      ${items.map((it) => itemCard(it, tz, input.townshipName))}
      ${arriving ? html`<script src="/board/assets/answer.js"></script>` : ''}
      <p class="muted">宁国市防汛值守 · 如有疑问请致电值班室</p>`,
  );
}
