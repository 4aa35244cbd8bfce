import {
  bool,
  ConfigError,
  type Field,
  int,
  oneOf,
  optionalUrl,
  rotatingSecrets,
  type SecretKeys,
  str,
  url,
} from '@strongbox/kernel';
import type { ForwardingPolicy } from './forwarding.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** A forwarding secret shorter than this is too easy to guess offline from one signed request. */
export const FORWARDING_SECRET_CHARS_MIN = 32;

/**
 * GATEWAY_FORWARDING_SECRET: the secret the gateway signs the forwarded address with (ADR 0021); two,
 * comma-separated, while it is rotated (the gateway signs with the first, services accept either). Unset
 * (development only): no forwarded address is believed.
 */
export const forwardingSecrets: Field<string[]> = rotatingSecrets({
  charsMin: FORWARDING_SECRET_CHARS_MIN,
  fallback: [],
});

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
  /** The gateway's signature makes its X-Forwarded-For believed (ADR 0021); required in production. */
  GATEWAY_FORWARDING_SECRET: forwardingSecrets,
  DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
  /** RabbitMQ as the event transport when set; PostgreSQL otherwise. */
  AMQP_URL: optionalUrl(['amqp:', 'amqps:']),
  /** Staff need TOTP enrolled and step-up routes a fresh code (ADR 0026); false only for experiments. */
  STAFF_TOTP_REQUIRED: bool(true),
};

/** Where the service fetches identity's signing keys. */
export function jwksUrlOf(c: { IDENTITY_JWKS_URL: string | undefined; IDENTITY_URL: string }): string {
  return c.IDENTITY_JWKS_URL ?? `${c.IDENTITY_URL.replace(/\/+$/, '')}/.well-known/jwks.json`;
}

/**
 * Without the secret a service believes no forwarded address, so behind the gateway every caller would
 * share the gateway's per-address limits: a production deployment must set it. Development may run
 * without (npm start generates one per run).
 */
export function requireForwardingSecretInProduction(
  c: { readonly GATEWAY_FORWARDING_SECRET: readonly string[] },
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (env['NODE_ENV'] === 'production' && c.GATEWAY_FORWARDING_SECRET.length === 0)
    throw new ConfigError(
      'GATEWAY_FORWARDING_SECRET',
      'a secret (there is no default in production)',
      undefined,
    );
}

/**
 * SECRETS_KEY seals the secrets a service stores (ADR 0027). Without it a development run stores them as
 * plain text; a production deployment must set it, or every signing key and webhook secret would sit in
 * the database readable by anyone who can read a backup.
 */
export function requireSecretsKeyInProduction(
  c: { readonly SECRETS_KEY: SecretKeys | undefined },
  env: Readonly<Record<string, string | undefined>>,
): void {
  if (env['NODE_ENV'] === 'production' && c.SECRETS_KEY === undefined)
    throw new ConfigError('SECRETS_KEY', 'a key ring (there is no default in production)', undefined);
}

/** The forwarding policy of a service behind the gateway: the gateway's signature, if a secret is set. */
export function forwardingPolicyOf(secrets: readonly string[]): ForwardingPolicy {
  return secrets.length > 0 ? { kind: 'gateway', secrets } : { kind: 'none' };
}
