import { OutsideWarningService } from './warnings/service.js';
import { WarningFeed } from './warnings/feed.js';
import { pino, type Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import type { Hono } from 'hono';
import type { AppConfig } from './config/load.js';
import { Keys } from './store/keys.js';
import { StationStateReader } from './store/stationState.js';
import { TownshipStateReader } from './store/townshipState.js';
import { StreamReader } from './store/streams.js';
import { AuditLog } from './store/audit.js';
import { SilenceStore } from './store/silences.js';
import { HealthProbe } from './store/health.js';
import { BoardSessions } from './auth/sessions.js';
import { RecordStore } from './reference/records.js';
import { requestMixin } from './lib/requestContext.js';
import { redactingDestination } from './lib/redact.js';
import { MissingSecretError, missingSecret } from './config/secrets.js';
import { createRedis, waitReady } from './store/redis.js';
import { withScripts, type ScriptedRedis } from './store/scripts.js';
import { ReferenceStore } from './reference/store.js';
import { CredentialStore } from './auth/credentials.js';
import { createEvaluateQueue, createEvaluateWorker, ensureEvaluationSchedulers, EvaluationKicker } from './queue/evaluate.js';
import { createApp } from './http/app.js';
import type { AppEnv } from './http/auth.js';
import type { Services } from './services.js';
import type { EngineContext } from './evaluation/engine.js';
import { sendDoubtfulArrival } from './alerts/arrivalNotice.js';
import { AlertService } from './alerts/service.js';
import { LinkSigner } from './alerts/links.js';
import { AnswerLinks } from './alerts/shortLinks.js';
import { BullAlertScheduler, createAlertsQueue, createAlertsWorker, ensureAlertSchedulers } from './queue/alerts.js';
import type { Channel } from './channels/types.js';
import { drillChannels } from './channels/outbox.js';
import { CapNumbers } from './alerts/capIds.js';
import { NoticeService } from './notices/service.js';
import { ResponseService } from './responses/service.js';
import { ResponseStore } from './store/responseState.js';
import { Advisor } from './responses/advisor.js';
import { Metrics } from './ops/metrics.js';
import { ScheduledJobs } from './scheduled/jobs.js';
import { scheduleOf, RedisSlotLock, startSchedule } from './scheduled/cron.js';
import { RosterService } from './roster/service.js';
import { SignInCodes, staffByPhone } from './auth/signInCodes.js';
import { inboundSecrets, ReceiptService, type ReceiptDeps } from './inbound/receipts.js';
import { readEnv } from './config/env.js';

/**
 * Wires one process: the API, the workers and the schedulers, or any subset of them
 * (scale-out runs API and worker processes separately against one Redis).
 */
export interface RuntimeOptions {
  config: AppConfig;
  redisUrl: string;
  /** Key prefix; one deployment per prefix (tests use their own). Default: FANGXUN_KEY_PREFIX or `fx`. */
  prefix?: string;
  adminToken?: string;
  workers?: boolean;
  /** Upserts the job schedulers (sweep, refresh). Idempotent; any process may do it. */
  schedulers?: boolean;
  now?: () => number;
  log?: Logger;
  /** Notification channels by name (see src/channels). */
  channels?: Map<string, Channel>;
  /** Runs the scheduled duties (daily report, reminders, stale-gauge check) with node-cron. */
  cron?: boolean;
  /** Drill mode: every message goes to the outbox (GET /v1/admin/outbox), none to a provider. */
  drill?: boolean;
  /** Where FANGXUN_DRILL and the secrets are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Path secrets of the receipt endpoints; default from the environment (channels.yaml `inbound`). */
  inboundSecrets?: Map<string, string>;
}

export interface Runtime {
  services: Services;
  app: Hono<AppEnv>;
  workers: Worker[];
  close(): Promise<void>;
}

/** JSON lines on stdout (or `dest`), with the request id on each and answer links redacted from all. */
export function createLogger(level = readEnv().logLevel, dest: { write(s: string): unknown } = pino.destination(1)): Logger {
  return pino({ level, base: { service: 'fangxun' }, mixin: requestMixin }, redactingDestination(dest));
}

export async function createRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const log = opts.log ?? createLogger();
  const now = opts.now ?? Date.now;
  const keys = new Keys(opts.prefix ?? readEnv(opts.env).keyPrefix);
  const connections: Redis[] = [];
  const connect = (kind: 'api' | 'worker') => {
    const c = createRedis(opts.redisUrl, kind);
    c.on('error', (err) => log.debug({ err: err.message, kind }, 'redis connection error'));
    connections.push(c);
    return c;
  };
  const redis = withScripts(connect('api'));
  await waitReady(redis);
  const queueConnection = connect('api');
  const queue = createEvaluateQueue(queueConnection, keys);
  const kicker = new EvaluationKicker(queue, log, opts.config.service.evaluation.kickDelay);
  const reference = new ReferenceStore(redis, keys, now);
  const credentials = new CredentialStore(redis, keys, opts.adminToken, now);
  const alertsQueue = createAlertsQueue(queueConnection, keys);
  const scheduler = new BullAlertScheduler(alertsQueue, opts.config, now);
  const source = opts.env ?? process.env;
  const env = readEnv(source);
  // Drill mode: as asked, else FANGXUN_DRILL, else on when the demo data seeded this database.
  const drill = opts.drill ?? env.drill ?? (await redis.exists(keys.demoMarker())) === 1;
  const missing = drill ? null : missingSecret(opts.config, source);
  if (missing) {
    for (const c of connections) c.disconnect();
    throw new MissingSecretError(missing);
  }
  const links = new AnswerLinks(await LinkSigner.create(redis, keys, env.linkSecret, drill), redis, keys);
  if (drill && opts.drill === undefined)
    log.warn('drill mode (演练模式): no message leaves the service; read them at GET /v1/admin/outbox (FANGXUN_DRILL=0 to turn off)');
  const channels = drill ? drillChannels(redis, keys.outbox(), now) : (opts.channels ?? new Map<string, Channel>());
  const alerts: AlertService = new AlertService({
    redis,
    keys,
    config: opts.config,
    reference,
    channels,
    links,
    scheduler,
    now,
    log,
    onDoubtfulArrival: (a, r): Promise<void> =>
      sendDoubtfulArrival(
        { notices, reference, timeZone: opts.config.levels.timezone, multiPostWithinMs: opts.config.policy.arrivalMultiPostWithin, now },
        a,
        r,
      ),
  });
  const notices = new NoticeService({ redis, keys, reference, channels, queue: scheduler, now, log });
  const responses = new ResponseService({ store: new ResponseStore(redis, keys), alerts, notices, reference, config: opts.config, now, log });
  const advisor = new Advisor({ redis, keys, config: opts.config, reference, alerts, responses, notices, now, log });
  const scheduled = new ScheduledJobs({ redis, keys, config: opts.config, reference, alerts: alerts.store, notices, responses: responses.store, now, log });
  const roster = new RosterService({
    redis,
    keys,
    reference,
    notices,
    credentials,
    publicUrl: opts.config.policy.publicUrl,
    timezone: opts.config.levels.timezone,
    dayStartHour: opts.config.levels.dayStartHour,
    now,
  });
  const signInCfg = opts.config.service.signIn;
  const sessions = new BoardSessions(redis, keys, credentials, signInCfg.sessionLength, async (id) => (await reference.snapshot()).people.has(id));
  const signIn = new SignInCodes({
    redis,
    keys,
    limits: signInCfg,
    lookup: async (phone) => staffByPhone(phone, await reference.snapshot({ fresh: true }), await credentials.listTokens(), now()),
    sms: () => channels.get('sms'),
    now,
    log,
  });
  const queues = [queue, alertsQueue];
  const metrics = new Metrics({ redis, keys, reference, alerts: alerts.store, queues, now });
  const secrets = opts.inboundSecrets ?? inboundSecrets(opts.config.channels, source, (msg) => log.warn(msg));
  const receipts = new ReceiptService({ redis, keys, alerts, reference, scheduler, secrets: secrets as ReceiptDeps['secrets'], log });
  const outside = new OutsideWarningService({
    redis,
    keys,
    config: opts.config,
    reference,
    reconcile: (id) => alerts.reconcile(id),
    advise: () => advisor.advise(),
    now,
    log,
  });
  const services: Services = {
    config: opts.config,
    redis,
    keys,
    reference,
    credentials,
    sessions,
    signIn,
    kicker,
    alerts,
    responses,
    advisor,
    links,
    notices,
    roster,
    scheduled,
    queues,
    metrics,
    receipts,
    outside,
    deployment: { drill, keyPrefix: keys.prefix },
    capNumbers: new CapNumbers(redis, keys),
    ...readModels(redis, keys, reference, now),
    now,
    log,
  };

  const workers: Worker[] = [];
  if (opts.workers) {
    const workerRedis = withScripts(connect('worker'));
    const workerReference = new ReferenceStore(workerRedis, keys, now);
    const workerAlerts = new AlertService({ redis: workerRedis, keys, config: opts.config, reference: workerReference, channels, links, scheduler, now, log });
    const workerNotices = new NoticeService({ redis: workerRedis, keys, reference: workerReference, channels, queue: scheduler, now, log });
    const workerResponses = new ResponseService({
      store: new ResponseStore(workerRedis, keys),
      alerts: workerAlerts,
      notices: workerNotices,
      reference: workerReference,
      config: opts.config,
      now,
      log,
    });
    const workerAdvisor = new Advisor({
      redis: workerRedis,
      keys,
      config: opts.config,
      reference: workerReference,
      alerts: workerAlerts,
      responses: workerResponses,
      notices: workerNotices,
      now,
      log,
    });
    const ctx: EngineContext = {
      redis: workerRedis,
      keys,
      config: opts.config,
      reference: workerReference,
      now,
      log,
      alerts: workerAlerts,
      advisor: workerAdvisor,
    };
    workers.push(createEvaluateWorker(ctx, connect('worker'), opts.config.service.evaluation.concurrency));
    const feedUrl = opts.config.policy.warnings.feed.url;
    const workerOutside = new OutsideWarningService({
      redis: workerRedis,
      keys,
      config: opts.config,
      reference: workerReference,
      reconcile: (id) => workerAlerts.reconcile(id),
      advise: () => workerAdvisor.advise(),
      now,
      log,
    });
    const feed = feedUrl
      ? new WarningFeed({ redis: workerRedis, seenKey: keys.outsideFeedSeen(), url: feedUrl, receive: (body) => workerOutside.receive(body), now, log })
      : null;
    workers.push(
      createAlertsWorker(
        { alerts: workerAlerts, notices: workerNotices, responses: workerResponses, advisor: workerAdvisor, feed },
        scheduler,
        connect('worker'),
        keys,
        opts.config,
        log,
      ),
    );
  }
  if (opts.schedulers) {
    await ensureEvaluationSchedulers(queue, opts.config);
    await ensureAlertSchedulers(alertsQueue, opts.config);
  }
  const cron = opts.cron ? startSchedule(scheduleOf(scheduled, opts.config), new RedisSlotLock(redis, keys), opts.config.levels.timezone, log) : null;

  return {
    services,
    app: createApp(services),
    workers,
    async close() {
      kicker.close();
      await cron?.stop();
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
      await alertsQueue.close();
      for (const c of connections) c.disconnect();
    },
  };
}

/** The read models and small stores HTTP uses instead of Redis itself. */
function readModels(redis: ScriptedRedis, keys: Keys, reference: ReferenceStore, now: () => number) {
  return {
    stationState: new StationStateReader(redis, keys),
    townshipState: new TownshipStateReader(redis, keys, now),
    streams: new StreamReader(redis, keys),
    audit: new AuditLog(redis, keys),
    silences: new SilenceStore(redis, keys, now),
    health: new HealthProbe(redis, keys),
    records: new RecordStore(redis, keys, reference, now),
  };
}
