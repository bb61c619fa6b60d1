import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Keys } from '../store/keys.js';
import type { AppConfig } from '../config/load.js';
import type { ScheduledJobs } from './jobs.js';

/**
 * node-cron schedules, one slot lock per firing: every instance runs the same schedule,
 * and the first to take a slot's lock in Redis does the work. The lock is never released
 * early (it expires long after the slot), so a slot fires once however many run.
 */
export interface SlotLock {
  take(name: string, slot: Date, holdMs: number): Promise<boolean>;
}

export class RedisSlotLock implements SlotLock {
  private readonly instance = randomUUID();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
  ) {}

  async take(name: string, slot: Date, holdMs: number): Promise<boolean> {
    const minute = new Date(Math.floor(slot.getTime() / 60_000) * 60_000).toISOString();
    return (await this.redis.set(this.keys.cronSlot(name, minute), this.instance, 'PX', holdMs, 'NX')) === 'OK';
  }
}

export interface ScheduledJob {
  name: string;
  expression: string;
  holdMs: number;
  run(): Promise<unknown>;
}

export function scheduleOf(runner: ScheduledJobs, config: AppConfig): ScheduledJob[] {
  return [
    { name: 'daily-report', expression: `0 ${config.levels.dayStartHour} * * *`, holdMs: 6 * 3_600_000, run: () => runner.dailyReport() },
    { name: 'stale-gauges', expression: '* * * * *', holdMs: 10 * 60_000, run: () => runner.staleGauges() },
    { name: 'shift-reminders', expression: '* * * * *', holdMs: 10 * 60_000, run: () => runner.shiftReminders() },
    { name: 'roster-gaps', expression: '0 9 * * *', holdMs: 6 * 3_600_000, run: () => runner.rosterGaps() },
  ];
}

/** Runs `job` for the slot `at` if this instance takes the slot's lock. */
export async function fireSlot(job: ScheduledJob, at: Date, lock: SlotLock, log: Logger): Promise<boolean> {
  if (!(await lock.take(job.name, at, job.holdMs))) return false;
  try {
    const result = await job.run();
    log.debug({ duty: job.name, result }, 'scheduled duty ran');
  } catch (err) {
    log.error({ err, duty: job.name }, 'scheduled duty failed');
  }
  return true;
}

export function startSchedule(jobs: ScheduledJob[], lock: SlotLock, timezone: string, log: Logger): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.expression, (ctx) => fireSlot(job, ctx.date, lock, log), { timezone, name: job.name, noOverlap: true }),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
