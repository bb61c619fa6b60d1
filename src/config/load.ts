import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import type { z } from 'zod';
import { describeIssues, zodIssues, type InputIssue } from '../lib/issues.js';
import { policySchema, type Policy } from './policy.js';
import { channelsConfigSchema, type ChannelsConfig } from '../channels/config.js';
import { levelsConfigSchema, serviceConfigSchema, type LevelsConfig, type ServiceConfig } from './schema.js';
import { readEnv } from './env.js';

/** A config file that cannot be used; the message names the file, the path inside it and the problem. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: InputIssue[],
  ) {
    super(`${file}:\n  ${describeIssues(issues, '\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface AppConfig {
  dir: string;
  levels: LevelsConfig;
  service: ServiceConfig;
  policy: Policy;
  channels: ChannelsConfig;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(readEnv(env).configDir);
}

/**
 * Parses YAML (or JSON, which is YAML) against a schema. Issues carry the path and, when
 * the YAML has a node there, its line number, so a person can go straight to it.
 */
export function checkYaml<S extends z.ZodType>(text: string, schema: S): { ok: true; data: z.infer<S> } | { ok: false; issues: InputIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => ({ path: '(syntax)', message: e.message.split('\n')[0] ?? e.message, line: lineCounter.linePos(e.pos[0]).line })),
    };
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb (aliases of aliases, "billion laughs") is refused, not expanded.
    return { ok: false, issues: [{ path: '(syntax)', message: `the document could not be expanded: ${(err as Error).message}; use fewer aliases` }] };
  }
  const result = schema.safeParse(js ?? {});
  if (result.success) return { ok: true, data: result.data };
  return {
    ok: false,
    issues: zodIssues(result.error).map((issue, idx) => {
      const path = result.error.issues[idx]!.path;
      // The deepest node that exists along the path gives the line.
      for (let n = path.length; n >= 0; n--) {
        const node = doc.getIn(path.slice(0, n) as Array<string | number>, true);
        if (isNode(node) && node.range) return { ...issue, line: lineCounter.linePos(node.range[0]).line };
      }
      return issue;
    }),
  };
}

export function parseYaml<S extends z.ZodType>(text: string, schema: S, file: string): z.infer<S> {
  const result = checkYaml(text, schema);
  if (!result.ok) throw new ConfigError(file, result.issues);
  return result.data;
}

function loadFile<S extends z.ZodType>(dir: string, name: string, schema: S, required: boolean): z.infer<S> {
  const file = join(dir, name);
  if (!existsSync(file)) {
    if (required) throw new ConfigError(file, [{ path: '(file)', message: 'file not found; set FANGXUN_CONFIG_DIR or restore it' }]);
    return parseYaml('{}', schema, file);
  }
  return parseYaml(readFileSync(file, 'utf8'), schema, file);
}

export function loadConfig(dir = configDir(), env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config: AppConfig = {
    dir,
    levels: loadFile(dir, 'levels.yaml', levelsConfigSchema, true),
    service: loadFile(dir, 'service.yaml', serviceConfigSchema, false),
    policy: loadFile(dir, 'policy.yaml', policySchema, true),
    channels: loadFile(dir, 'channels.yaml', channelsConfigSchema, false),
  };
  // Deployments set the public address of the answer links without editing the file.
  const publicUrl = readEnv(env).publicUrl;
  if (publicUrl) config.policy.publicUrl = publicUrl;
  return config;
}
