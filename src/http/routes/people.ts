import { Hono, type Context } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { ApiError, parseJson } from '../errors.js';
import { actorOf } from '../../store/audit.js';
import { reply } from '../api.js';
import { peopleApi, preferencesBody } from './people.api.js';
import type { PersonPrefs } from '../../store/personPrefs.js';

/** A person's delivery preferences: their own (`me` or their id), or anyone's for an admin. */
export function peopleRoutes(svc: Services) {
  const app = new Hono<AppEnv>();

  async function whose(c: Context<AppEnv>): Promise<string> {
    const principal = c.get('principal')!;
    const asked = c.req.param('id') ?? '';
    const id = asked === 'me' ? principal.personId : asked;
    if (!id)
      throw new ApiError(400, 'no_person', 'This token is not linked to a person; name the person in the path, /v1/people/<id>/preferences (admin only)');
    if (!(await svc.reference.snapshot({ fresh: true })).people.has(id)) throw new ApiError(404, 'not_found', `No person "${id}"`);
    if (principal.role !== 'admin' && id !== principal.personId)
      throw new ApiError(403, 'forbidden', "You may read and set only your own preferences (/v1/people/me/preferences); an admin may set anyone's");
    return id;
  }
  const view = (personId: string, p: PersonPrefs) => ({
    personId,
    smsOptOut: p.smsOptOut,
    updatedAt: p.updatedAt === null ? null : new Date(p.updatedAt).toISOString(),
    updatedBy: p.updatedBy,
  });

  app.get('/v1/people/:id/preferences', async (c) => {
    const id = await whose(c);
    return reply(c, peopleApi.getPreferences, view(id, await svc.alerts.prefs.get(id)));
  });

  app.put('/v1/people/:id/preferences', async (c) => {
    const id = await whose(c);
    const body = await parseJson(c, preferencesBody);
    const saved = await svc.alerts.prefs.set(id, body, {
      at: new Date(svc.now()).toISOString(),
      ...actorOf(c.get('principal')),
      requestId: c.get('requestId'),
    });
    return reply(c, peopleApi.putPreferences, view(id, saved));
  });

  return app;
}
