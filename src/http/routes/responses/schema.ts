import { z } from 'zod';
import { LEVELS } from '../../../domain/levels.js';

/** Request bodies of the response routes. JSON names are the contract (`notice` is the HQ's notice number). */
const level = z.enum(LEVELS, { error: `level must be one of ${LEVELS.join(', ')}` });
const notice = z.string().trim().min(1, 'give the notice number, e.g. 宁防指〔2023〕4号').max(100);
const reason = z.string().trim().min(1, 'give the reason (e.g. 全市平均降雨量61毫米)').max(1000);
const townshipIds = z.array(z.string().min(1).max(64)).min(1, 'name at least one township, or use scope "city"').max(500);

export const startBody = z.strictObject({
  level,
  scope: z.union([z.literal('city'), z.strictObject({ townships: townshipIds })], { error: 'scope is "city" or { "townships": ["341881001", …] }' }),
  notice,
  reason,
  /** When the response takes effect (the notice's own time); default now. */
  startsAt: z.iso.datetime({ offset: true, error: 'startsAt is an ISO 8601 time with an offset, e.g. 2023-07-05T09:00:00+08:00' }).optional(),
});

export const adjustBody = z
  .strictObject({
    level: level.optional(),
    /** The new list of townships (widen, narrow), or "city". */
    townships: z.union([z.literal('city'), townshipIds]).optional(),
    notice,
    reason,
  })
  .refine((b) => b.level !== undefined || b.townships !== undefined, { message: 'give a new level, a new townships list, or both' });

export const endBody = z.strictObject({ notice, reason });

export const listQuery = z.enum(['active', 'ended'], { error: 'status must be active or ended' }).optional();
