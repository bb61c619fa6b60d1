import { plainText } from '../lib/text.js';
import { z } from 'zod';
import { ruleOverridesSchema, townshipPolicySchema } from '../config/schema.js';

/**
 * Reference data: townships, stations, people, assignments, shifts. These field names are
 * the contract of dataset files (`npm run import`, `POST /v1/admin/import`) and of the API.
 */
/** A person's, township's or station's name: one line, at most 100 characters. */
const NAME = plainText(100, { length: 1, message: 'name is required' });
const id = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(64)
  .regex(/^[\w.:-]+$/, 'may hold letters, digits, _ . : - only');
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be MM-DD, e.g. 05-01');
const isoInstant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with offset, e.g. 2026-07-01T08:00:00+08:00' });

export const coordinatesSchema = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

export const townshipSchema = z.strictObject({
  id,
  name: NAME,
  /** 乡镇 / 街道 / 乡 */
  kind: plainText(20).optional(),
  commandPost: coordinatesSchema.extend({ address: plainText(200).optional() }).optional(),
  rules: ruleOverridesSchema.optional(),
  aggregation: townshipPolicySchema.partial().optional(),
});

export const seasonalLevelSchema = z.strictObject({ from: monthDay, to: monthDay, level: z.number() });

export const thresholdsSchema = z.strictObject({
  warning: z.number().optional(),
  guarantee: z.number().optional(),
  record: z.number().optional(),
  floodLimit: z.union([z.number(), z.array(seasonalLevelSchema).min(1)]).optional(),
  design: z.number().optional(),
  check: z.number().optional(),
});

export const boundsSchema = z
  .strictObject({
    minLevel: z.number().optional(),
    maxLevel: z.number().optional(),
    maxRainPer5Min: z.number().positive().optional(),
  })
  .refine((b) => b.minLevel === undefined || b.maxLevel === undefined || b.minLevel < b.maxLevel, {
    message: 'minLevel must be below maxLevel',
  });

export const STATION_KINDS = ['rain', 'river', 'reservoir'] as const;

export const stationSchema = z.strictObject({
  id,
  name: NAME,
  kind: z.enum(STATION_KINDS, { error: `kind must be one of ${STATION_KINDS.join(', ')}` }),
  townshipId: id,
  river: plainText(100).optional(),
  location: coordinatesSchema.optional(),
  intervalMinutes: z.number().int().min(1).max(1440).default(5),
  thresholds: thresholdsSchema.optional(),
  bounds: boundsSchema.optional(),
  rules: ruleOverridesSchema.optional(),
  /** F5 relative levels are added to this base (m). */
  baseLevel: z.number().optional(),
  sl651Address: z
    .string()
    .regex(/^[0-9A-Fa-f]{10}$/, 'must be 10 hex digits')
    .optional(),
  sl651Password: z
    .string()
    .regex(/^[0-9A-Fa-f]{4}$/, 'must be 4 hex digits')
    .optional(),
});

export const CONTACT_CHANNELS = ['sms', 'voice', 'wecom', 'dingtalk', 'email', 'webhook'] as const;
// One mailbox: no list, no display name, no header-breaking characters.
const ONE_EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
export const contactSchema = z
  .strictObject({
    channel: z.enum(CONTACT_CHANNELS, { error: `channel must be one of ${CONTACT_CHANNELS.join(', ')}` }),
    to: plainText(512, { length: 1, message: 'to is required' }),
  })
  .refine((c) => c.channel !== 'email' || (c.to.length <= 254 && ONE_EMAIL.test(c.to)), {
    message: 'an email contact must be one address, e.g. leader@ningguo.gov.cn (no lists, names or spaces)',
    path: ['to'],
  });

export const personSchema = z.strictObject({
  id,
  name: NAME,
  title: plainText(100).optional(),
  /** City-wide roles, e.g. commander (指挥长). */
  cityRoles: z
    .array(plainText(50, { length: 1, message: 'must not be empty' }))
    .max(20)
    .default([]),
  contacts: z.array(contactSchema).default([]),
});

export const ASSIGNMENT_ROLES = ['liaison-leader', 'township-head', 'object-keeper'] as const;
export const assignmentSchema = z.strictObject({
  townshipId: id,
  personId: id,
  role: z.enum(ASSIGNMENT_ROLES, { error: `role must be one of ${ASSIGNMENT_ROLES.join(', ')}` }),
  /** For object-keeper (包保责任人): the reservoir, dike section or village. */
  object: plainText(200).optional(),
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

export const shiftSchema = z
  .strictObject({
    id: id.optional(),
    start: isoInstant,
    end: isoInstant,
    leaderId: id,
    officerIds: z.array(id).min(1, 'needs at least one duty officer'),
    phone: plainText(50).optional(),
  })
  .refine((s) => Date.parse(s.start) < Date.parse(s.end), { message: 'end must be after start', path: ['end'] });

export const datasetSchema = z.strictObject({
  townships: z.array(townshipSchema).default([]),
  stations: z.array(stationSchema).default([]),
  people: z.array(personSchema).default([]),
  assignments: z.array(assignmentSchema).default([]),
  shifts: z.array(shiftSchema).default([]),
});

export type Township = z.infer<typeof townshipSchema>;
export type Station = z.infer<typeof stationSchema>;
export type Person = z.infer<typeof personSchema>;
export type Assignment = z.infer<typeof assignmentSchema>;
export type Shift = z.infer<typeof shiftSchema> & { id: string };
export type Dataset = z.infer<typeof datasetSchema>;
export type DatasetInput = z.input<typeof datasetSchema>;
