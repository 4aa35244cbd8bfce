import { bool, int, oneOf, optionalUrl, port, readConfig, str, url } from '@strongbox/kernel';
import { GROUP_COMMIT_DEFAULTS } from './infra/ledger-engine.ts';

/** Every setting balance reads, validated at start. */
export function balanceConfig(env: Readonly<Record<string, string | undefined>>) {
  const c = readConfig(env, {
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    BALANCE_PORT: port(3002),
    HOST: str({ fallback: '127.0.0.1' }),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
    JWT_AUDIENCE: str({ fallback: 'strongbox' }),
    IDENTITY_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3001' }),
    IDENTITY_JWKS_URL: optionalUrl(['http:', 'https:']),
    TRUST_PROXY: str({ fallback: '127.0.0.1,::1' }),
    DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
    AMQP_URL: optionalUrl(['amqp:', 'amqps:']),
    BALANCE_BATCH_SIZE_MAX: int({ fallback: GROUP_COMMIT_DEFAULTS.batchSizeMax, min: 1, max: 1_000 }),
    BALANCE_BATCH_WAIT_MS: int({ fallback: GROUP_COMMIT_DEFAULTS.batchWaitMs, min: 0, max: 100 }),
    BALANCE_FLUSH_CONCURRENCY: int({ fallback: GROUP_COMMIT_DEFAULTS.flushesInFlightMax, min: 1, max: 16 }),
    BALANCE_QUEUE_ITEMS_MAX: int({
      fallback: GROUP_COMMIT_DEFAULTS.queueItemsMax,
      min: 1_000,
      max: 1_000_000,
    }),
    BALANCE_JOBS: bool(true),
  });
  return {
    ...c,
    jwksUrl: c.IDENTITY_JWKS_URL ?? `${c.IDENTITY_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
  };
}
