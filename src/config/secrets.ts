import type { AppConfig } from './load.js';
import { readEnv } from './env.js';

/**
 * Secrets a real deployment must be given. In drill mode (demo data, tests) the answer-link key
 * may be generated and kept in Redis and webhooks go to the outbox; anywhere else a missing key
 * would mean links signed by a key anyone with Redis access can read, or webhooks signed with
 * an empty key, so the process refuses to start and names the variable.
 */
export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

export function missingSecret(config: AppConfig, env: NodeJS.ProcessEnv): string | null {
  const e = readEnv(env);
  if (!e.linkSecret) {
    return 'FANGXUN_LINK_SECRET is not set: outside drill mode the answer links need their own key (e.g. export FANGXUN_LINK_SECRET=$(openssl rand -base64 32))';
  }
  const webhookEnv = config.channels.webhook.secretEnv;
  if (config.channels.webhook.enabled && !e.secret(webhookEnv)) {
    return `${webhookEnv} is not set: outside drill mode webhooks must be signed (set it, e.g. $(openssl rand -base64 32), or set webhook.enabled: false in channels.yaml)`;
  }
  return null;
}

/** For entry points: a missing secret ends the process with its one sentence; anything else is rethrown. */
export function failOnMissingSecret(fail: (message: string) => never) {
  return (err: unknown): never => {
    if (err instanceof MissingSecretError) fail(err.message);
    throw err;
  };
}
