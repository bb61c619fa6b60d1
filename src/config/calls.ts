import { z } from 'zod';
import { levelSchema } from './schema.js';

/**
 * `calls:` in config/policy.yaml — when a phone call (语音叫应) is the first contact, and the
 * per-number limits of the voice providers (Aliyun by default: 1 a minute, 5 an hour,
 * 20 a day to one number). A call over a limit is never placed: the provider would refuse
 * it; the next contact is used and the alert says why.
 */
export const callPolicySchema = z.strictObject({
  /** At these levels the first message to each person who must answer is a call. */
  firstAt: z.array(levelSchema).default([]),
  limits: z
    .strictObject({
      perMinute: z.number().int().min(0).default(1),
      perHour: z.number().int().min(0).default(5),
      perDay: z.number().int().min(0).default(20),
    })
    .prefault({}),
});
