import { z } from 'zod';

/**
 * `config/channels.yaml`: one section per channel. Secrets never live in the file: each
 * secret is named by an environment variable (`…Env`), read at start.
 */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name, e.g. FANGXUN_WEBHOOK_SECRET');
const timeout = z.number().int().min(100).max(120_000).default(5_000);
/** Variables a message offers an SMS template (see channels.yaml). */
export const SMS_TEMPLATE_PARAMS = ['name', 'township', 'level', 'deadline', 'link', 'code'] as const;

export const channelsConfigSchema = z.strictObject({
  webhook: z.strictObject({ enabled: z.boolean().default(true), secretEnv: envName.default('FANGXUN_WEBHOOK_SECRET'), timeout }).prefault({}),
  wecom: z.strictObject({ enabled: z.boolean().default(false), baseUrl: z.string().url().default('https://qyapi.weixin.qq.com'), timeout }).prefault({}),
  dingtalk: z
    .strictObject({
      enabled: z.boolean().default(false),
      baseUrl: z.string().url().default('https://oapi.dingtalk.com'),
      /** The robot's signing secret (加签), one for all robots, or per access token below. */
      secretEnv: envName.optional(),
      secrets: z.record(z.string(), envName).default({}),
      timeout,
    })
    .prefault({}),
  sms: z
    .strictObject({
      /** Tried in order; when one fails the next one is tried. Empty: no SMS. */
      providers: z
        .array(
          z.discriminatedUnion('type', [
            z.strictObject({
              type: z.literal('aliyun'),
              name: z.string().default('aliyun'),
              baseUrl: z.string().url().default('https://dysmsapi.aliyuncs.com'),
              regionId: z.string().default('cn-hangzhou'),
              accessKeyIdEnv: envName,
              accessKeySecretEnv: envName,
              signName: z.string().min(1),
              templateCode: z.string().min(1),
              /** The variables the registered template uses (sent in TemplateParam, nothing else). */
              templateParams: z.array(z.enum(SMS_TEMPLATE_PARAMS)).min(1).default(['name', 'township', 'level', 'deadline', 'code']),
              /** The provider's limit per variable value (Aliyun: 35 by default); longer values are cut. */
              paramMaxLength: z.number().int().min(1).max(500).default(35),
            }),
            z.strictObject({ type: z.literal('http'), name: z.string().default('http'), url: z.string().url(), tokenEnv: envName.optional() }),
          ]),
        )
        .default([]),
      timeout,
    })
    .prefault({}),
  email: z
    .strictObject({
      enabled: z.boolean().default(false),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65_535).default(25),
      /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      /** The SMTP server's certificate is verified; true turns that off (a self-signed relay inside the office network only). */
      tlsAllowUnverified: z.boolean().default(false),
      userEnv: envName.optional(),
      passEnv: envName.optional(),
      from: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'from must be an e-mail address, e.g. fangxun@ningguo.gov.cn').default('fangxun@localhost'),
      fromName: z.string().default('防汛值守'),
      timeout,
    })
    .prefault({}),
});

export type ChannelsConfig = z.infer<typeof channelsConfigSchema>;
