import type { Logger } from 'pino';
import type { AppConfig } from './config/load.js';
import type { Keys } from './store/keys.js';
import type { ScriptedRedis } from './store/scripts.js';
import type { ReferenceStore } from './reference/store.js';
import type { CredentialStore } from './auth/credentials.js';
import type { AlertService } from './alerts/service.js';
import type { AnswerLinks } from './alerts/shortLinks.js';
import type { NoticeService } from './notices/service.js';
import type { ScheduledJobs } from './scheduled/jobs.js';
import type { Queue } from 'bullmq';
import type { CapNumbers } from './alerts/capIds.js';
import type { ResponseService } from './responses/service.js';
import type { Advisor } from './responses/advisor.js';
import type { Metrics } from './ops/metrics.js';
import type { ReceiptService } from './inbound/receipts.js';
import type { OutsideWarningService } from './warnings/service.js';
import type { StationStateReader } from './store/stationState.js';
import type { TownshipStateReader } from './store/townshipState.js';
import type { StreamReader } from './store/streams.js';
import type { SilenceStore } from './store/silences.js';
import type { HealthProbe } from './store/health.js';
import type { AuditLog } from './store/audit.js';
import type { BoardSessions } from './auth/sessions.js';
import type { RecordStore } from './reference/records.js';
import type { RosterService } from './roster/service.js';
import type { SignInCodes } from './auth/signInCodes.js';

/** What the HTTP adapters need, built once by the process (or by a test). */
export interface Services {
  config: AppConfig;
  redis: ScriptedRedis;
  keys: Keys;
  reference: ReferenceStore;
  credentials: CredentialStore;
  /** Board sign-in sessions (cookie session ids) and sign-in by a code sent by SMS. */
  sessions: BoardSessions;
  signIn: SignInCodes;
  /** Wakes the evaluation workers after an ingest. */
  kicker: { kick(opts?: { urgent?: boolean }): void };
  alerts: AlertService;
  /** HQ responses (应急响应) and the advice to declare one. */
  responses: ResponseService;
  advisor: Advisor;
  links: AnswerLinks;
  notices: NoticeService;
  /** Scheduled jobs (daily report, shift reminders, stale gauges, roster gaps), also run on demand. */
  scheduled: ScheduledJobs;
  /** The duty roster (值班表): CSV import, swaps, calendars. */
  roster: RosterService;
  /** The BullMQ queues (for /readyz and /metrics). */
  queues: Queue[];
  metrics: Metrics;
  /** Drill mode (演练模式: every message goes to the outbox) and the Redis key prefix of this deployment. */
  deployment: { drill: boolean; keyPrefix: string };
  /** GB/T 35965.1 message numbers of CAP series. */
  capNumbers: CapNumbers;
  /** Provider receipts (POST /v1/inbound/<endpoint>/<secret>). */
  receipts: ReceiptService;
  /** Outside warnings (CAP 1.2) into the townships they cover. */
  outside: OutsideWarningService;
  /** Read models between HTTP and Redis: stations, townships, the admin streams, the audit trail. */
  stationState: StationStateReader;
  townshipState: TownshipStateReader;
  streams: StreamReader;
  audit: AuditLog;
  silences: SilenceStore;
  health: HealthProbe;
  /** Roster records (people, shifts…) one by one, with revisions and audit. */
  records: RecordStore;
  /** The one clock. */
  now: () => number;
  log: Logger;
}

/**
 * What routes and pages receive: every service and read model, but not the Redis connection or the key
 * builder — HTTP and the board read and write through the stores, and the compiler keeps it so.
 */
export type HttpServices = Omit<Services, 'redis' | 'keys'>;
