/**
 * npm run backtest -- --readings FILE [--config DIR] [--dataset FILE] [--redis URL] [--json]
 *
 * 预演: replays a past event (readings dated in the past) with its own clock and prints, per
 * township, the warnings over time (storm time, 北京时间), the recommendations to the HQ and the
 * messages that would have gone out. Runs on a throw-away redis-server of its own (or on
 * --redis under a fresh key prefix); no live service is touched.
 * Example: npm run backtest -- --readings config/demo/backtest-2023-07-05.json
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type AppConfig, ConfigError, loadConfig } from '../config/load.js';
import { readEnv } from '../config/env.js';
import { freePort, redisServerInstalled, startRedisServer, type LocalRedis } from '../infra/redisServer.js';
import { loadBacktestFile, runBacktest, type BacktestReport } from '../backtest/replay.js';
import { levelText, localTimeText } from '../domain/wording.js';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const fail = (message: string): never => {
  console.error(`backtest: ${message}`);
  process.exit(2);
};

const readingsPath = arg('--readings') ?? fail('give the readings: npm run backtest -- --readings FILE (e.g. config/demo/backtest-2023-07-05.json)');
let config: AppConfig;
try {
  config = loadConfig(arg('--config') ?? readEnv().configDir);
} catch (err) {
  if (err instanceof ConfigError) fail(`bad config file\n  ${err.message}`);
  throw err;
}
let file: ReturnType<typeof loadBacktestFile>;
try {
  file = loadBacktestFile(readingsPath);
} catch (err) {
  fail((err as Error).message);
}

let local: LocalRedis | null = null;
let dir: string | null = null;
let redisUrl = arg('--redis');
if (!redisUrl) {
  if (!redisServerInstalled()) fail('redis-server is not installed (apt-get install redis-server), or give --redis URL');
  dir = mkdtempSync(join(tmpdir(), 'fangxun-backtest-'));
  local = await startRedisServer({ port: await freePort(), dir });
  redisUrl = local.url;
}
try {
  const report = await runBacktest({
    file: file!,
    config: config!,
    redisUrl,
    datasetFile: arg('--dataset'),
    log: pino({ level: readEnv({ LOG_LEVEL: 'warn', ...process.env }).logLevel }),
  });
  if (args.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else print(report, config!.levels.timezone);
} finally {
  await local?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

function print(r: BacktestReport, tz: string): void {
  const t = (x: number) => localTimeText(x, tz);
  console.log(`预演：${r.event ?? readingsPath}`);
  console.log(
    `时段 ${t(r.from)} 至 ${t(r.to)}（北京时间），读数 ${r.readings.posted} 条，接收 ${r.readings.accepted}，拒收 ${r.readings.refused}；全市平均6小时降雨 ${r.cityMean6h ?? '—'} 毫米`,
  );
  console.log('\n预警变化（按降雨发生时间）：');
  for (const c of r.changes) console.log(`  ${t(c.at)}  ${c.name}  ${c.from ? levelText(c.from) : '无'} → ${c.to ? levelText(c.to) : '无'}`);
  console.log('\n各乡镇最高预警：');
  console.log(`  ${r.highest.map((h) => `${h.name} ${h.level ? levelText(h.level) : '无'}`).join('；')}`);
  console.log(`\n响应建议（${r.recommendations.length} 条）：`);
  for (const rec of r.recommendations)
    console.log(`  ${t(rec.at)}  ${rec.title}\n    ${rec.text.replaceAll('\n', '\n    ')}\n    发送给：${rec.to.join('、')}`);
  const byPerson = new Map<string, number>();
  for (const m of r.messages) byPerson.set(m.name, (byPerson.get(m.name) ?? 0) + 1);
  console.log(`\n将发出的消息：共 ${r.messages.length} 条，${byPerson.size} 人`);
  for (const [name, n] of [...byPerson].sort((a, b) => b[1] - a[1])) console.log(`  ${name} ${n} 条`);
}
