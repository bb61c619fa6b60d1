import { z } from 'zod';
import { operations } from '../api.js';
import { isoTime } from '../schemas.js';

/** A person's own delivery preferences (仅看板: no routine SMS for what the board shows). */
export const preferencesBody = z.strictObject({
  smsOptOut: z.boolean({ error: 'smsOptOut must be true (board only: no routine SMS) or false' }),
});

const preferencesSchema = z.object({
  personId: z.string(),
  smsOptOut: z.boolean().meta({
    description:
      'Board only (仅看板): no routine SMS (warnings told, lowered, ended; notices) while watching the board. Escalations to the person (叫应超时, re-notifications, reminders, calls) still come by SMS and phone.',
  }),
  updatedAt: isoTime.nullable(),
  updatedBy: z.string().nullable(),
});

const STAFF = ['admin', 'duty', 'leader'] as const;

export const peopleApi = operations({
  getPreferences: {
    method: 'get',
    path: '/v1/people/{id}/preferences',
    summary: "A person's delivery preferences; a person reads their own (or `me`), an admin anyone's",
    tag: 'People',
    roles: STAFF,
    status: 200,
    response: preferencesSchema,
  },
  putPreferences: {
    method: 'put',
    path: '/v1/people/{id}/preferences',
    summary: "Sets a person's delivery preferences (smsOptOut: board only); a person sets their own (or `me`), an admin anyone's; audited",
    tag: 'People',
    roles: STAFF,
    body: preferencesBody,
    status: 200,
    response: preferencesSchema,
    example: { smsOptOut: true },
  },
});
