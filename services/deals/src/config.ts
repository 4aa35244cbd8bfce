import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { ConfigError, type Field, optionalStr, port, readConfig, str } from '@strongbox/kernel';

/**
 * The bank sandbox's development secret: npm start runs both with the same environment, so in development
 * the sandbox's notifications verify here without any set-up. Production has no default.
 */
export const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';

const secrets: Field<string[]> = {
  expected: 'one secret, or two comma-separated during a rotation',
  secret: true,
  fallback: undefined,
  parse: (raw) => {
    const list = raw.split(',').map((s) => s.trim());
    return list.length <= 2 && list.every((s) => s.length >= 8) ? list : undefined;
  },
};

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
      NODE_ENV: str({ fallback: 'development' }),
    },
  );
}

export type DealsConfig = ReturnType<typeof dealsConfig>;
