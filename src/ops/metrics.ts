import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../store/keys.js';
import type { ReferenceStore } from '../reference/store.js';
import type { AlertStore } from '../alerts/store.js';
import { LEVELS } from '../domain/levels.js';

/**
 * Prometheus metrics (prom-client), one registry per process. Counters of this process's
 * work (readings, requests) are kept in memory, as Prometheus expects of each scraped
 * process; deployment-wide state (evaluation lag, queue depths, open alerts, messages by
 * channel and status, time to ack, gauges offline) is read from Redis at scrape time, so
 * any API process tells the whole truth.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly readings: Counter<'outcome'>;
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  /** The SL 651 gateway's counters (frames, acks, refusals, throttled, capped, junk bytes…) of this process. */
  readonly sl651: Counter<'outcome'>;

  constructor(deps: { redis: Redis; keys: Keys; reference: ReferenceStore; alerts: AlertStore; queues: Queue[]; now: () => number }) {
    const { redis, keys, registry } = { ...deps, registry: this.registry };
    this.readings = new Counter({
      name: 'fangxun_readings_total',
      help: 'Readings received, by outcome (accepted, duplicate, rejected, quarantined)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.sl651 = new Counter({
      name: 'fangxun_sl651_total',
      help: 'SL 651 gateway counts by outcome: frames, reports, keepAlives, acks, resent, badFrames, refused, throttled, capped, readings, clockRefused, skippedBytes',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.requests = new Histogram({
      name: 'fangxun_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    new Gauge({
      name: 'fangxun_evaluation_lag_seconds',
      help: 'Age of the oldest reading not yet evaluated (0 when none waits)',
      registers: [registry],
      async collect() {
        const oldest = await redis.zrange(keys.dirty(), 0, 0, 'WITHSCORES');
        this.set(oldest[1] ? Math.max(0, (deps.now() - Number(oldest[1])) / 1000) : 0);
      },
    });
    new Gauge({
      name: 'fangxun_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const q of deps.queues) {
          const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
          for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
        }
      },
    });
    new Gauge({
      name: 'fangxun_alerts_open',
      help: 'Open alerts by level',
      labelNames: ['level'],
      registers: [registry],
      async collect() {
        const ref = await deps.reference.snapshot();
        const open = await deps.alerts.openAlertIds([...ref.townships.keys()]);
        const alerts = await deps.alerts.getMany([...open.values()]);
        for (const level of LEVELS) this.set({ level }, alerts.filter((a) => a.level === level).length);
      },
    });
    new Gauge({
      name: 'fangxun_messages',
      help: 'Message delivery attempts by channel and status (deployment-wide)',
      labelNames: ['channel', 'status'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [field, n] of Object.entries(await redis.hgetall(keys.messageCounts()))) {
          const [channel = '?', status = '?'] = field.split('|');
          this.set({ channel, status }, Number(n));
        }
      },
    });
    new Gauge({
      name: 'fangxun_gauges_offline',
      help: 'Stations reported offline by the stale-gauge check',
      registers: [registry],
      async collect() {
        this.set(await redis.hlen(keys.offline()));
      },
    });
    // A real histogram (_bucket with le, _sum, _count under one TYPE histogram), rebuilt from
    // the accountability ledger at each scrape so every API process reports the whole
    // deployment (a histogram kept in one process's memory would only know its own acks).
    new Histogram({
      name: 'fangxun_time_to_ack_seconds',
      help: 'Time from notification to acknowledgement (deployment-wide, from the accountability ledger)',
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600],
      registers: [registry],
      async collect() {
        const ref = await deps.reference.snapshot();
        const ledger = await deps.alerts.ledger([...ref.townships.keys()]);
        this.reset();
        for (const e of ledger) {
          if ((e.type === 'ack' || e.type === 'ack-late') && e.actual !== null && e.notifiedAt !== null)
            this.observe(Math.max(0, (e.actual - e.notifiedAt) / 1000));
        }
      },
    });
  }
}
