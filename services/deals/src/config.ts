import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { ConfigError, optionalStr, port, readConfig, rotatingSecrets, str, url } from '@strongbox/kernel';

/**
 * The bank sandbox's development secret: npm start runs both with the same environment, so in development
 * the sandbox's notifications verify here without any set-up. Production has no default.
 */
export const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';

/** One secret, or two during a rotation, each at least 8 characters. */
const secrets = rotatingSecrets({ charsMin: 8 });

/** Every setting deals reads, validated at start (README "Configuration" lists them). */
export function dealsConfig(env: Readonly<Record<string, string | undefined>>) {
  const production = env['NODE_ENV'] === 'production';
  if (production && !env['BANK_NOTIFICATION_SECRET'])
    throw new ConfigError(
      'BANK_NOTIFICATION_SECRET',
      'a value (there is no default in production)',
      undefined,
    );
  return readConfig(
    {
      ...env,
      BANK_NOTIFICATION_SECRET: env['BANK_NOTIFICATION_SECRET'] || DEVELOPMENT_NOTIFICATION_SECRET,
    },
    {
      ...SERVICE_CONFIG_FIELDS,
      DEALS_PORT: port(3007),
      /** The secret(s) the bank signs its notifications with; two, comma-separated, during a rotation. */
      BANK_NOTIFICATION_SECRET: secrets,
      /** The service client deals asks identity as, to find a payer named by email (npm start provisions it). */
      DEALS_CLIENT_ID: optionalStr(),
      DEALS_CLIENT_SECRET: str({ fallback: '', secret: true }),
      /** Balance, where deals mirrors every deal's money as the same service client (ADR 0031). */
      BALANCE_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3002' }),
      NODE_ENV: str({ fallback: 'development' }),
    },
  );
}

export type DealsConfig = ReturnType<typeof dealsConfig>;
