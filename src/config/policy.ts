import { z } from 'zod';
import { colourLevelsSchema } from '../warnings/level.js';
import { durationOrOffSchema, durationSchema, levelSchema } from './schema.js';
import { LEVELS } from '../domain/levels.js';
import { RECIPIENT_ROLES, ESCALATION_STEPS, type DutyPolicy, type RecipientRole } from '../domain/policy.js';
import { callPolicySchema } from './calls.js';

/**
 * `config/policy.yaml`: who is told at each level, how fast they must answer and arrive,
 * and what happens when they do not. The names here are the contract of the file.
 */
// The roles and escalation steps are the domain's words (src/domain/policy.ts); this file reads them from YAML.
export { RECIPIENT_ROLES, ESCALATION_STEPS, type RecipientRole } from '../domain/policy.js';

const roleSchema = z.enum(RECIPIENT_ROLES, { error: `role must be one of ${RECIPIENT_ROLES.join(', ')}` });

export const levelPolicySchema = z.strictObject({
  notify: z.array(roleSchema).min(1, 'list who is told at this level'),
  ackWithin: durationSchema,
  /** Arrival at the command post (到岗); left out (or `none`): nobody is asked to go there at this level. */
  arriveWithin: z
    .union([z.literal('none').transform(() => null), durationSchema])
    .nullable()
    .default(null),
});

const levelTable = z.strictObject({ IV: levelPolicySchema, III: levelPolicySchema, II: levelPolicySchema, I: levelPolicySchema });

const responseLevel = (notify: RecipientRole[], ackWithin: number, arriveWithin: number) => ({ notify, ackWithin, arriveWithin });
const RESPONSE_INFORMED: RecipientRole[] = ['liaison-leader', 'township-head', 'duty-officer'];
const RESPONSE_INFORMED_HIGH: RecipientRole[] = [...RESPONSE_INFORMED, 'shift-leader', 'commander'];

/**
 * `responses:` — who an HQ response (应急响应, declared by numbered notice) reaches at each level,
 * same shape as `levels:` (which governs warnings), plus who must answer and arrive, who gets the
 * recommendation to declare one, and which warning levels launch a township response by themselves.
 */
export const responsesPolicySchema = z
  .strictObject({
    IV: levelPolicySchema.default(responseLevel(RESPONSE_INFORMED, 30 * 60_000, 4 * 3_600_000)),
    III: levelPolicySchema.default(responseLevel(RESPONSE_INFORMED, 15 * 60_000, 2 * 3_600_000)),
    II: levelPolicySchema.default(responseLevel(RESPONSE_INFORMED_HIGH, 10 * 60_000, 3_600_000)),
    I: levelPolicySchema.default(responseLevel(RESPONSE_INFORMED_HIGH, 5 * 60_000, 3_600_000)),
    /** Who must answer (叫应) and go to the command post (到岗到位); the others are informed. */
    mustAck: z.array(roleSchema).default(['liaison-leader', 'township-head']),
    /** Who is told, once per storm and level, that the warnings call for a response (建议启动). */
    recommendTo: z.array(roleSchema).default(['duty-officer', 'shift-leader', 'commander']),
    /** A township warning at this level or above is recommended on its own (below it, the city rules speak). */
    recommendTownshipsFrom: levelSchema.default('II'),
    /** Warning levels that launch a township response by themselves (off: []). */
    autoLaunch: z.array(levelSchema).default([]),
  })
  .prefault({});

