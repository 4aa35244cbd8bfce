import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * In development, variables may also come from `.env` in the working directory (npm scripts run from the
 * repository root). Variables already set in the environment win; in production no file is read, so a
 * stray file in an image cannot change a deployment.
 */
export function loadDevelopmentEnv(dir: string = process.cwd()): void {
  const file = resolve(dir, '.env');
  if (process.env['NODE_ENV'] !== 'production' && existsSync(file)) process.loadEnvFile(file);
}
