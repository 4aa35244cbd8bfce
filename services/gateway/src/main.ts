import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, serve } from '@strongbox/http';
import { ConfigError } from '@strongbox/kernel';
import { buildApp } from './app.ts';
import { type GatewayConfig, loadConfig } from './config.ts';

// The repository's .env, whatever directory the process starts in; variables already set win over it.
const ENV_FILE = join(import.meta.dirname, '..', '..', '..', '.env');
if (existsSync(ENV_FILE)) process.loadEnvFile(ENV_FILE);

let config: GatewayConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}

const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};
const logger = createLogger({ service: 'gateway', level: config.logLevel });
const app = await buildApp({ config, logger, version });
const address = await serve(app, { port: config.port, host: config.host });
logger.info({ url: address }, `gateway listening on ${address}`);
