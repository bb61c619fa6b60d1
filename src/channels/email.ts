import nodemailer, { type Transporter } from 'nodemailer';
import type { Channel, DeliveryResult, OutboundMessage } from './types.js';

/**
 * E-mail over SMTP with nodemailer (a well-kept implementation of SMTP, STARTTLS and MIME
 * encoding of Chinese subjects, better than hand-written). Subject = title, plain UTF-8 text.
 */
export class EmailChannel implements Channel {
  readonly name = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    private readonly cfg: {
      host: string;
      port: number;
      secure: boolean;
      tlsAllowUnverified?: boolean;
      user?: string;
      pass?: string;
      from: string;
      fromName: string;
      timeout: number;
    },
  ) {
    this.transport = nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      ...(cfg.user ? { auth: { user: cfg.user, pass: cfg.pass ?? '' } } : {}),
      connectionTimeout: cfg.timeout,
      greetingTimeout: cfg.timeout,
      socketTimeout: cfg.timeout,
      // The server's certificate is checked unless channels.yaml says email.tlsAllowUnverified: true.
      tls: { rejectUnauthorized: cfg.tlsAllowUnverified !== true },
    });
  }

  async send(to: string, m: OutboundMessage): Promise<DeliveryResult> {
    try {
      const info = await this.transport.sendMail({
        from: { name: this.cfg.fromName, address: this.cfg.from },
        to,
        subject: m.title,
        text: m.text,
        headers: { 'X-Fangxun-Message-Id': m.messageId },
      });
      return { ok: true, provider: 'smtp', providerMessageId: info.messageId, retryable: false };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      const permanent = e.responseCode !== undefined && e.responseCode >= 500 && e.responseCode < 600;
      return { ok: false, provider: 'smtp', error: `${e.code ?? ''} ${e.responseCode ?? ''} ${e.message}`.trim(), retryable: !permanent };
    }
  }
}
