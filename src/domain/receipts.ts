import type { Alert, Delivery } from './alerts/index.js';

/**
 * What a provider's receipt says about one message (送达回执, 呼叫结果, 按键), and what it
 * changes on the alert. Pure: the adapters parse the provider's format into a
 * `ReceiptFact` and find the delivery it belongs to (`DeliveryRef`).
 */
export const RECEIPT_OUTCOMES = [
  'delivered',
  'answered',
  'keypress',
  'no-answer',
  'busy',
  'rejected',
  'powered-off',
  'suspended',
  'vacant',
  'unreachable',
  'failed',
] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/** As shown on the alert and the board. */
export const RECEIPT_WORDS: Record<ReceiptOutcome, string> = {
  delivered: '已送达',
  answered: '已接听（未按键）',
  keypress: '已接听并按1确认',
  'no-answer': '未接听',
  busy: '用户忙',
  rejected: '拒接',
  'powered-off': '关机',
  suspended: '停机',
  vacant: '空号',
  unreachable: '无法接通',
  failed: '发送失败',
};

const REACHED: ReadonlySet<ReceiptOutcome> = new Set(['delivered', 'answered', 'keypress']);

/** The outcome named by a provider's status text (Chinese as the operators report it). */
export function outcomeFromText(text: string): ReceiptOutcome | null {
  const rules: Array<[RegExp, ReceiptOutcome]> = [
    [/关机|power.?off/i, 'powered-off'],
    [/停机|欠费|suspend/i, 'suspended'],
    [/空号|不存在|vacant|invalid number/i, 'vacant'],
    [/拒接|拒绝|reject/i, 'rejected'],
    [/忙|busy/i, 'busy'],
    [/未接|无人接听|no.?answer/i, 'no-answer'],
    [/无法接通|不在服务区|unreachable/i, 'unreachable'],
  ];
  for (const [re, outcome] of rules) if (re.test(text)) return outcome;
  return null;
}

export interface ReceiptFact {
  outcome: ReceiptOutcome;
  provider: string;
  /** The provider's own words, kept for the record. */
  detail: string;
}

export interface DeliveryRef {
  alertId: string;
  messageId: string;
  contactStep: number;
  personId: string;
}

/**
 * `nextContactStep` is also given for a duplicate whose move is still pending (a crash after
 * the first commit, before the next contact was queued): queuing it again is idempotent.
 */
export type ReceiptEffect =
  | { changed: false; reason: 'no-delivery' | 'no-message' }
  | { changed: false; reason: 'duplicate'; nextContactStep: number | null }
  | { changed: true; nextContactStep: number | null };

/**
 * Puts the receipt on its delivery (once: a retried receipt changes nothing) and says
 * whether the person's next contact is to be tried at once: when the phone was off, not
 * answered, refused, or a call needing "按1" was answered without it — and nobody has
 * answered yet. The message goes back to pending, so the ladder's next step sends it.
 */
export function applyReceipt(alert: Alert, ref: DeliveryRef, fact: ReceiptFact, now: number): ReceiptEffect {
  const m = alert.messages[ref.messageId];
  const r = m ? alert.recipients.find((x) => x.personId === m.personId) : undefined;
  if (!m || !r) return { changed: false, reason: 'no-message' };
  const mine = (d: Delivery) => d.messageId === ref.messageId && (d.contactStep ?? 0) === ref.contactStep && d.status === 'sent';
  const d = [...r.deliveries].reverse().find(mine);
  if (!d) return { changed: false, reason: 'no-delivery' };
  const latest = !r.deliveries.some((x) => x.messageId === m.id && (x.contactStep ?? 0) > ref.contactStep);
  if (d.receipt && (d.receipt.outcome === fact.outcome || d.receipt.outcome === 'keypress')) {
    const pendingMove = m.status === 'pending' && latest && d.receipt.outcome === fact.outcome && alert.status === 'open';
    return { changed: false, reason: 'duplicate', nextContactStep: pendingMove ? ref.contactStep + 1 : null };
  }
  d.receipt = { outcome: fact.outcome, text: RECEIPT_WORDS[fact.outcome], at: now, provider: fact.provider };
  alert.updatedAt = now;
  alert.timeline.push({
    at: now,
    type: 'delivery-receipt',
    personId: r.personId,
    detail: { messageId: m.id, channel: d.channel, outcome: fact.outcome, text: RECEIPT_WORDS[fact.outcome], provider: fact.provider, detail: fact.detail },
  });
  const unanswered = fact.outcome === 'answered' && d.channel === 'voice' && m.withLink;
  const missed = !REACHED.has(fact.outcome) || unanswered;
  const stillNeeded = alert.status === 'open' && m.status === 'sent' && !(m.withLink && r.ackedAt !== null);
  if (!missed || !latest || !stillNeeded) return { changed: true, nextContactStep: null };
  m.status = 'pending';
  return { changed: true, nextContactStep: ref.contactStep + 1 };
}
