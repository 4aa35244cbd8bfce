import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configOrExit, createLogger, loadDevelopmentEnv, serve } from '@strongbox/http';
import { Redis } from 'ioredis';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

loadDevelopmentEnv();

const config = configOrExit('gateway', () => loadConfig(process.env));

const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};
const logger = createLogger({ service: 'gateway', level: config.logLevel });
// Bounded waits: an absent, slow or hung Redis must not hold requests. Every command gives up after
// REDIS_COMMAND_TIMEOUT_MS, and the limiter then lets the request pass.
const REDIS_COMMAND_TIMEOUT_MS = 200;
const redis = config.rateLimits.redisUrl
  ? new Redis(config.rateLimits.redisUrl, {
      connectTimeout: 500,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    })
  : undefined;
redis?.on('error', (err) =>
  logger.warn({ err }, 'redis for rate limits failed; requests are not limited meanwhile'),
);
const app = await buildApp({ config, logger, version, ...(redis ? { redis } : {}) });
await serve(app, {
  port: config.port,
  host: config.host,
  closers: [async () => void (await redis?.quit().catch(() => undefined))],
});
