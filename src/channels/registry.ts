import type { Channel } from './types.js';
import type { ChannelsConfig } from './config.js';
import type { FetchLike } from './http.js';
import { WebhookChannel } from './webhook.js';
import { WecomChannel } from './wecom.js';
import { DingtalkChannel } from './dingtalk.js';
import { AliyunSms, HttpSms, SmsChannel, type SmsProvider } from './sms.js';
import { EmailChannel } from './email.js';
import { AliyunVoice, TencentVoice } from './voice/providers.js';
import { VoiceChannel } from './voice/channel.js';
import type { Provider } from './failover.js';
import { readEnv } from '../config/env.js';

/**
 * The configured channels by name. A channel whose secrets are missing from the environment
 * is left out with a warning (its contacts are skipped, the next contact is used), never a
 * crash: a missing SMS key must not stop the webhook from working.
 */
export function createChannels(cfg: ChannelsConfig, env: NodeJS.ProcessEnv, warn: (msg: string) => void, fetchImpl: FetchLike = fetch): Map<string, Channel> {
  const out = new Map<string, Channel>();
  const secrets = readEnv(env).secret;
  const need = (name: string | undefined, what: string) => {
    const v = secrets(name);
    if (name && !v) warn(`${what}: environment variable ${name} is not set`);
    return v;
  };
  if (cfg.webhook.enabled) {
    const secret = secrets(cfg.webhook.secretEnv);
    if (!secret) warn(`webhook: ${cfg.webhook.secretEnv} is not set; webhooks are signed with an empty secret`);
    out.set('webhook', new WebhookChannel(secret ?? '', cfg.webhook.timeout, fetchImpl));
  }
  if (cfg.wecom.enabled) out.set('wecom', new WecomChannel(cfg.wecom.baseUrl, cfg.wecom.timeout, fetchImpl));
  if (cfg.dingtalk.enabled) {
    const { secretEnv, secrets } = cfg.dingtalk;
    out.set(
      'dingtalk',
      new DingtalkChannel(cfg.dingtalk.baseUrl, (token) => readEnv(env).secret(secrets[token] ?? secretEnv), cfg.dingtalk.timeout, fetchImpl),
    );
  }
  const providers: SmsProvider[] = [];
  for (const p of cfg.sms.providers) {
    if (p.type === 'aliyun') {
      const id = need(p.accessKeyIdEnv, `sms provider ${p.name}`);
      const secret = need(p.accessKeySecretEnv, `sms provider ${p.name}`);
      if (id && secret) providers.push(new AliyunSms(p.name, { ...p, accessKeyId: id, accessKeySecret: secret }, cfg.sms.timeout, fetchImpl));
    } else {
      providers.push(new HttpSms(p.name, p.url, need(p.tokenEnv, `sms provider ${p.name}`), cfg.sms.timeout, fetchImpl));
    }
  }
  if (providers.length > 0) out.set('sms', new SmsChannel(providers));
  const callers: Provider[] = [];
  const { playTimes } = cfg.voice;
  for (const p of cfg.voice.providers) {
    const [id, secret] = p.type === 'aliyun' ? [p.accessKeyIdEnv, p.accessKeySecretEnv] : [p.secretIdEnv, p.secretKeyEnv];
    const idValue = need(id, `voice provider ${p.name}`);
    const secretValue = need(secret, `voice provider ${p.name}`);
    if (!idValue || !secretValue) continue;
    if (p.type === 'aliyun')
      callers.push(new AliyunVoice(p.name, { ...p, accessKeyId: idValue, accessKeySecret: secretValue, playTimes }, cfg.voice.timeout, fetchImpl));
    else callers.push(new TencentVoice(p.name, { ...p, secretId: idValue, secretKey: secretValue, playTimes }, cfg.voice.timeout, fetchImpl));
  }
  if (callers.length > 0) out.set('voice', new VoiceChannel(callers));
  if (cfg.email.enabled) {
    out.set('email', new EmailChannel({ ...cfg.email, user: need(cfg.email.userEnv, 'email'), pass: need(cfg.email.passEnv, 'email') }));
  }
  return out;
}
