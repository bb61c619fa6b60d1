import { z } from 'zod';
import { durationSchema, levelSchema } from './schema.js';
import { LEVELS } from '../domain/levels.js';
import { callPolicySchema } from './calls.js';

/**
 * `config/policy.yaml`: who is told at each level, how fast they must answer and arrive,
 * and what happens when they do not. The names here are the contract of the file.
 */
export const RECIPIENT_ROLES = ['liaison-leader', 'township-head', 'object-keeper', 'duty-officer', 'shift-leader', 'commander'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];
/** `call`: phone the person (语音叫应), then their other contacts. */
export const ESCALATION_STEPS = ['renotify', 'call', 'duty-officer', 'shift-leader', 'commander'] as const;
export type EscalationStep = (typeof ESCALATION_STEPS)[number];

const roleSchema = z.enum(RECIPIENT_ROLES, { error: `role must be one of ${RECIPIENT_ROLES.join(', ')}` });

export const levelPolicySchema = z.strictObject({
  notify: z.array(roleSchema).min(1, 'list who is told at this level'),
  ackWithin: durationSchema,
  arriveWithin: durationSchema,
});

export const policySchema = z
  .strictObject({
    levels: z.strictObject({ IV: levelPolicySchema, III: levelPolicySchema, II: levelPolicySchema, I: levelPolicySchema }),
    /** Who must answer (叫应) and arrive (到岗); the others are informed. */
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
    /** Public base URL of the service, for the personal ack links in messages. */
    publicUrl: z.string().url().default('http://127.0.0.1:8080'),
    /** Signature line of every message. */
    sender: z.string().min(1).default('防汛抗旱指挥部'),
    /** CAP 1.2 export (GET /v1/alerts/:id/cap.xml): the issuing office, GB/T 35965.1 identifiers. */
    cap: z
      .strictObject({
        /** 6-digit administrative division code (GB/T 2260) of the city. */
        adminCode: z.string().regex(/^\d{6}$/, 'adminCode is the 6-digit GB/T 2260 code, e.g. 341881').default('341881'),
        /** 3-digit organisation code (GB/T 4657) of the issuing office. */
        organCode: z.string().regex(/^\d{3}$/).default('000'),
        sender: z.string().min(1).default('fangxun@ningguo.invalid'),
        senderName: z.string().min(1).default('宁国市防汛抗旱指挥部'),
      })
      .prefault({}),
    /** How long an ack link stays valid. */
    linkTtl: durationSchema.default(7 * 86_400_000),
    /** Rebuilds lost timers and undelivered messages from the alert state this often. */
    sweepEvery: durationSchema.default(60_000),
    /** Delivery: attempts per contact and the first backoff (doubles each time). */
    delivery: z
      .strictObject({ attempts: z.number().int().min(1).max(20).default(4), backoff: durationSchema.default(2_000), concurrency: z.number().int().min(1).max(200).default(20) })
      .prefault({}),
  })
  .superRefine((p, ctx) => {
    for (const level of LEVELS) {
      const lp = p.levels[level];
      if (!p.mustAck.some((r) => lp.notify.includes(r))) {
        ctx.addIssue({ code: 'custom', path: ['levels', level, 'notify'], message: `nobody who must answer (${p.mustAck.join(', ')}) is told at level ${level}` });
      }
    }
  });

export type Policy = z.infer<typeof policySchema>;
export type LevelPolicy = z.infer<typeof levelPolicySchema>;
export { levelSchema };
