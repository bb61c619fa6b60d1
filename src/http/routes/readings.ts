import { Hono } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { readJson, sendError } from '../errors.js';
import { ingestReadings } from '../../ingest/readings.js';
import { reply } from '../api.js';
import { readingsApi } from './readings.api.js';

/** POST /v1/readings: gauges post one reading or a batch; 202 once stored. */
export function readingRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.post('/v1/readings', async (c) => {
    const result = await ingestReadings(svc, c.get('principal')!, await readJson(c));
    const quarantined = result.rejected.filter((r) => r.quarantined).length;
    svc.metrics.readings.inc({ outcome: 'accepted' }, result.accepted);
    svc.metrics.readings.inc({ outcome: 'duplicate' }, result.duplicates);
    svc.metrics.readings.inc({ outcome: 'rejected' }, result.rejected.length - quarantined);
    svc.metrics.readings.inc({ outcome: 'quarantined' }, quarantined);
    if (result.accepted + result.duplicates === 0) {
      const first = result.rejected[0];
      return sendError(
        c,
        422,
        'no_reading_accepted',
        `No reading was accepted${first ? `: ${result.rejected.length === 1 ? '' : `${result.rejected.length} refused, first: `}${first.error}` : ''}`,
        { rejected: result.rejected },
      );
    }
    return reply(c, readingsApi.postReadings, result);
  });
  return app;
}
