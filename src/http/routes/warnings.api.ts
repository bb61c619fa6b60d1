import { z } from 'zod';
import { operations } from '../api.js';
import { isoTime, level } from '../schemas.js';
import { CAP_MSG_TYPE, CAP_STATUS } from '../../warnings/cap.js';
import { counts, outsideFromHash } from '../../domain/outside.js';

/** Outside warnings (外部预警, CAP 1.2) posted by the duty room or a relay from the publishing platform. */
const colour = z.enum(['red', 'orange', 'yellow', 'blue']).nullable();

export const outsideWarningSchema = z.object({
  source: z.string().meta({ description: 'Who published it, e.g. 宁国市气象台 (CAP senderName, else sender)' }),
  sender: z.string(),
  identifier: z.string(),
  sent: z.string(),
  event: z.string(),
  colour,
  level: level.nullable().meta({ description: 'The level its colour gives (warnings.colourLevels)' }),
  expires: isoTime.nullable(),
  headline: z.string().nullable(),
  status: z.string().meta({ description: 'CAP status; only Actual counts, an Exercise or Test is shown and never notifies' }),
  active: z.boolean().meta({ description: "True while it raises the township's warning level (Actual, not expired)" }),
});

const outcomeSchema = z.object({
  identifier: z.string(),
  sender: z.string(),
  msgType: z.enum(CAP_MSG_TYPE),
  status: z.enum(CAP_STATUS),
  event: z.string(),
  colour,
  level: level.nullable(),
  expires: isoTime.nullable(),
  townships: z
    .array(z.object({ id: z.string(), name: z.string(), by: z.enum(['geocode', 'polygon', 'circle']) }))
    .meta({ description: 'The townships it is stored on' }),
  removed: z
    .array(z.object({ townshipId: z.string(), identifier: z.string() }))
    .meta({ description: 'Earlier warnings this Update replaced or this Cancel ended' }),
  counts: z.boolean().meta({ description: 'False for an Exercise/Test/Draft: stored and shown, nobody is notified' }),
  note: z.string(),
});

export const warningsApi = operations({
  postWarning: {
    method: 'post',
    path: '/v1/warnings',
    summary:
      "An outside warning (气象台 暴雨预警信号, 山洪灾害气象风险预警, 水文 洪水预警) as CAP 1.2 XML (application/cap+xml or application/xml) or the same fields as JSON: stored on the townships its area covers; an Actual one raises their warning to at least its colour's level (notified and answered like a gauge warning), an Update replaces what it references, a Cancel ends it; an Exercise is stored and never notifies. A malformed message is a 400 saying where.",
    tag: 'Warnings',
    roles: ['duty', 'admin'],
    bodyType: 'application/cap+xml',
    body: z.string().meta({ description: 'CAP 1.2 <alert> (urn:oasis:names:tc:emergency:cap:1.2); JSON with Content-Type: application/json' }),
    status: 200,
    response: outcomeSchema,
  },
});

/** A township's outside warnings as the API shows them (GET /v1/townships/:id `outsideWarnings`). */
export function outsideView(hash: Record<string, string> | null | undefined, now: number): Array<z.input<typeof outsideWarningSchema>> {
  return outsideFromHash(hash).map((w) => ({ ...w, expires: w.expires === null ? null : new Date(w.expires).toISOString(), active: counts(w, now) }));
}
