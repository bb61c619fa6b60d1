import type { Level } from '../domain/levels.js';

/**
 * The sending interface every notification channel implements. The alert core renders
 * the Chinese text once (plain, markdown, subject); a channel only puts it on its wire.
 * Channels never decide whom to tell or when: they send one message to one address and
 * say how it went.
 */
export type ChannelName = 'sms' | 'voice' | 'wecom' | 'dingtalk' | 'email' | 'webhook';

export interface OutboundMessage {
  /** Deterministic id of this message (alert, person, step): providers may use it for idempotency. */
  messageId: string;
  alertId: string;
  townshipId: string;
  level: Level | null;
  personId: string;
  personName: string;
  /** Mobile number of the person when known (DingTalk `at`, SMS). */
  mobile: string | null;
  /** Recipient role in this alert: liaison-leader, township-head, duty-officer, shift-leader, commander. */
  role: string;
  /** Subject line (email) / title (markdown cards). */
  title: string;
  /** Plain Chinese text, complete on its own (SMS). Includes the ack link when there is one. */
  text: string;
  /** The same content as markdown (WeCom, DingTalk). */
  markdown: string;
  /** Personal acknowledgement link, or null for informational messages. */
  ackUrl: string | null;
  /** Ack deadline (ISO 8601) or null. */
  deadline: string | null;
  /**
   * Template variables for SMS providers that need a registered template (Aliyun): name,
   * township, level, deadline, link (the whole answer URL), code (its last part, ≤ 16 characters).
   */
  params: Record<string, string>;
  /**
   * Variables of the approved speech template of a call (语音模板): township, level and a
   * short fixed notice phrase; a call never reads free text.
   */
  speech?: { township: string; level: string; notice: string };
  /** Short id quoted back by the provider's receipts (Aliyun OutId, Tencent SessionContext). */
  outId?: string;
  /** A message of its own template (Aliyun: `signInTemplateCode`, variable `code`); default the alert template. */
  template?: 'sign-in-code';
}

export interface DeliveryResult {
  ok: boolean;
  /** Which provider carried it (for SMS with fail-over: `aliyun`, `http`…). */
  provider: string;
  /** Provider's message id when it gives one. */
  providerMessageId?: string;
  /** Readable reason when not ok (HTTP status, errcode and errmsg, timeout…). */
  error?: string;
  /** False when retrying cannot help (bad address, rejected signature, 4xx other than 429). */
  retryable: boolean;
  /** Every provider tried for this attempt, in order (fail-over visible on the alert). */
  tried?: Array<{ provider: string; ok: boolean; error?: string }>;
}

export interface Channel {
  readonly name: ChannelName;
  /** Sends one message to one address (`to` from the person's contact). Never throws. */
  send(to: string, message: OutboundMessage, signal?: AbortSignal): Promise<DeliveryResult>;
}
