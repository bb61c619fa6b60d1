import type { DeliveryResult, OutboundMessage } from '../types.js';
import type { Provider } from '../failover.js';
import { json, postOnce, type FetchLike } from '../http.js';
import { aliyunRpc, mainlandNumber, type AliyunCredentials } from '../aliyunRpc.js';
import { tc3Headers } from '../tc3.js';

/**
 * Calls (语音叫应) through a cloud voice service. The speech is an approved template read
 * with three variables only — township, level, notice — and played `playTimes` (2) times.
 * A message that must be answered is an interactive call taking "按1确认"; the keypress
 * comes back in a receipt (src/inbound). An informational one only reads the notice.
 */
function speechOf(m: OutboundMessage): { township: string; level: string; notice: string } {
  return m.speech ?? { township: m.params.township ?? '', level: m.params.level ?? '', notice: '' };
}

/** A provider reached over HTTP with its own config, a timeout, and (for tests) fetch and clock. */
abstract class HttpVoiceProvider<C> implements Provider {
  constructor(
    readonly name: string,
    protected readonly cfg: C,
    protected readonly timeoutMs: number,
    protected readonly fetchImpl: FetchLike = fetch,
    protected readonly now: () => number = Date.now,
  ) {}

  abstract send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}

export interface AliyunVoiceConfig extends AliyunCredentials {
  /** 被叫显示号: a number bought in the console (needed by IvrCall; empty = public mode). */
  calledShowNumber: string;
  /** TTS template (文本转语音模板) read at the start: `${township}…${level}…${notice}…请按1确认`. */
  ttsCode: string;
  /** TTS template played after key 1 ("已确认，谢谢"). */
  confirmTtsCode: string;
  playTimes: number;
  /** How long the IVR waits for a key, ms. */
  keyTimeout: number;
}

/** Aliyun Dyvmsapi 2017-05-25: `IvrCall` (menu key 1) to be answered, `SingleCallByTts` to inform. */
export class AliyunVoice extends HttpVoiceProvider<AliyunVoiceConfig> {
  send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const tts = JSON.stringify(speechOf(m));
    const common = { CalledNumber: mainlandNumber(phone), OutId: (m.outId ?? m.messageId).slice(0, 64), PlayTimes: String(this.cfg.playTimes) };
    const show: Record<string, string> = this.cfg.calledShowNumber ? { CalledShowNumber: this.cfg.calledShowNumber } : {};
    const opts = { timeoutMs: this.timeoutMs, signal, fetchImpl: this.fetchImpl, now: this.now() };
    if (m.ackUrl) {
      const params = {
        ...common,
        ...show,
        StartCode: this.cfg.ttsCode,
        StartTtsParams: tts,
        Timeout: String(this.cfg.keyTimeout),
        'MenuKeyMap.1.Key': '1',
        'MenuKeyMap.1.Code': this.cfg.confirmTtsCode,
      };
      return aliyunRpc(this.name, this.cfg, 'IvrCall', params, 'CallId', opts);
    }
    return aliyunRpc(this.name, this.cfg, 'SingleCallByTts', { ...common, ...show, TtsCode: this.cfg.ttsCode, TtsParam: tts }, 'CallId', opts);
  }
}

export interface TencentVoiceConfig {
  baseUrl: string;
  region: string;
  secretId: string;
  secretKey: string;
  voiceSdkAppid: string;
  /** Voice notification template; its {1} {2} {3} are township, level, notice. */
  templateId: string;
  playTimes: number;
}

/** Tencent Cloud VMS `SendTtsVoice` (API 3.0, version 2020-09-02, TC3-HMAC-SHA256). */
export class TencentVoice extends HttpVoiceProvider<TencentVoiceConfig> {
  send(phone: string, m: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult> {
    const s = speechOf(m);
    const body = JSON.stringify({
      TemplateId: this.cfg.templateId,
      TemplateParamSet: [s.township, s.level, s.notice],
      CalledNumber: `+86${mainlandNumber(phone)}`,
      VoiceSdkAppid: this.cfg.voiceSdkAppid,
      PlayTimes: this.cfg.playTimes,
      SessionContext: (m.outId ?? m.messageId).slice(0, 64),
    });
    const url = new URL(this.cfg.baseUrl);
    const headers = {
      ...tc3Headers({
        host: url.host,
        service: 'vms',
        body,
        timestamp: Math.floor(this.now() / 1000),
        secretId: this.cfg.secretId,
        secretKey: this.cfg.secretKey,
      }),
      'x-tc-action': 'SendTtsVoice',
      'x-tc-version': '2020-09-02',
      'x-tc-region': this.cfg.region,
    };
    return postOnce(this.fetchImpl, this.name, url.toString(), { headers, body }, this.timeoutMs, signal, (status, text) => {
      const reply = json<{ Response?: { SendStatus?: { CallId?: string }; Error?: { Code?: string; Message?: string } } }>(text)?.Response;
      if (status === 200 && reply?.SendStatus?.CallId) return { ok: true, id: reply.SendStatus.CallId };
      const code = reply?.Error?.Code ?? `HTTP ${status}`;
      return {
        ok: false,
        error: `${code}${reply?.Error?.Message ? ` ${reply.Error.Message}` : ''}`,
        retryable: status >= 500 || /LimitExceeded|InternalError|RequestLimit/i.test(code),
      };
    });
  }
}
