import type { Logger } from 'pino';
import type { AppConfig } from '../config/load.js';
import type { Keys } from '../store/keys.js';
import type { ScriptedRedis } from '../store/scripts.js';
import type { ReferenceStore } from '../reference/store.js';
import type { AlertService } from '../alerts/service.js';
import type { NoticeService } from '../notices/service.js';
import type { ResponseService } from './service.js';
import { CityStateReader } from '../store/cityState.js';
import type { ReferenceSnapshot } from '../reference/store.js';
import { coverage } from '../domain/responses/acts.js';
import { cityPicture, recommend, recommendationText, type Recommendation } from '../domain/responses/advice.js';
import { LEVEL_LABEL, levelRank, type Level } from '../domain/levels.js';
import { evidenceText } from '../domain/wording.js';

/**
 * Warnings advise the HQ. After warnings change (and on every sweep), looks at the whole city:
 * when the warnings point above the response in force, the people of `responses.recommendTo`
 * get one recommendation — once per storm and level, however often it is looked at and however
 * many processes look. Township warnings at a level in `responses.autoLaunch` launch a township
 * response by themselves. A storm ends after `clearAfter` with no warning anywhere.
 */
export interface AdvisorDeps {
  redis: ScriptedRedis;
  keys: Keys;
  config: AppConfig;
  reference: ReferenceStore;
  alerts: AlertService;
  responses: ResponseService;
  notices: NoticeService;
  now: () => number;
  log: Logger;
}

export class Advisor {
  private readonly city: CityStateReader;

  constructor(private readonly d: AdvisorDeps) {
    this.city = new CityStateReader(d.redis, d.keys, d.now);
  }

  /** The city as it stands: warnings per township, city mean, the rules' picture, the responses in force, the recommendation. */
  async assess(ref?: ReferenceSnapshot) {
    const snapshot = ref ?? (await this.d.reference.snapshot({ fresh: true }));
    const city = await this.city.read(snapshot);
    const picture = cityPicture(city.townships, city.meanRain, this.d.config.levels.city);
    const actives = (await this.d.responses.store.active()).map((s) => s.response);
    const covered = new Map([...coverage(actives)].map(([t, r]) => [t, r.level] as [string, Level]));
    const recommendation = recommend(picture, city.townships, covered, this.d.config.policy.responses.recommendTownshipsFrom);
    return { ref: snapshot, city, picture, actives, covered, recommendation };
  }

  async advise(): Promise<Recommendation | null> {
    const { redis, keys, config } = this.d;
    const { ref, city, picture, covered } = await this.assess();
    const now = this.d.now();
    const h = keys.recommendations();
    if (!picture.level && !city.townships.some((t) => t.level)) {
      await redis.hsetnx(h, 'quiet', String(now));
      const quiet = Number(await redis.hget(h, 'quiet'));
      if (now - quiet >= config.policy.clearAfter) await redis.del(h);
      return null;
    }
    await redis.hdel(h, 'quiet');
    await redis.hsetnx(h, 'storm', String(now));
    const storm = await redis.hget(h, 'storm');

    const auto = new Set(config.policy.responses.autoLaunch);
    for (const t of city.townships) {
      if (!t.level || !auto.has(t.level) || levelRank(t.level) <= levelRank(covered.get(t.id) ?? null)) continue;
      if (!(await redis.hsetnx(h, `auto:${storm}:${t.id}:${t.level}`, String(now)))) continue;
      const evidence = evidenceText(t.state?.reasons ?? [], (id) => ref.stations.get(id)?.name ?? id);
      await this.d.responses.start(
        {
          level: t.level,
          scope: { townships: [t.id] },
          noticeNumber: '按预案自动启动',
          reason: `${t.name}达到${LEVEL_LABEL[t.level].numeral}预警${evidence ? `：${evidence}` : ''}`,
        },
        'system',
        'auto',
      );
      covered.set(t.id, t.level);
    }

    const rec = recommend(picture, city.townships, covered, config.policy.responses.recommendTownshipsFrom);
    if (!rec) return null;
    // Only what was not recommended before in this storm makes a new message.
    const items = [...(rec.city ? [`city:${rec.city.level}`] : []), ...rec.townships.map((t) => `t:${t.id}:${t.level}`)];
    const fresh: string[] = [];
    for (const item of items) if (await redis.hsetnx(h, `rec:${storm}:${item}`, String(now))) fresh.push(item);
    if (fresh.length === 0) return rec;
    const ctx = this.d.alerts.context(ref, [...ref.townships.keys()][0] ?? '');
    const personIds = [...new Set(config.policy.responses.recommendTo.flatMap((role) => ctx.whoIs(role).map((p) => p.id)))];
    const { title, text } = recommendationText(rec, city.townships, `${config.policy.publicUrl.replace(/\/$/, '')}/board#responses`);
    await this.d.notices.send({
      kind: 'recommendation',
      key: `recommend:${storm}:${fresh.join(',')}`,
      title,
      text: `${text}\n—— ${config.policy.sender}`,
      personIds,
    });
    this.d.log.info({ city: rec.city?.level ?? null, townships: rec.townships.length, people: personIds.length }, 'response recommended');
    return rec;
  }
}
