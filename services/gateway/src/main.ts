import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, loadDevelopmentEnv, serve } from '@strongbox/http';
import { ConfigError } from '@strongbox/kernel';
import { buildApp } from './app.ts';
import { type GatewayConfig, loadConfig } from './config.ts';

loadDevelopmentEnv();

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
await serve(app, { port: config.port, host: config.host });
