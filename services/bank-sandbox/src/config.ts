import { LOG_LEVELS } from '@strongbox/http';
import {
  ConfigError,
  int,
  oneOf,
  optionalUrl,
  port,
  readConfig,
  rotatingSecrets,
  str,
} from '@strongbox/kernel';

/** T-Bank's BIK, and a nominal account number at it whose control key is valid: the development default. */
export const DEFAULT_BIK = '044525974';
export const DEFAULT_NOMINAL_ACCOUNT = '40702810500000000001';
export const DEVELOPMENT_TOKEN = 'sandbox';
export const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';

/** One secret, or two during a rotation, each at least 8 characters. */
const secrets = rotatingSecrets({ charsMin: 8 });

/** Every setting the sandbox reads, validated at start (its README lists them). */
export function sandboxConfig(env: Readonly<Record<string, string | undefined>>) {
  const production = env['NODE_ENV'] === 'production';
  // The development defaults are public; a production deployment of the sandbox must choose its own.
  const withDefault = (name: string, fallback: string) => {
    if (production && !env[name])
      throw new ConfigError(name, 'a value (there is no default in production)', undefined);
    return env[name] || fallback;
  };
  const c = readConfig(
    {
      ...env,
      BANK_API_TOKEN: withDefault('BANK_API_TOKEN', DEVELOPMENT_TOKEN),
      BANK_NOTIFICATION_SECRET: withDefault('BANK_NOTIFICATION_SECRET', DEVELOPMENT_NOTIFICATION_SECRET),
    },
    {
      DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
      HOST: str({ fallback: '127.0.0.1' }),
      LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
      DATABASE_POOL_MAX: int({ fallback: 10, min: 2, max: 100 }),
      BANK_SANDBOX_PORT: port(3006),
      BANK_API_TOKEN: str({ secret: true }),
      BANK_NOMINAL_ACCOUNT: str({ fallback: DEFAULT_NOMINAL_ACCOUNT, pattern: /^\d{20}$/ }),
      /** Where notifications are POSTed; none are sent while it is unset. */
      BANK_NOTIFICATION_URL: optionalUrl(['http:', 'https:']),
      BANK_NOTIFICATION_SECRET: secrets,
      /** The first retry's delay; each later one is 4 times longer. */
      BANK_NOTIFICATION_RETRY_BASE_MS: int({ fallback: 30_000, min: 1, max: 3_600_000 }),
      BANK_SCORING_DELAY_MS: int({ fallback: 500, min: 0, max: 86_400_000 }),
      BANK_PAYMENT_STEP_MS: int({ fallback: 500, min: 0, max: 86_400_000 }),
      BANK_RATE_LIMIT_PER_S: int({ fallback: 10, min: 1, max: 100_000 }),
      BANK_SELF_EMPLOYED_RATE_LIMIT_PER_S: int({ fallback: 1, min: 1, max: 100_000 }),
      /** `off` lifts both limits above (benchmarks of the platform, where the bank's 10 a second would be the figure). */
      BANK_RATE_LIMITS: oneOf(['on', 'off'], 'on'),
      /** How often the workers move scorings and payments on and send notifications. */
      BANK_TICK_MS: int({ fallback: 200, min: 10, max: 60_000 }),
      BANK_SIM_SEED: int({ fallback: 1, min: 0, max: 2 ** 31 }),
    },
  );
  return c;
}

export type SandboxConfig = ReturnType<typeof sandboxConfig>;
