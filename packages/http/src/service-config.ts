import { int, oneOf, optionalUrl, str, url } from '@strongbox/kernel';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The settings every database-backed service reads the same way (balance, webhooks, orders, processor):
 * spread into its own `readConfig` beside its port and its own settings.
 *
 * @example
 * const c = readConfig(env, { ...SERVICE_CONFIG_FIELDS, BALANCE_PORT: port(3002) });
 */
export const SERVICE_CONFIG_FIELDS = {
  DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
  HOST: str({ fallback: '127.0.0.1' }),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
  JWT_AUDIENCE: str({ fallback: 'strongbox' }),
  IDENTITY_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3001' }),
  /** The key set that verifies access tokens; by default identity's, at IDENTITY_URL. */
  IDENTITY_JWKS_URL: optionalUrl(['http:', 'https:']),
  /** Proxies whose X-Forwarded-For is believed (the gateway on the same host by default). */
  TRUST_PROXY: str({ fallback: '127.0.0.1,::1' }),
  DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
  /** RabbitMQ as the event transport when set; PostgreSQL otherwise. */
  AMQP_URL: optionalUrl(['amqp:', 'amqps:']),
};

/** Where the service fetches identity's signing keys. */
export function jwksUrlOf(c: { IDENTITY_JWKS_URL: string | undefined; IDENTITY_URL: string }): string {
  return c.IDENTITY_JWKS_URL ?? `${c.IDENTITY_URL.replace(/\/+$/, '')}/.well-known/jwks.json`;
}
