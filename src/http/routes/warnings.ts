import { Hono } from 'hono';
import type { Services } from '../../services.js';
import type { AppEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { reply } from '../api.js';
import { warningsApi } from './warnings.api.js';
import { CapParseError } from '../../warnings/cap.js';

const XML = /^(application\/(cap\+)?xml|text\/xml)\b/i;
const JSON_TYPE = /^application\/(.+\+)?json\b/i;

/** `POST /v1/warnings`: an outside warning (CAP 1.2 XML or its JSON form) into the townships it covers. */
export function warningRoutes(svc: Services) {
  const app = new Hono<AppEnv>();
  app.post('/v1/warnings', async (c) => {
    const type = c.req.header('content-type') ?? '';
    if (!XML.test(type) && !JSON_TYPE.test(type)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Send CAP 1.2 XML with Content-Type: application/cap+xml (or application/xml), or its JSON form with application/json (got ${type || 'none'})`,
      );
    }
    const text = await c.req.text();
    if (text.trim() === '') throw new ApiError(400, 'empty_body', 'The request body is empty; send a CAP 1.2 <alert> message');
    try {
      return reply(c, warningsApi.postWarning, await svc.outside.receive(text));
    } catch (err) {
      if (err instanceof CapParseError)
        throw new ApiError(400, 'invalid_cap', `Not a usable CAP 1.2 message: ${err.message}`, [{ path: err.path, message: err.message }]);
      throw err;
    }
  });
  return app;
}
