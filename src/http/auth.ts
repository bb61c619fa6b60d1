import type { Hono, MiddlewareHandler } from 'hono';
import type { Operation } from './api.js';
import type { Principal, Role } from '../auth/credentials.js';
import type { Services } from '../services.js';
import { ApiError } from './errors.js';

export type AppEnv = { Variables: { principal: Principal | null; requestId: string } };

/** Reads `Authorization: Bearer <token>` into `principal` (null when absent or unknown). */
export function authenticate(svc: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    c.set('principal', match ? await svc.credentials.resolve(match[1]!) : null);
    await next();
  };
}

/** 401 without a valid token, 403 with one of the wrong role. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal) {
      const sent = Boolean(c.req.header('authorization'));
      throw new ApiError(
        401,
        'unauthorized',
        sent ? 'The token is not valid (revoked or mistyped); ask an administrator for a new one' : 'Send a token: Authorization: Bearer <token>',
      );
    }
    if (!roles.includes(principal.role)) {
      throw new ApiError(403, 'forbidden', `This needs the role ${roles.join(' or ')}; your token has the role ${principal.role}`);
    }
    await next();
  };
}

/**
 * The roles an operation documents in its `<area>.api.ts` entry are the roles it is served to: one list,
 * beside the handler, enforced here for every operation of the registry before the routes run. `none`
 * marks a public operation (health, answer links and receipts carry their own secret). The areas keep a
 * coarse net of their own (`/v1/admin/*` is for office staff) for paths no operation names.
 */
export function guardOperations(app: Hono<AppEnv>, operations: readonly Pick<Operation, 'method' | 'path' | 'roles'>[]): void {
  for (const op of operations) {
    if (op.roles.includes('none')) continue;
    app.on(op.method.toUpperCase(), op.path.replace(/\{(\w+)\}/g, ':$1'), requireRole(...(op.roles as Role[])));
  }
}
