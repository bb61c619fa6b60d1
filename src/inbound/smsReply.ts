import type { ReferenceStore } from '../reference/store.js';
import type { AlertService } from '../alerts/service.js';

/**
 * An SMS reply (回复 "1" / "收到") acknowledges the newest unanswered alert message of the
 * person whose mobile sent it (and the others told within `bundleWithin` of it: one bundled SMS
 * names them all): through a provider's SmsUp receipt or a gateway's POST.
 */
export interface SmsReplyOutcome {
  acknowledged: boolean;
  reply: string;
  alertId?: string;
  personId?: string;
}

const YES = new Set(['1', '收到', '确认', '收到确认']);
const normal = (n: string) => n.replace(/[^\d]/g, '').replace(/^86(?=1\d{10}$)/, '');

export async function acknowledgeBySms(d: { reference: ReferenceStore; alerts: AlertService }, from: string, text: string): Promise<SmsReplyOutcome> {
  if (!YES.has(text.trim().replace(/[。.!！\s]/g, ''))) return { acknowledged: false, reply: '未识别的回复。回复“1”或“收到”确认防汛叫应消息。' };
  const ref = await d.reference.snapshot();
  const people = [...ref.people.values()].filter((p) =>
    p.contacts.some((ct) => (ct.channel === 'sms' || ct.channel === 'voice') && normal(ct.to) === normal(from)),
  );
  if (people.length === 0) return { acknowledged: false, reply: '本号码未登记为防汛责任人，无法确认。' };
  // Both a township's warning and its part of an HQ response may be waiting for an answer.
  const ids = [...ref.townships.keys()];
  const open = [...(await d.alerts.store.openAlertIds(ids, 'warning')).values(), ...(await d.alerts.store.openAlertIds(ids, 'response')).values()];
  const waiting = (await d.alerts.store.getMany(open))
    .flatMap((a) =>
      people.flatMap((p) => a.recipients.filter((r) => r.personId === p.id && r.ackedAt === null && r.notifiedAt !== null).map((r) => ({ a, r }))),
    )
    .sort((x, y) => (y.r.notifiedAt ?? 0) - (x.r.notifiedAt ?? 0));
  const newest = waiting[0];
  if (!newest) return { acknowledged: false, reply: '您目前没有待确认的防汛叫应消息。' };
  await d.alerts.acknowledge(newest.a.id, newest.r.personId, 'sms-reply');
  // A bundled SMS named several townships: its "1" answers every one told within the bundle window.
  const within = d.alerts.bundleWithin;
  const together = waiting
    .slice(1)
    .filter((w) => w.r.personId === newest.r.personId && within > 0 && (newest.r.notifiedAt ?? 0) - (w.r.notifiedAt ?? 0) <= within);
  for (const w of together) await d.alerts.acknowledge(w.a.id, w.r.personId, 'sms-reply').catch(() => null);
  if (together.length) {
    const names = [newest, ...together].map((w) => ref.townships.get(w.a.townshipId)?.name ?? w.a.townshipId);
    return {
      acknowledged: true,
      alertId: newest.a.id,
      personId: newest.r.personId,
      reply: `已确认：${[...new Set(names)].join('、')}共${together.length + 1}项防汛叫应消息。`,
    };
  }
  const name = ref.townships.get(newest.a.townshipId)?.name ?? newest.a.townshipId;
  const what = newest.a.kind === 'response' ? `${name}防汛应急响应。请尽快赶赴指挥部到岗。` : `${name}防汛预警。请组织做好防范。`;
  return { acknowledged: true, alertId: newest.a.id, personId: newest.r.personId, reply: `已确认：${what}` };
}
