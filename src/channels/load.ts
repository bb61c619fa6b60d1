import type { Logger } from 'pino';
import type { Channel } from './types.js';
import type { ChannelsConfig } from './config.js';
import { createChannels } from './registry.js';

/** The channels of config/channels.yaml, with their secrets from the environment. */
export function loadChannels(cfg: ChannelsConfig, log: Logger, env: NodeJS.ProcessEnv = process.env): Map<string, Channel> {
  const channels = createChannels(cfg, env, (msg) => log.warn(msg));
  log.info({ channels: [...channels.keys()] }, 'notification channels');
  return channels;
}
