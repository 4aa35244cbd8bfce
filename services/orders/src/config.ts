import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { ConfigError, int, optionalStr, port, readConfig, str, url } from '@strongbox/kernel';

/** Every setting orders reads, validated at start (docs/runbooks/orders-operations.md lists them). */
export function ordersConfig(env: Readonly<Record<string, string | undefined>>) {
  const c = readConfig(env, {
    ...SERVICE_CONFIG_FIELDS,
    ORDERS_PORT: port(3004),
    BALANCE_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3002' }),
    /** The service client orders calls balance as (npm run client:create -- --name orders). */
    ORDERS_CLIENT_ID: optionalStr(),
    ORDERS_CLIENT_SECRET: str({ fallback: '', secret: true }),
    /** A hold not resolved by then is released and the order fails with processing_timeout. */
    ORDERS_PROCESSING_TIMEOUT_MS: int({ fallback: 120_000, min: 1_000, max: 7 * 24 * 3_600_000 }),
    /** The saga timer resumes a step this long after it should have run. */
    ORDERS_RESUME_AFTER_MS: int({ fallback: 2_000, min: 100, max: 600_000 }),
    ORDERS_CONSUMER_CONCURRENCY: int({ fallback: 8, min: 1, max: 64 }),
    NODE_ENV: str({ fallback: 'development' }),
  });
  // In development orders may start without a client (it then takes no orders); in production it must not.
  if (c.NODE_ENV === 'production' && (!c.ORDERS_CLIENT_ID || !c.ORDERS_CLIENT_SECRET))
    throw new ConfigError('ORDERS_CLIENT_ID', 'a service client id with ORDERS_CLIENT_SECRET', undefined);
  return c;
}

export type OrdersConfig = ReturnType<typeof ordersConfig>;