export const policySchema = z
  .strictObject({
    /** Warnings (预警, computed from readings): who is told at each level and how fast they answer. */
    levels: levelTable,
    /** HQ responses (应急响应, declared by notice). */
    responses: responsesPolicySchema,
    /** Who must answer a warning (叫应) and, where the level asks for it, arrive (到岗); the others are informed. */
    mustAck: z.array(roleSchema).default(['liaison-leader', 'township-head']),
    /** On each missed deadline, the next step; the chain runs `repeatEscalation` times. */
    escalation: z.array(z.enum(ESCALATION_STEPS, { error: `escalation step must be one of ${ESCALATION_STEPS.join(', ')}` })).min(1),
    repeatEscalation: z.number().int().min(1).max(20).default(3),
    /** Phone calls: first contact at some levels, per-number limits (src/config/calls.ts). */
    calls: callPolicySchema.prefault({}),
    /** Readings must stay below a level this long before the alert is lowered. */
    clearAfter: durationSchema.default(2 * 3_600_000),
    /** Resolve by itself after `clearAfter` at level none (otherwise a person resolves it). */
    autoResolve: z.boolean().default(false),
    /** Arrival farther than this from the township's command post is flagged, metres. */
    arrivalRadiusM: z.number().positive().default(2_000),
    /** Arrivals by one person at different command posts within this long are flagged (multiPost). */
    arrivalMultiPostWithin: durationSchema.default(10 * 60_000),
    /** Public base URL of the service, for the personal ack links in messages. */
    publicUrl: z.string().url().default('http://127.0.0.1:8080'),
    /** Signature line of every message. */
    sender: z.string().min(1).default('防汛抗旱指挥部'),
    /** CAP 1.2 export (GET /v1/alerts/:id/cap.xml): the issuing office, GB/T 35965.1 identifiers. */
    cap: z
      .strictObject({
        /** 6-digit administrative division code (GB/T 2260) of the city. */
        adminCode: z
          .string()
          .regex(/^\d{6}$/, 'adminCode is the 6-digit GB/T 2260 code, e.g. 341881')
          .default('341881'),
        /** 3-digit organisation code (GB/T 4657) of the issuing office. */
        organCode: z
          .string()
          .regex(/^\d{3}$/)
          .default('000'),
        sender: z.string().min(1).default('fangxun@ningguo.invalid'),
        senderName: z.string().min(1).default('宁国市防汛抗旱指挥部'),
        /** `<expires>` of an Alert or Update: this long after it was sent. */
        expiresAfter: durationSchema.default(24 * 3_600_000),
        /** A resolved alert's Cancel stays in the Atom feed (and is valid) this long. */
        keepCancelFor: durationSchema.default(24 * 3_600_000),
      })
      .prefault({}),
    /** Outside warnings (POST /v1/warnings, CAP 1.2): the level each signal colour raises a township to; null: shown, raises nothing. */
    warnings: z
      .strictObject({
        colourLevels: colourLevelsSchema,
        /** Poll a publisher's Atom/RSS feed of CAP messages (off while `url` is null), every `every`. */
        feed: z.strictObject({ url: z.string().url().nullable().default(null), every: durationSchema.default(5 * 60_000) }).prefault({}),
      })
      .prefault({}),
    /** How long an ack link stays valid. */
    linkTtl: durationSchema.default(7 * 86_400_000),
    /** Rebuilds lost timers and undelivered messages from the alert state this often. */
    sweepEvery: durationSchema.default(60_000),
    /** Delivery: attempts per contact and the first backoff (doubles each time). */
    delivery: z
      .strictObject({
        attempts: z.number().int().min(1).max(20).default(4),
        backoff: durationSchema.default(2_000),
        concurrency: z.number().int().min(1).max(200).default(20),
        /** SMS to one person within this long go as one (您联系的西津街道、梅林镇…); 0: each alone. A Ⅱ/Ⅰ opening the window is never delayed. */
        bundleWithin: durationOrOffSchema.default(60_000),
      })
      .prefault({}),
  })
  .superRefine((p, ctx) => {
    for (const level of LEVELS) {
      const lp = p.levels[level];
      if (!p.mustAck.some((r) => lp.notify.includes(r))) {
        ctx.addIssue({
          code: 'custom',
          path: ['levels', level, 'notify'],
          message: `nobody who must answer (${p.mustAck.join(', ')}) is told at level ${level}`,
        });
      }
      const rp = p.responses[level];
      if (!p.responses.mustAck.some((r) => rp.notify.includes(r))) {
        ctx.addIssue({
          code: 'custom',
          path: ['responses', level, 'notify'],
          message: `nobody who must answer (${p.responses.mustAck.join(', ')}) is told at response level ${level}`,
        });
      }
    }
  });

export type Policy = z.infer<typeof policySchema>;
// The parsed file is a policy the domain can read: a compile error here means the two drifted apart.
true satisfies Policy extends DutyPolicy ? true : false;
export { levelSchema };
