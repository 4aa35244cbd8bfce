import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configOrExit, createLogger, loadDevelopmentEnv, serve } from '@strongbox/http';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';

loadDevelopmentEnv();

const config = configOrExit('gateway', () => loadConfig(process.env));

const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
  version: string;
};
const logger = createLogger({ service: 'gateway', level: config.logLevel });
const app = await buildApp({ config, logger, version });
await serve(app, { port: config.port, host: config.host });
