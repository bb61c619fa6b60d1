import { backOffOnStoreFaults } from './storeFault.js';
import type { WarningFeed } from '../warnings/feed.js';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { AlertMessage, TimerGroup } from '../domain/alerts/index.js';
import type { AlertScheduler, AlertService } from '../alerts/service.js';
import type { NoticeQueue, NoticeService } from '../notices/service.js';
import type { ResponseService } from '../responses/service.js';
import type { Advisor } from '../responses/advisor.js';

/**
 * The alerts queue. Every job has a deterministic id, so scheduling the same thing twice
 * (a retry, the sweep, a second worker) adds it once; every handler re-reads the alert and
 * does nothing when its step no longer applies.
 * - `deliver` {alertId, messageId, contactStep}: one message on one contact, retried with backoff;
 * - `deadline` {alertId, kind, epoch, step, personIds}: a delayed escalation step for the people due together;
 * - `notice` {noticeId, personId, contactStep}: one notice to one person (daily report, reminders…);
 * - `bundle` {personId}: sends the person's SMS held within `bundleWithin` as one (src/alerts/bundleSender.ts);
 * - `reconcile` {townshipId}: re-checks a township (level changes, end of a clear period);
 * - `sweep`: a job scheduler that rebuilds lost timers and undelivered messages.
 */
export const ALERTS_QUEUE = 'alerts';
const LEVEL_PRIORITY: Record<string, number> = { I: 1, II: 1, III: 2, IV: 3 };

/** BullMQ custom ids may not contain ':'. */
const jobId = (...parts: Array<string | number>) => parts.join('|').replaceAll(':', '!');

export function createAlertsQueue(connection: Redis, keys: Keys): Queue {
  return new Queue(ALERTS_QUEUE, {
    connection,
    prefix: keys.bullPrefix(),
    defaultJobOptions: { removeOnComplete: { age: 3_600, count: 10_000 }, removeOnFail: { age: 86_400 } },
  });
}

export class BullAlertScheduler implements AlertScheduler, NoticeQueue {
  constructor(
    private readonly queue: Queue,
    private readonly config: AppConfig,
    private readonly now: () => number,
  ) {}

  async deliver(alertId: string, m: AlertMessage, contactStep = 0): Promise<void> {
    const { attempts, backoff } = this.config.policy.delivery;
    await this.queue.add(
      'deliver',
      { alertId, messageId: m.id, contactStep },
      {
        jobId: jobId('msg', m.id, contactStep),
        attempts,
        backoff: { type: 'exponential', delay: backoff },
        // Ⅱ and Ⅰ go first: nothing bundles or throttles them.
        priority: LEVEL_PRIORITY[m.level ?? 'IV'] ?? 3,
      },
    );
  }

  async notice(noticeId: string, personId: string, contactStep = 0): Promise<void> {
    const { attempts, backoff } = this.config.policy.delivery;
    await this.queue.add(
      'notice',
      { noticeId, personId, contactStep },
      { jobId: jobId('nt', noticeId, personId, contactStep), attempts, backoff: { type: 'exponential', delay: backoff }, priority: 3 },
    );
  }

  async timers(g: TimerGroup): Promise<void> {
    await this.queue.add(
      'deadline',
      { alertId: g.alertId, kind: g.kind, epoch: g.epoch, step: g.step, personIds: g.personIds },
      {
        jobId: jobId('dl', g.alertId, g.kind, g.epoch, g.step, g.due, g.personIds.join(',')),
        delay: Math.max(0, g.due - this.now()),
        attempts: 5,
        backoff: { type: 'exponential', delay: 500 },
        priority: 1,
      },
    );
  }

  async flushBundle(personId: string, at: number, repair = false): Promise<void> {
    const opts = { delay: Math.max(0, at - this.now()) + 10, attempts: 5, backoff: { type: 'exponential' as const, delay: 500 }, priority: 1 };
    // One wake-up per bundle window; the sweep's repair of a lost one gets its own id.
    await this.queue.add('bundle', { personId }, repair ? opts : { ...opts, jobId: jobId('bd', personId, at) });
  }

  async reconcileAt(townshipId: string, at: number, key: string): Promise<void> {
    await this.queue.add(
      'reconcile',
      { townshipId },
      { jobId: jobId('rc', key), delay: Math.max(0, at - this.now()) + 10, attempts: 5, backoff: { type: 'exponential', delay: 500 } },
    );
  }
}

export async function ensureAlertSchedulers(queue: Queue, config: AppConfig): Promise<void> {
  await queue.upsertJobScheduler('alerts-sweep', { every: config.policy.sweepEvery }, { name: 'sweep', opts: { removeOnComplete: 10, removeOnFail: 100 } });
  const feed = config.policy.warnings.feed;
  if (feed.url)
    await queue.upsertJobScheduler('outside-feed', { every: feed.every }, { name: 'outside-feed', opts: { removeOnComplete: 10, removeOnFail: 100 } });
  else await queue.removeJobScheduler('outside-feed');
}

export function createAlertsWorker(
  {
    alerts,
    notices,
    responses,
    advisor,
    feed,
  }: { alerts: AlertService; notices: NoticeService; responses: ResponseService; advisor: Advisor; feed?: WarningFeed | null },
  scheduler: BullAlertScheduler,
  connection: Redis,
  keys: Keys,
  config: AppConfig,
  log: Logger,
): Worker {
  const worker = new Worker(
    ALERTS_QUEUE,
    async (job: Job) => {
      switch (job.name) {
        case 'deliver': {
          const { alertId, messageId, contactStep } = job.data as { alertId: string; messageId: string; contactStep: number };
          const attempt = job.attemptsMade + 1;
          const last = attempt >= (job.opts.attempts ?? 1);
          const outcome = await alerts.deliver(alertId, messageId, contactStep, attempt, last);
          if (outcome === 'retry') throw new Error(`delivery of ${messageId} failed; retrying`);
          if (outcome === 'next') {
            const stored = await alerts.store.get(alertId);
            const m = stored?.alert.messages[messageId];
            if (m && m.status === 'pending') await scheduler.deliver(alertId, m, contactStep + 1);
          }
          return outcome;
        }
        case 'notice': {
          const { noticeId, personId, contactStep } = job.data as { noticeId: string; personId: string; contactStep: number };
          const attempt = job.attemptsMade + 1;
          const outcome = await notices.deliver(noticeId, personId, contactStep, attempt, attempt >= (job.opts.attempts ?? 1));
          if (outcome === 'retry') throw new Error(`notice ${noticeId} to ${personId} failed; retrying`);
          if (outcome === 'next') await scheduler.notice(noticeId, personId, contactStep + 1);
          return outcome;
        }
        case 'deadline':
          return alerts.onTimers(job.data as TimerGroup);
        case 'bundle':
          return alerts.bundle.flush((job.data as { personId: string }).personId);
        case 'reconcile':
          await alerts.reconcile((job.data as { townshipId: string }).townshipId);
          return true;
        case 'sweep': {
          const swept = await alerts.sweep();
          const held = await responses.sweep();
          await advisor.advise();
          return { ...swept, responses: held.townships };
        }
        case 'outside-feed':
          return feed ? feed.poll() : null;
        default:
          throw new Error(`unknown alerts job ${job.name}`);
      }
    },
    { connection, prefix: keys.bullPrefix(), concurrency: config.policy.delivery.concurrency },
  );
  backOffOnStoreFaults(worker, log, 'alerts worker');
  return worker;
}
