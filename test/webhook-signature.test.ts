import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookChannel, verifyWebhookSignature, webhookSignature } from '../src/channels/webhook.js';
import type { OutboundMessage } from '../src/channels/types.js';

/**
 * The README documents X-Fangxun-Signature for receivers. Its test vector must be what the
 * service computes, and its three-line verification example must accept a real delivery and
 * refuse a tampered one: the documentation is executed, not trusted.
 */
const readme = readFileSync('README.md', 'utf8');
const section = readme.slice(readme.indexOf('### Webhook signature'), readme.indexOf('### Standards fangxun speaks'));
const cell = (name: string) => new RegExp(`^\\| ${name.replace(/[|\\]/g, '\\$&')} \\| \`(.*)\` \\|$`, 'm').exec(section)![1]!;
const vector = { secret: cell('secret'), timestamp: cell('`X-Fangxun-Timestamp`'), body: cell('body'), signature: cell('`X-Fangxun-Signature`') };
const example = /```js\n([\s\S]*?)```/.exec(section)![1]!;

/** Runs the README's example as a receiver would, returning its `valid`. */
function readmeVerify(secret: string, timestamp: string, rawBody: string, signature: string): boolean {
  return new Function('require', 'secret', 'timestamp', 'rawBody', 'signature', `${example}\nreturn valid;`)(
    createRequire(import.meta.url),
    secret,
    timestamp,
    rawBody,
    signature,
  ) as boolean;
}

describe('the documented webhook signature', () => {
  it('the README test vector is what the service signs', () => {
    expect(example.trim().split('\n')).toHaveLength(3);
    expect(webhookSignature(vector.secret, vector.timestamp, vector.body)).toBe(vector.signature);
    expect(verifyWebhookSignature(vector.secret, vector.timestamp, vector.body, vector.signature, Number(vector.timestamp) * 1000)).toBe(true);
    expect(readmeVerify(vector.secret, vector.timestamp, vector.body, vector.signature)).toBe(true);
    expect(readmeVerify(vector.secret, vector.timestamp, vector.body.replace('"IV"', '"III"'), vector.signature)).toBe(false);
    expect(readmeVerify('another-secret', vector.timestamp, vector.body, vector.signature)).toBe(false);
  });

  it('the README example verifies a real delivery', async () => {
    let got: { timestamp: string; signature: string; raw: string } | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got = {
          timestamp: String(req.headers['x-fangxun-timestamp']),
          signature: String(req.headers['x-fangxun-signature']),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const message: OutboundMessage = {
        messageId: 'm1',
        alertId: '341881001~1',
        townshipId: '341881001',
        level: 'IV',
        personId: 'p-lead',
        personName: '市领导甲',
        mobile: null,
        role: 'liaison-leader',
        title: '【防汛Ⅳ级(蓝色)应急响应】西津街道',
        text: '西津街道已达到防汛Ⅳ级(蓝色)应急响应。',
        markdown: '',
        ackUrl: null,
        deadline: null,
        params: {},
      };
      const r = await new WebhookChannel('whsec-delivery', 2_000).send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, message);
      expect(r.ok).toBe(true);
      const { timestamp, signature, raw } = got!;
      expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(readmeVerify('whsec-delivery', timestamp, raw, signature)).toBe(true);
      expect(readmeVerify('whsec-delivery', String(Number(timestamp) + 1), raw, signature)).toBe(false);
    } finally {
      server.close();
    }
  });
});
