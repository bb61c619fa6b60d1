/**
 * Every environment variable fangxun reads, in one place (the names are a contract: README lists
 * them). Entry points call `readEnv()` once and pass the values on; code that takes an environment
 * (tests hand one in) reads it through here too. Secrets named by the config files (`secretEnv:`)
 * are looked up by name with `secret()`.
 */
export interface ServiceEnv {
  /** HTTP port of the API (PORT, default 8080). */
  port: number;
  /** REDIS_URL (default redis://127.0.0.1:6379; redis-cluster://h:p,h:p for a cluster). */
  redisUrl: string;
  /** FANGXUN_KEY_PREFIX: the Redis key prefix of this deployment (default fx). */
  keyPrefix: string;
  /** FANGXUN_CONFIG_DIR (default ./config). */
  configDir: string;
  /** FANGXUN_PUBLIC_URL: overrides policy.publicUrl. */
  publicUrl: string | undefined;
  /** FANGXUN_DATA_DIR: where npm start keeps a local redis-server's data (default ./data). */
  dataDir: string | undefined;
  /** FANGXUN_ADMIN_TOKEN: the bootstrap admin token. */
  adminToken: string | undefined;
  /** FANGXUN_DEMO=0: never load the demo data into an empty database. */
  demo: boolean;
  /** FANGXUN_DRILL: 1 forces drill mode (messages to the outbox), 0 forbids it; unset: drill when the demo data was loaded. */
  drill: boolean | undefined;
  /** FANGXUN_LINK_SECRET: the key of the personal answer links. */
  linkSecret: string | undefined;
  /** FANGXUN_METRICS_TOKEN: when set, GET /metrics needs it as a Bearer token. */
  metricsToken: string | undefined;
  /** LOG_LEVEL (default info). */
  logLevel: string;
  /** SL651_PORT: the SL 651 gateway's TCP port, or "off" (default 5651). */
  sl651Port: string;
  /** FANGXUN_VALIDATE_RESPONSES=1: every reply() is checked against its documented schema (tests). */
  validateResponses: boolean;
  /** FANGXUN_ADMIN_TOKEN for tools that call a running service (replay:storm). */
  /** A secret named by the config (e.g. channels.yaml `secretEnv: FANGXUN_WEBHOOK_SECRET`), or undefined. */
  secret(name: string | undefined): string | undefined;
}

export function readEnv(source: NodeJS.ProcessEnv = process.env): ServiceEnv {
  const text = (name: string) => (source[name] ? source[name] : undefined);
  return {
    port: Number(source.PORT ?? 8080),
    redisUrl: source.REDIS_URL ?? 'redis://127.0.0.1:6379',
    keyPrefix: source.FANGXUN_KEY_PREFIX ?? 'fx',
    configDir: source.FANGXUN_CONFIG_DIR ?? 'config',
    publicUrl: text('FANGXUN_PUBLIC_URL'),
    dataDir: text('FANGXUN_DATA_DIR'),
    adminToken: text('FANGXUN_ADMIN_TOKEN'),
    demo: source.FANGXUN_DEMO !== '0',
    drill: source.FANGXUN_DRILL ? source.FANGXUN_DRILL !== '0' : undefined,
    linkSecret: text('FANGXUN_LINK_SECRET'),
    metricsToken: text('FANGXUN_METRICS_TOKEN'),
    logLevel: source.LOG_LEVEL ?? 'info',
    sl651Port: source.SL651_PORT ?? '5651',
    validateResponses: source.FANGXUN_VALIDATE_RESPONSES === '1',
    secret: (name) => (name ? text(name) : undefined),
  };
}
