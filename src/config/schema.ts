import { z } from 'zod';
import { LEVELS } from '../domain/levels.js';
import { parseDuration } from '../domain/duration.js';
import { isValidTimeZone } from '../domain/hydroDay.js';
import { RAIN_WINDOWS, RESERVOIR_THRESHOLDS, RIVER_THRESHOLDS } from '../domain/rules.js';
import { isAddressOrBlock } from '../http/clientAddress.js';

/** zod schemas of everything under config/. Shapes here are the contract of the files. */
export const levelSchema = z.enum(LEVELS, { error: `level must be one of ${LEVELS.join(', ')}` });

export const durationSchema = z
  .string()
  .refine((s) => parseDuration(s) !== null, { message: 'duration must look like 30s, 15m, 2h or 1d' })
  .transform((s) => parseDuration(s)!);

/** A duration that may also be off: `0` or `0s` (any unit) mean 0. */
const offMessage = 'duration must look like 0 (off), 500ms, 1s or 2m';
export const durationOrOffSchema = z.union(
  [
    z.literal(0),
    z
      .string()
      .refine((s) => /^0+(\.0+)?(ms|s|m|h|d)?$/.test(s.trim()) || parseDuration(s) !== null, { message: offMessage })
      .transform((s) => parseDuration(s) ?? 0),
  ],
  { error: offMessage },
);

export const rainfallRuleSchema = z.strictObject({
  window: z.enum(RAIN_WINDOWS, { error: `window must be one of ${RAIN_WINDOWS.join(' ')}` }),
  mm: z.number().positive(),
  level: levelSchema,
});

const waterRule = <T extends readonly [string, ...string[]]>(names: T) =>
  z.strictObject({
    over: z.enum(names, { error: `over must be one of ${names.join(', ')}` }),
    by: z.number().default(0),
    level: levelSchema,
  });

export const riverRuleSchema = waterRule(RIVER_THRESHOLDS);
export const reservoirRuleSchema = waterRule(RESERVOIR_THRESHOLDS);
export const riseRuleSchema = z.strictObject({ mPerHour: z.number().positive(), raiseBy: z.number().int().min(1).max(3).default(1) });

/** A rules block on a station or township: each category present replaces the default. */
export const ruleOverridesSchema = z.strictObject({
  rainfall: z.array(rainfallRuleSchema).optional(),
  river: z.array(riverRuleSchema).optional(),
  reservoir: z.array(reservoirRuleSchema).optional(),
  rise: riseRuleSchema.nullable().optional(),
});

export const townshipPolicySchema = z.strictObject({
  aggregate: z.enum(['max', 'mean']).default('max'),
  minStations: z.partialRecord(levelSchema, z.number().int().min(1)).default({}),
});

/** `city:` rules: the city as a whole (全市), which produce the city-wide recommendation to the HQ. */
export const cityRulesSchema = z.strictObject({
  /** On the city mean rainfall (全市平均降雨量) over a window. */
  rainfall: z.array(rainfallRuleSchema).default([]),
  /** On how many townships are at a warning level or above (`count`, or `share` of all townships). */
  townships: z
    .array(
      z
        .strictObject({ atLeast: levelSchema, count: z.number().int().min(1).optional(), share: z.number().gt(0).max(1).optional(), level: levelSchema })
        .refine((r) => r.count !== undefined || r.share !== undefined, { message: 'give count (townships) or share (0–1 of all townships)' }),
    )
    .default([]),
});

export const levelsConfigSchema = z.strictObject({
  timezone: z.string().default('Asia/Shanghai').refine(isValidTimeZone, { message: 'timezone must be an IANA zone such as Asia/Shanghai' }),
  dayStartHour: z.number().int().min(0).max(23).default(8),
  /** Start of the rain season (入梅), MM-DD: the `season` window counts rain since then. */
  seasonStart: z
    .string()
    .regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'seasonStart is a month-day such as 06-10 (入梅)' })
    .default('06-01'),
  rainfall: z.array(rainfallRuleSchema),
  river: z.array(riverRuleSchema).default([]),
  reservoir: z.array(reservoirRuleSchema).default([]),
  rise: riseRuleSchema.nullable().default(null),
  township: townshipPolicySchema.default({ aggregate: 'max', minStations: {} }),
  city: cityRulesSchema.prefault({}),
});

