import type { Services } from '../services.js';
import { startSl651Gateway } from './server.js';
import { readEnv } from '../config/env.js';

/** Starts the gateway on SL651_PORT (default 5651); `SL651_PORT=off` runs without it. */
export async function startGatewayFromEnv(svc: Services, env: NodeJS.ProcessEnv = process.env) {
  const raw = readEnv(env).sl651Port;
  if (raw === 'off') return null;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`SL651_PORT must be a port number or "off" (got ${raw})`);
  const c = svc.config.service.sl651;
  return startSl651Gateway(svc, {
    port,
    idleTimeoutMs: c.idleTimeout,
    maxFrameBytes: c.maxFrameBytes,
    ackTerminator: c.ackTerminator,
    echoSendTime: c.echoSendTime,
    maxConnections: c.maxConnections,
    maxConnectionsPerPeer: c.maxConnectionsPerPeer,
    password: { freeFailures: c.passwordFreeFailures, lockAfter: c.passwordLockAfter, lockoutMs: c.passwordLockout, windowMs: c.passwordLockout },
  });
}
