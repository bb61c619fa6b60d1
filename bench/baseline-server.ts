/**
 * P1 baseline: a bare Hono POST handler that parses the same JSON and answers 202,
 * on @hono/node-server like the service. PORT from the environment.
 */
import { Hono } from 'hono';
import { serve } from '@hono/node-server';

const app = new Hono();
app.post('/v1/readings', async (c) => {
  const body = (await c.req.json()) as { stationId?: string };
  return c.json({ accepted: body.stationId ? 1 : 0, duplicates: 0, rejected: [], conflicts: [] }, 202);
});
serve({ fetch: app.fetch, port: Number(process.env.PORT) });
// Exit on SIGTERM through process.exit, so `--cpu-prof` (npm run bench:profile -- --bare) writes its profile.
process.on('SIGTERM', () => process.exit(0));
