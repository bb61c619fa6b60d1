import { Hono } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { responseSummary } from './responses/view.js';
import { responsesApi } from './responses/schema.js';
import { reply } from '../api.js';

/**
 * The city as a whole (全市): mean rainfall over every window (全市平均降雨量), townships per
 * warning level, the responses in force, and what the city rules recommend to the HQ.
 */
export function cityRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.get('/v1/city', async (c) => {
    const { city, picture, actives, covered, recommendation: rec } = await svc.advisor.assess(await svc.reference.snapshot());
    return reply(c, responsesApi.getCity, {
      meanRainfall: city.meanRain,
      rainStations: city.rainStations,
      townships: { total: city.townships.length, byWarningLevel: picture.counts, none: city.townships.filter((t) => !t.level).length },
      warnings: city.townships.filter((t) => t.level).map((t) => ({ townshipId: t.id, name: t.name, level: t.level, response: covered.get(t.id) ?? null })),
      cityLevel: picture.level,
      cityReasons: picture.reasons,
      recommendation: rec,
      responses: actives.map(responseSummary),
    });
  });
  return app;
}
