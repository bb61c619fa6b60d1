import type { Level, MaybeLevel } from '../levels.js';
import type { TownshipReason } from '../township.js';
import type { DutyPolicy as Policy, EscalationStep, RecipientRole } from '../policy.js';
import type { ReceiptOutcome } from '../receipts.js';

/**
 * The alert of one township, as a pure state machine. Every transition takes the alert and
 * a context (time, policy, who holds each role) and returns the new alert with its effects:
 * messages to send, timers to set, ledger entries. The adapters store the alert atomically
 * and carry out the effects; nothing here does I/O.
 */
export type AlertStatus = 'open' | 'resolved';
export type MessageKind = 'notify' | 'renotify' | 'reminder' | 'escalate' | 'lowered' | 'adjusted' | 'resolved';
/**
 * What a township call-out is: a warning (预警, computed from readings; advice to the HQ) or the
 * township's part of an HQ response (应急响应, declared by notice; see domain/responses).
 */
export type CalloutKind = 'warning' | 'response';
export type DeadlineKind = 'ack' | 'arrive';

export interface Delivery {
  messageId: string;
  channel: string;
  /** Masked address (never a full phone number). */
  to: string;
  /** skipped: a call not placed (per-number limit); `error` says why. */
  status: 'sent' | 'failed' | 'retrying' | 'cancelled' | 'no-contact' | 'skipped';
  at: number;
  attempt: number;
  provider?: string;
  error?: string;
  /** Which rung of the person's contact ladder (receipts name it). */
  contactStep?: number;
  /** The provider's id of the message (BizId, CallId): receipts quote it. */
  providerMessageId?: string;
  /** The provider's receipt (src/domain/receipts.ts), in Chinese for the board. */
  receipt?: { outcome: ReceiptOutcome; text: string; at: number; provider: string };
}

export interface EscalationRecord {
  kind: DeadlineKind;
  epoch: number;
  step: number;
  action: EscalationStep;
  at: number;
  /** People told in this step. */
  notified: string[];
}

export interface Recipient {
  personId: string;
  name: string;
  role: RecipientRole;
  mustAck: boolean;
  notifiedAt: number | null;
  notifiedLevel: MaybeLevel;
  /** Raise number the current deadlines belong to. */
  epoch: number;
  deliveries: Delivery[];
  ackDeadline: number | null;
  ackedAt: number | null;
  ackVia: string | null;
  /** Who acknowledged on this person's behalf (a duty officer), if not the person. */
  onBehalfOf: string | null;
  ackNote: string | null;
  arriveDeadline: number | null;
  arrivedAt: number | null;
  distanceM: number | null;
  farFromPost: boolean | null;
  /** What is doubtful about the arrival (src/domain/alerts/arrival.ts); absent: not arrived, or stored before the check. */
  arrival?: ArrivalCheck;
  escalations: EscalationRecord[];
}

/**
 * An arrival (到岗) that does not mean what it says: reported far from the command post
 * (`far`, over `arrivalRadiusM`), without a location (`noLocation`), or by one person at
 * other posts within minutes (`multiPost`: those townships). `flagged` when any is true.
 */
export interface ArrivalCheck {
  far: boolean;
  distanceM: number | null;
  noLocation: boolean;
  multiPost: string[];
  flagged: boolean;
}

export interface AlertMessage {
  id: string;
  personId: string;
  /** The person this message is about (escalations); an ack by them cancels it. */
  aboutPersonId: string | null;
  kind: MessageKind;
  level: MaybeLevel;
  epoch: number;
  /** Which of the person's contacts to start with (re-notify moves on to the next). */
  contactOffset: number;
  /** Carries a personal ack link. */
  withLink: boolean;
  deadline: number | null;
  status: 'pending' | 'sent' | 'failed' | 'cancelled';
  createdAt: number;
  /** Escalation rung `call`: a phone call first (src/domain/calls.ts). */
  call?: boolean;
}

export interface Declaration {
  level: Level;
  notice: string;
  reason: string;
  by: string;
  at: number;
}

export interface TimelineEntry {
  at: number;
  type: string;
  level?: MaybeLevel;
  personId?: string;
  detail?: Record<string, unknown>;
}

