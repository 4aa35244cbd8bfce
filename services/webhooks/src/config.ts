import { type Field, int, oneOf, optionalUrl, port, readConfig, str, url } from '@strongbox/kernel';
import { type AllowList, EMPTY_ALLOW_LIST, parseAllowList } from './infra/address-policy.ts';

const allowList: Field<AllowList> = {
  expected: 'comma-separated host names, IP addresses or CIDRs (e.g. 127.0.0.1/32,receiver.internal)',
  fallback: () => EMPTY_ALLOW_LIST,
  parse: parseAllowList,
};

/** Every setting the webhooks service reads, validated at start (see README "Configuration"). */
export function webhooksConfig(env: Readonly<Record<string, string | undefined>>) {
  const c = readConfig(env, {
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    WEBHOOKS_PORT: port(3003),
    HOST: str({ fallback: '127.0.0.1' }),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
    JWT_AUDIENCE: str({ fallback: 'strongbox' }),
    // The key set that verifies access tokens; by default identity's, found at IDENTITY_URL as npm start sets it.
    IDENTITY_JWKS_URL: optionalUrl(['http:', 'https:']),
    IDENTITY_URL: url({ fallback: 'http://127.0.0.1:3001' }),
    TRUST_PROXY: str({ fallback: '127.0.0.1,::1' }),
    DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
    /** Private targets webhooks may reach anyway: for local development and tests only. */
    WEBHOOK_ALLOWED_HOSTS: allowList,
    WEBHOOK_CONCURRENCY: int({ fallback: 16, min: 1, max: 256 }),
    /** RabbitMQ as the event transport when set; PostgreSQL otherwise. */
    AMQP_URL: optionalUrl(['amqp:', 'amqps:']),
  });
  return {
    ...c,
    jwksUrl: c.IDENTITY_JWKS_URL ?? `${c.IDENTITY_URL.replace(/\/+$/, '')}/.well-known/jwks.json`,
  };
}
