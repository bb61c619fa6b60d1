import { describe, expect, inject, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, createRuntime } from '../src/runtime.js';
import { EmailChannel } from '../src/channels/email.js';
import { sameSecret } from '../src/http/routes/ops.js';
import { startFakeSmtp } from './support/fakeSmtp.js';
import { ADMIN_TOKEN, smallDataset, startService, testConfig, TEST_ENV } from './helpers.js';
import { MissingSecretError } from '../src/config/secrets.js';

/** Secrets are never logged and never defaulted outside drill mode; TLS is verified. */
function sink() {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) };
}

describe('answer links in logs', () => {
  it('are redacted from every line: request lines, error messages, payloads', async () => {
    const out = sink();
    const log = createLogger('debug', { write: (s: string) => out.stream.write(s) });
    const svc = await startService({ log });
    try {
      const token = svc.runtime.services.links.signer.sign({ alertId: 'x~1', personId: 'p-a', expiresAt: Date.now() + 3_600_000 });
      const res = await svc.runtime.app.request(`/a/${token}`);
      expect(res.status).toBe(404);
      log.error(
        { err: new Error(`webhook to https://hooks.test refused the link https://fx.test/a/${token}`), ackUrl: `https://fx.test/a/${token}` },
        `delivery of /a/${token} failed`,
      );
      await new Promise((r) => setTimeout(r, 50));
      const text = out.lines.join('');
      expect(text).toContain('/a/[redacted]');
      expect(text).not.toContain(token.split('.')[1]!);
      expect(text).not.toContain(token.split('.')[0]!);
    } finally {
      await svc.close();
    }
  });
});

describe('start-up without secrets', () => {
  const base = { config: testConfig(), redisUrl: inject('redisUrl'), adminToken: ADMIN_TOKEN, log: createLogger('silent') };
  const without = (...names: string[]) => Object.fromEntries(Object.entries(TEST_ENV).filter(([k]) => !names.includes(k)));

  it('refuses outside drill mode, naming the variable, and keeps no link key in Redis', async () => {
    const prefix = `t-sec-${randomUUID().slice(0, 6)}`;
    await expect(createRuntime({ ...base, prefix, drill: false, env: without('FANGXUN_LINK_SECRET') })).rejects.toThrow(/^FANGXUN_LINK_SECRET is not set/);
    await expect(createRuntime({ ...base, prefix, drill: false, env: without('FANGXUN_WEBHOOK_SECRET') })).rejects.toBeInstanceOf(MissingSecretError);
    await expect(createRuntime({ ...base, prefix, drill: false, env: without('FANGXUN_WEBHOOK_SECRET') })).rejects.toThrow(/FANGXUN_WEBHOOK_SECRET is not set/);
    const probe = await startService({ prefix });
    expect(await probe.runtime.services.redis.exists(probe.runtime.services.keys.linkSecret())).toBe(0);
    await probe.close();
    // Drill mode (demo, tests) keeps working without them.
    const drill = await createRuntime({ ...base, prefix, drill: true, env: without('FANGXUN_LINK_SECRET', 'FANGXUN_WEBHOOK_SECRET') });
    expect(await drill.services.redis.exists(drill.services.keys.linkSecret())).toBe(1);
    await drill.close();
  });

  it('npm start ends with one sentence naming the variable', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      FANGXUN_DRILL: '0',
      FANGXUN_DEMO: '0',
      FANGXUN_KEY_PREFIX: `t-start-${randomUUID().slice(0, 6)}`,
      PORT: '0',
      SL651_PORT: 'off',
      LOG_LEVEL: 'silent',
      FANGXUN_ADMIN_TOKEN: 'x',
    };
    delete env.FANGXUN_LINK_SECRET;
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^fangxun cannot start: FANGXUN_LINK_SECRET is not set: outside drill mode/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('e-mail', () => {
  const message = {
    messageId: 'm1',
    alertId: 'a',
    townshipId: 't',
    level: 'IV' as const,
    personId: 'p',
    personName: 'p',
    mobile: null,
    role: 'x',
    title: '测试',
    text: '测试',
    markdown: '',
    ackUrl: null,
    deadline: null,
    params: {},
  };
  it('verifies the SMTP server certificate unless email.tlsAllowUnverified says otherwise', async () => {
    const smtp = await startFakeSmtp({ starttls: true }); // self-signed certificate
    try {
      const cfg = { host: '127.0.0.1', port: smtp.port, secure: false, from: 'fangxun@ningguo.test', fromName: '防汛', timeout: 5_000 };
      const refused = await new EmailChannel(cfg).send('leader@ningguo.test', message);
      expect(refused).toMatchObject({ ok: false });
      expect(refused.error).toMatch(/certificate/i);
      expect(smtp.messages).toHaveLength(0);
      expect(await new EmailChannel({ ...cfg, tlsAllowUnverified: true }).send('leader@ningguo.test', message)).toMatchObject({ ok: true });
    } finally {
      await smtp.close();
    }
  });

  it('takes an e-mail contact only as one address', async () => {
    const svc = await startService();
    try {
      await svc.importData(smallDataset());
      for (const to of ['a@ningguo.test, b@ningguo.test', 'a@ningguo.test\r\nBcc: x@evil.test', '防汛 <a@ningguo.test>', 'nobody']) {
        const res = await svc.call('POST', '/v1/admin/people', { body: { id: 'p-mail', name: '邮件', contacts: [{ channel: 'email', to }] } });
        expect(res.status, to).toBe(422);
        expect(res.body.error.message).toMatch(/one address|line breaks/);
      }
      expect(
        (await svc.call('POST', '/v1/admin/people', { body: { id: 'p-mail', name: '邮件', contacts: [{ channel: 'email', to: 'leader@ningguo.gov.cn' }] } }))
          .status,
      ).toBe(201);
    } finally {
      await svc.close();
    }
  });
});

describe('metrics token', () => {
  it('is compared in constant time, whatever the length of the guess', () => {
    expect(sameSecret('Bearer abc', 'Bearer abc')).toBe(true);
    expect(sameSecret('Bearer ab', 'Bearer abc')).toBe(false);
    expect(sameSecret('', 'Bearer abc')).toBe(false);
    expect(sameSecret('Bearer abd', 'Bearer abc')).toBe(false);
  });
});
