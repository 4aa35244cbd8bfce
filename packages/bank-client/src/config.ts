import { int, str, url } from '@strongbox/kernel';
import { BANK_TIMEOUT_MS } from './policy.ts';
import { BANK_RATE_PER_S } from './rate-limiter.ts';

/**
 * The settings a service that calls the bank adds to its readConfig schema; its main.ts passes them to
 * createBankClient. The client itself never reads the environment.
 */
export const BANK_CLIENT_CONFIG_FIELDS = {
  BANK_URL: url({ protocols: ['http:', 'https:'] }),
  BANK_API_TOKEN: str({ secret: true }),
  BANK_TIMEOUT_MS: int({ fallback: BANK_TIMEOUT_MS, min: 100, max: 120_000 }),
  BANK_CLIENT_RATE_LIMIT_PER_S: int({ fallback: BANK_RATE_PER_S, min: 1, max: 1_000 }),
};
