import { z } from 'zod';

/**
 * `config/channels.yaml`: one section per channel. Secrets never live in the file: each
 * secret is named by an environment variable (`…Env`), read at start.
 */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name, e.g. FANGXUN_WEBHOOK_SECRET');
const timeout = z.number().int().min(100).max(120_000).default(5_000);
/** Variables a message offers an SMS template (see channels.yaml). */
export const SMS_TEMPLATE_PARAMS = ['name', 'township', 'level', 'deadline', 'link', 'code'] as const;

/** An Aliyun account (RPC API): the same fields for SMS and calls. */
const aliyunAccount = (name: string, baseUrl: string) => ({
  type: z.literal('aliyun'),
  name: z.string().default(name),
  baseUrl: z.string().url().default(baseUrl),
  regionId: z.string().default('cn-hangzhou'),
  accessKeyIdEnv: envName,
  accessKeySecretEnv: envName,
});

/** A channel with providers tried in order (fail-over), of two kinds. */
function failover<A extends z.ZodObject<{ type: z.ZodLiteral<string> }>, B extends z.ZodObject<{ type: z.ZodLiteral<string> }>, X extends z.ZodRawShape>(
  a: A,
  b: B,
  extra: X,
) {
  // Every field has a default, so an absent section is the defaults ({} is valid input; the
  // generic shape hides that from the compiler).
  return z.strictObject({ providers: z.array(z.discriminatedUnion('type', [a, b])).default([]), timeout, ...extra }).prefault({} as never);
}

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
  sms: failover(
    /** Tried in order; when one fails the next one is tried. Empty: no SMS. */
    z.strictObject({
      ...aliyunAccount('aliyun', 'https://dysmsapi.aliyuncs.com'),
      signName: z.string().min(1),
      templateCode: z.string().min(1),
      /** A 验证码 template with the one variable `code`, for board sign-in codes; unset: codes do not go by this provider. */
      signInTemplateCode: z.string().min(1).optional(),
      /** The variables the registered template uses (sent in TemplateParam, nothing else). */
      templateParams: z.array(z.enum(SMS_TEMPLATE_PARAMS)).min(1).default(['name', 'township', 'level', 'deadline', 'code']),
      /** The provider's limit per variable value (Aliyun: 35 by default); longer values are cut. */
      paramMaxLength: z.number().int().min(1).max(500).default(35),
    }),
    z.strictObject({ type: z.literal('http'), name: z.string().default('http'), url: z.string().url(), tokenEnv: envName.optional() }),
    {},
  ),
  voice: failover(
    /** Calls (语音叫应); tried in order, the next provider when one fails. Empty: no calls. */
    z.strictObject({
      ...aliyunAccount('aliyun-voice', 'https://dyvmsapi.aliyuncs.com'),
      /** 被叫显示号 bought in the console; IvrCall needs one. */
      calledShowNumber: z
        .string()
        .regex(/^\d{0,20}$/, 'calledShowNumber is digits only, e.g. 05634012345')
        .default(''),
      ttsCode: z.string().min(1),
      confirmTtsCode: z.string().min(1),
      /** How long the call waits for the key, ms. */
      keyTimeout: z.number().int().min(1_000).max(60_000).default(10_000),
    }),
    z.strictObject({
      type: z.literal('tencent'),
      name: z.string().default('tencent-voice'),
      baseUrl: z.string().url().default('https://vms.tencentcloudapi.com'),
      region: z.string().default('ap-guangzhou'),
      secretIdEnv: envName,
      secretKeyEnv: envName,
      voiceSdkAppid: z.string().min(1),
      templateId: z.string().min(1),
    }),
    /** The template is spoken this many times in one call (1–3). */
    { playTimes: z.number().int().min(1).max(3).default(2) },
  ),
  /** Receipts pushed by the providers: POST /v1/inbound/<endpoint>/<secret>, the secret from this variable. */
  inbound: z
    .strictObject({
      'aliyun-voice': z.strictObject({ secretEnv: envName.default('FANGXUN_INBOUND_ALIYUN_VOICE_SECRET') }).prefault({}),
      'aliyun-sms': z.strictObject({ secretEnv: envName.default('FANGXUN_INBOUND_ALIYUN_SMS_SECRET') }).prefault({}),
      'tencent-voice': z.strictObject({ secretEnv: envName.default('FANGXUN_INBOUND_TENCENT_VOICE_SECRET') }).prefault({}),
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
      from: z
        .string()
        .regex(/^[^@\s]+@[^@\s]+$/, 'from must be an e-mail address, e.g. fangxun@ningguo.gov.cn')
        .default('fangxun@localhost'),
      fromName: z.string().default('防汛值守'),
      timeout,
    })
    .prefault({}),
});

export type ChannelsConfig = z.infer<typeof channelsConfigSchema>;