export const serviceConfigSchema = z.strictObject({
  /** Load balancers whose X-Forwarded-For is believed (addresses or CIDR blocks); nobody else's is. */
  trustedProxies: z.array(z.string().refine(isAddressOrBlock, { message: 'each entry must be an IP address or a CIDR block such as 10.0.0.0/8' })).default([]),
  ingest: z
    .strictObject({
      /** Most readings in one POST. */
      maxBatch: z.number().int().min(1).max(100_000).default(10_000),
      /** Largest request body accepted, bytes. */
      maxBodyBytes: z
        .number()
        .int()
        .min(1024)
        .default(4 * 1024 * 1024),
      /** Readings further than this in the future are refused. */
      maxFuture: durationSchema.default(5 * 60_000),
      /** Readings older than this are refused (gauges forward stored data after outages). */
      maxAge: durationSchema.default(7 * 86_400_000),
    })
    .prefault({}),
  evaluation: z
    .strictObject({
      /** Raw readings kept per station for the rolling windows; older ones move to the daily archive. */
      hotRetention: durationSchema.default(26 * 3_600_000),
      /** Stations taken per claim by one worker. */
      claimBatch: z.number().int().min(1).max(5_000).default(500),
      /** A claim not released within this is handed to another worker (crashed worker). */
      claimLease: durationSchema.default(60_000),
      /** Under a backlog, a station is evaluated once its first new reading has waited this long (urgent ones at once). */
      settle: durationOrOffSchema.default(0),
      /** Stations with rain or a level are re-evaluated this often so windows roll forward. */
      refreshEvery: durationSchema.default(60_000),
      /** Wake-ups of the evaluation are coalesced over this window (per API process). */
      kickDelay: durationSchema.default(20),
      /** Safety sweep for dirty stations whose wake-up was lost. */
      sweepEvery: durationSchema.default(1_000),
      concurrency: z.number().int().min(1).max(64).default(2),
    })
    .prefault({}),
  sl651: z
    .strictObject({
      /** A connection silent this long is closed (RTUs reconnect). */
      idleTimeout: durationSchema.default(10 * 60_000),
      /** Largest frame accepted, bytes (the length field allows 4,095 bytes of body). */
      maxFrameBytes: z.number().int().min(64).max(8_192).default(4_112),
      /** How acks end: ESC keeps the link online, EOT releases it. */
      ackTerminator: z.enum(['EOT', 'ESC']).default('ESC'),
      /** Echo the gauge's send time in acks instead of the centre's clock. */
      echoSendTime: z.boolean().default(false),
      /** Open connections in total; more are closed at once. */
      maxConnections: z.number().int().min(1).default(2_000),
      /** Open connections from one remote address; more are closed at once. */
      maxConnectionsPerPeer: z.number().int().min(1).default(16),
      /** Wrong passwords per peer or address before each further one closes the door for a doubling backoff. */
      passwordFreeFailures: z.number().int().min(1).default(3),
      /** Wrong passwords within passwordLockout that lock the peer or address out (with a notice to the duty room). */
      passwordLockAfter: z.number().int().min(2).default(10),
      /** How long a lockout lasts; failures older than this are forgotten. */
      passwordLockout: durationSchema.default(3_600_000),
    })
    .prefault({}),
  rateLimit: z
    .strictObject({
      /** Requests per minute per gauge key, per API process (a batch counts once). 0 = no limit. */
      gauge: z.number().int().min(0).default(600),
      /** Requests per minute per staff token, per API process. 0 = no limit. */
      staff: z.number().int().min(0).default(1_200),
      /** Requests per minute per client address without a valid token (and for answer links that do not verify). */
      anonymous: z.number().int().min(0).default(300),
      /** Requests per minute to one genuine answer link from one client address. */
      answerLink: z.number().int().min(0).default(30),
      /** Sign-in attempts (POST /board/login) per minute per client address. */
      login: z.number().int().min(0).default(10),
      /** Wrong sign-in tokens per minute over all clients together; past it every sign-in waits. */
      loginFailures: z.number().int().min(0).default(100),
      /** Live board streams (/board/events) open at once per token, per API process; 0 = no limit. */
      streamsPerToken: z.number().int().min(0).default(5),
      /** Most buckets kept in memory; past it the least recently used one is dropped. */
      maxBuckets: z.number().int().min(100).default(100_000),
    })
    .prefault({}),
  signIn: z
    .strictObject({
      /** How long a board session lasts (a duty shift is 24 h; sign-in by token or by code alike). */
      sessionLength: durationSchema.default(24 * 3_600_000),
      /** A sign-in code sent by SMS is good for this long, once. */
      codeTtl: durationSchema.default(5 * 60_000),
      /** Wrong entries of one code before it is void (a new code must be asked for). */
      codeAttempts: z.number().int().min(1).max(20).default(5),
      /** Codes asked for one phone number per hour (known or not: the answer never tells). 0 = no limit. */
      codesPerPhone: z.number().int().min(0).default(5),
      /** Codes asked for from one client address per hour. 0 = no limit. */
      codesPerAddress: z.number().int().min(0).default(20),
    })
    .prefault({}),
  archive: z
    .strictObject({
      /** How long the per-day archive of raw readings is kept. */
      keep: durationSchema.default(400 * 86_400_000),
    })
    .prefault({}),
});

export type LevelsConfig = z.infer<typeof levelsConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
