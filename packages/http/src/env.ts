import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { newSecretsKey } from '@strongbox/kernel';

/**
 * In development, variables may also come from `.env` in the working directory (npm scripts run from the
 * repository root). Variables already set in the environment win; in production no file is read, so a
 * stray file in an image cannot change a deployment.
 */
export function loadDevelopmentEnv(dir: string = process.cwd()): void {
  const file = resolve(dir, '.env');
  if (process.env['NODE_ENV'] !== 'production' && existsSync(file)) process.loadEnvFile(file);
}

/**
 * The SECRETS_KEY of a development system (npm start): kept in `<home>/secrets-key`, beside the embedded
 * database whose secrets it seals, and made on the first start. A key made afresh on each start would
 * not open what the previous start sealed. Never used in production, where SECRETS_KEY must be set.
 */
export function developmentSecretsKey(home: string): string {
  const file = resolve(home, 'secrets-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(home, { recursive: true });
  const key = newSecretsKey('dev1');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
