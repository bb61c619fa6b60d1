import { FailoverChannel, type Provider } from '../failover.js';

/** Calls, with fail-over between the voice providers (Aliyun first, Tencent next). */
export class VoiceChannel extends FailoverChannel {
  constructor(providers: Provider[]) {
    super('voice', providers);
  }
}
