import type { Level } from './levels.js';

/**
 * The words of the duty policy (config/policy.yaml) as the domain uses them: who can be told, the
 * escalation steps, and the parts of the policy the rules read. config/policy.ts parses the file into a
 * value of this shape (and more: links, CAP, delivery tuning); the domain sees only this.
 */

/** Who can be told: 联系市领导, 乡镇主要负责人, 责任人 of a watched object, 值班员, 带班领导, 指挥长. */
export const RECIPIENT_ROLES = ['liaison-leader', 'township-head', 'object-keeper', 'duty-officer', 'shift-leader', 'commander'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/** On a missed deadline: tell again, phone (语音叫应), or bring in the duty officer, shift leader, commander. */
export const ESCALATION_STEPS = ['renotify', 'call', 'duty-officer', 'shift-leader', 'commander'] as const;
export type EscalationStep = (typeof ESCALATION_STEPS)[number];

/** At one level: who is told, how fast they answer (ms) and, when asked, arrive at the command post (ms). */
export interface LevelPolicy {
  notify: RecipientRole[];
  ackWithin: number;
  arriveWithin: number | null;
}

/** HQ responses (应急响应): the same table as warnings, who must answer, who hears the advice to declare. */
export type ResponsesPolicy = Record<Level, LevelPolicy> & {
  mustAck: RecipientRole[];
  recommendTo: RecipientRole[];
  recommendTownshipsFrom: Level;
  autoLaunch: Level[];
};

/** When a call is the first contact, and the per-number limits of the voice providers. */
export interface CallPolicy {
  firstAt: Level[];
  limits: { perMinute: number; perHour: number; perDay: number };
}

export interface DutyPolicy {
  /** Warnings (预警). */
  levels: Record<Level, LevelPolicy>;
  responses: ResponsesPolicy;
  mustAck: RecipientRole[];
  escalation: EscalationStep[];
  repeatEscalation: number;
  calls: CallPolicy;
  clearAfter: number;
  autoResolve: boolean;
  arrivalRadiusM: number;
}
