import { int, oneOf, optionalStr, optionalUrl, port, readConfig, str, url } from '@strongbox/kernel';

/** Every setting orders reads, validated at start (docs/runbooks/orders-operations.md lists them). */
export function ordersConfig(env: Readonly<Record<string, string | undefined>>) {
  const c = readConfig(env, {
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    ORDERS_PORT: port(3004),
    HOST: str({ fallback: '127.0.0.1' }),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
    JWT_AUDIENCE: str({ fallback: 'strongbox' }),
    IDENTITY_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3001' }),
    IDENTITY_JWKS_URL: optionalUrl(['http:', 'https:']),
    BALANCE_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3002' }),
    /** The service client orders calls balance as (npm run client:create -- --name orders). */
    ORDERS_CLIENT_ID: optionalStr(),
    ORDERS_CLIENT_SECRET: str({ fallback: '', secret: true }),
    /** A hold not resolved by then is released and the order fails with processing_timeout. */
    ORDERS_PROCESSING_TIMEOUT_MS: int({ fallback: 120_000, min: 1_000, max: 7 * 24 * 3_600_000 }),
    /** The saga timer resumes a step this long after it should have run. */
    ORDERS_RESUME_AFTER_MS: int({ fallback: 2_000, min: 100, max: 600_000 }),
    ORDERS_CONSUMER_CONCURRENCY: int({ fallback: 8, min: 1, max: 64 }),
    TRUST_PROXY: str({ fallback: '127.0.0.1,::1' }),
    DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
    AMQP_URL: optionalUrl(['amqp:', 'amqps:']),
    NODE_ENV: str({ fallback: 'development' }),
  });
  return {
    ...c,
    jwksUrl: c.IDENTITY_JWKS_URL ?? `${c.IDENTITY_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
  };
}