export interface Alert {
  id: string;
  /** Absent on alerts stored before responses existed: a warning. */
  kind?: CalloutKind;
  /** The HQ response this township call-out belongs to (kind `response`). */
  responseId?: string | null;
  townshipId: string;
  level: Level;
  /** What the readings justify now (the declared level is a floor above it). */
  computedLevel: MaybeLevel;
  status: AlertStatus;
  openedAt: number;
  raisedAt: number;
  updatedAt: number;
  epoch: number;
  declared: Declaration | null;
  reasons: TownshipReason[];
  /** Readings have stayed below the alert level since `since` (for the clear period). */
  lowering: { since: number } | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  resolveReason: string | null;
  recipients: Recipient[];
  messages: Record<string, AlertMessage>;
  timeline: TimelineEntry[];
}

export interface LedgerEntry {
  type: 'ack-missed' | 'ack-late' | 'ack' | 'arrive-missed' | 'arrive-late' | 'arrive';
  alertId: string;
  /** Warning or response call-out (absent on entries written before responses: warning). */
  kind?: CalloutKind;
  responseId?: string | null;
  townshipId: string;
  personId: string;
  role: RecipientRole;
  level: MaybeLevel;
  notifiedAt: number | null;
  deadline: number | null;
  actual: number | null;
  at: number;
  /** For answers: how (link, voice keypress, sms-reply, arrival, duty officer…). */
  ackVia?: string;
  /** For arrivals: what is doubtful about it (far, no location, several posts). */
  arrival?: ArrivalCheck;
}

export interface Timer {
  alertId: string;
  personId: string;
  kind: DeadlineKind;
  epoch: number;
  step: number;
  due: number;
}

export interface Effects {
  messages: AlertMessage[];
  timers: Timer[];
  ledger: LedgerEntry[];
  /** Messages no longer to be sent (an ack, a resolve). */
  cancelled: string[];
}

export interface Person {
  id: string;
  name: string;
}

export interface AlertContext {
  now: number;
  policy: Policy;
  /** The people holding a role for the township at `now`. */
  whoIs(role: RecipientRole): Person[];
}

export const emptyEffects = (): Effects => ({ messages: [], timers: [], ledger: [], cancelled: [] });

export function messageId(alertId: string, personId: string, kind: MessageKind, epoch: number, extra = ''): string {
  return `${alertId}:${personId}:${kind}:${epoch}${extra ? `:${extra}` : ''}`;
}

export function newRecipient(p: Person, role: RecipientRole, mustAck: boolean): Recipient {
  return {
    personId: p.id,
    name: p.name,
    role,
    mustAck,
    notifiedAt: null,
    notifiedLevel: null,
    epoch: 0,
    deliveries: [],
    ackDeadline: null,
    ackedAt: null,
    ackVia: null,
    onBehalfOf: null,
    ackNote: null,
    arriveDeadline: null,
    arrivedAt: null,
    distanceM: null,
    farFromPost: null,
    escalations: [],
  };
}

export function addMessage(
  alert: Alert,
  fx: Effects,
  now: number,
  m: Pick<AlertMessage, 'personId' | 'aboutPersonId' | 'kind' | 'contactOffset' | 'withLink' | 'deadline' | 'call'>,
  extra = '',
): void {
  const id = messageId(alert.id, m.personId, m.kind, alert.epoch, extra);
  if (alert.messages[id]) return;
  const msg: AlertMessage = { ...m, id, level: alert.level, epoch: alert.epoch, status: 'pending', createdAt: now };
  alert.messages[id] = msg;
  fx.messages.push(msg);
}

export function ledgerEntry(alert: Alert, r: Recipient, type: LedgerEntry['type'], deadline: number | null, actual: number | null, at: number): LedgerEntry {
  return {
    type,
    alertId: alert.id,
    kind: alert.kind ?? 'warning',
    responseId: alert.responseId ?? null,
    townshipId: alert.townshipId,
    personId: r.personId,
    role: r.role,
    level: alert.level,
    notifiedAt: r.notifiedAt,
    deadline,
    actual,
    at,
  };
}
