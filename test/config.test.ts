import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ConfigError, configDir, loadConfig } from '../src/config/load.js';

const dirs: string[] = [];
function configWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fangxun-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function loadError(dir: string): ConfigError {
  try {
    loadConfig(dir);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('loads the shipped files with durations in milliseconds', () => {
    const c = loadConfig('config');
    expect(c.levels.timezone).toBe('Asia/Shanghai');
    expect(c.levels.dayStartHour).toBe(8);
    expect(c.levels.rainfall).toContainEqual({ window: '3h', mm: 100, level: 'II' });
    // Rain at one gauge never gives Ⅰ; 2 m over the flood limit gives Ⅱ.
    expect(c.levels.rainfall.some((r) => r.level === 'I')).toBe(false);
    expect(c.levels.reservoir).toContainEqual({ over: 'floodLimit', by: 2, level: 'II' });
    expect(c.levels.city.rainfall).toContainEqual({ window: '6h', mm: 50, level: 'IV' });
    // Warnings advise (no arrival); responses send people to the post.
    expect(c.policy.levels.IV.arriveWithin).toBeNull();
    expect(c.policy.mustAck).toEqual(['township-head', 'duty-officer']);
    expect(c.policy.responses.IV).toMatchObject({ ackWithin: 30 * 60_000, arriveWithin: 4 * 3_600_000 });
    expect(c.policy.responses.mustAck).toEqual(['liaison-leader', 'township-head']);
    expect(c.policy.responses.autoLaunch).toEqual([]);
    expect(c.service.ingest.maxBatch).toBe(10_000);
    expect(c.service.ingest.maxFuture).toBe(5 * 60_000);
  });

  it('keeps a policy.yaml written before responses working: `levels:` governs warnings, responses take their defaults', () => {
    const dir = configWith({
      'levels.yaml': ['timezone: Asia/Shanghai', 'rainfall:', '  - { window: 12h, mm: 50, level: IV }', ''].join('\n'),
      'policy.yaml': [
        'levels:',
        '  IV:  { notify: [liaison-leader, township-head], ackWithin: 30m, arriveWithin: 4h }',
        '  III: { notify: [liaison-leader, township-head], ackWithin: 15m, arriveWithin: 2h }',
        '  II:  { notify: [liaison-leader, township-head, commander], ackWithin: 10m, arriveWithin: 1h }',
        '  I:   { notify: [liaison-leader, township-head, commander], ackWithin: 5m, arriveWithin: 1h }',
        'mustAck: [liaison-leader, township-head]',
        'escalation: [renotify, duty-officer]',
        '',
      ].join('\n'),
    });
    const c = loadConfig(dir);
    expect(c.policy.levels.IV.arriveWithin).toBe(4 * 3_600_000);
    expect(c.policy.responses.II).toMatchObject({ ackWithin: 10 * 60_000, arriveWithin: 3_600_000 });
    expect(c.policy.responses.II.notify).toContain('commander');
    expect(c.levels.city).toEqual({ rainfall: [], townships: [] });
  });

  it('names the file, the path inside it and the line of a bad value', () => {
    const dir = configWith({
      'levels.yaml': ['timezone: Asia/Shanghai', 'rainfall:', '  - { window: 12h, mm: 50, level: IV }', '  - { window: 2h, mm: 50, level: III }', ''].join(
        '\n',
      ),
    });
    const err = loadError(dir);
    expect(err.message).toContain(join(dir, 'levels.yaml'));
    expect(err.message).toMatch(/rainfall\[1\]\.window \(line 4\): window must be one of 10m 30m 1h 3h 6h 12h 24h day/);
  });

  it('refuses an unknown level, an unknown key and a bad time zone', () => {
    const dir = configWith({
      'levels.yaml': ['timezone: Mars/Olympus', 'rainfall: [{ window: 3h, mm: 50, level: V }]', 'raimfall: []', ''].join('\n'),
    });
    const err = loadError(dir);
    expect(err.message).toMatch(/timezone \(line 1\): timezone must be an IANA zone/);
    expect(err.message).toMatch(/rainfall\[0\]\.level \(line 2\): level must be one of IV, III, II, I/);
    expect(err.message).toMatch(/raimfall/);
  });

  it('reports YAML syntax errors with a line', () => {
    const dir = configWith({ 'levels.yaml': 'rainfall:\n  - { window: 3h, mm: 50, level: IV\n' });
    expect(loadError(dir).message).toMatch(/\(syntax\) \(line \d+\)/);
  });

  it('checks service.yaml durations', () => {
    const dir = configWith({ 'levels.yaml': 'rainfall: []\n', 'service.yaml': 'ingest:\n  maxFuture: five minutes\n' });
    expect(loadError(dir).message).toMatch(/service\.yaml:\n {2}ingest\.maxFuture \(line 2\): duration must look like 30s, 15m, 2h or 1d/);
  });

  it('takes 0 to turn evaluation.settle off, and names a bad value', () => {
    // The shipped files, with service.yaml replaced.
    const shipped = Object.fromEntries(['levels.yaml', 'policy.yaml', 'channels.yaml'].map((f) => [f, readFileSync(join('config', f), 'utf8')]));
    const settle = (value: string) => configWith({ ...shipped, 'service.yaml': `evaluation:\n  settle: ${value}\n` });
    expect(loadConfig(settle('0s')).service.evaluation.settle).toBe(0);
    expect(loadConfig(settle('0')).service.evaluation.settle).toBe(0);
    expect(loadConfig(settle('1500ms')).service.evaluation.settle).toBe(1500);
    const dir = settle('soon');
    expect(loadError(dir).message).toMatch(/evaluation\.settle \(line 2\): duration must look like 0 \(off\), 500ms, 1s or 2m/);
  });

  it('needs levels.yaml and reads FANGXUN_CONFIG_DIR', () => {
    const empty = configWith({});
    expect(loadError(empty).message).toMatch(/levels\.yaml:\n {2}\(file\): file not found/);
    expect(configDir({ FANGXUN_CONFIG_DIR: empty })).toBe(empty);
    expect(configDir({})).toBe(join(process.cwd(), 'config'));
  });

  it('stops start-up with the message and exit code 1', () => {
    const dir = configWith({ 'levels.yaml': 'rainfall: [{ window: 3h, mm: -5, level: IV }]\n' });
    copyFileSync('config/service.yaml', join(dir, 'service.yaml'));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, FANGXUN_CONFIG_DIR: dir, REDIS_URL: 'redis://127.0.0.1:1', PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr + run.stdout).toMatch(/levels\.yaml:\n\s+rainfall\[0\]\.mm \(line 1\)/);
  });
});
