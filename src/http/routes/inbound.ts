import { Hono } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { inboundAnswer, parseInbound } from '../../inbound/parse.js';
import { reply } from '../api.js';
import { inboundApi } from './inbound.api.js';

/**
 * `POST /v1/inbound/<endpoint>/<secret>`: receipts pushed by Aliyun and Tencent. Providers
 * cannot send a token, so the path carries an unguessable secret per endpoint; a wrong one
 * looks exactly like a route that does not exist. The answer is the one each provider
 * expects (`{"code":0,"msg":"接收成功"}`, Tencent `{"result":0,"errmsg":"OK"}`); anything else
 * (a 5xx) makes the provider push the receipt again later.
 */
/** A path fit for the logs: the receipt endpoints' secrets never are. */
export function loggedPath(path: string): string {
  return path.replace(/^(\/v1\/inbound\/[^/]+\/)[^/]+/, '$1…');
}

export function inboundRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.post('/v1/inbound/:endpoint/:secret', async (c) => {
    const endpoint = c.req.param('endpoint');
    if (!svc.receipts.accepts(endpoint, c.req.param('secret'))) throw new ApiError(404, 'not_found', `No route POST ${loggedPath(c.req.path)}`);
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new ApiError(400, 'invalid_json', 'The receipt is not valid JSON; providers push JSON (Aliyun: an array of receipts, Tencent: an object)');
    }
    for (const item of parseInbound(endpoint, body)) await svc.receipts.handle(item);
    return reply(c, inboundApi.receiveReceipt, inboundAnswer(endpoint));
  });
  return app;
}
