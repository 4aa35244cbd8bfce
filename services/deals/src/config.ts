import { BANK_CLIENT_CONFIG_FIELDS } from '@strongbox/bank-client';
import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import {
  ConfigError,
  type Field,
  int,
  isValidAccountForBik,
  isValidInn,
  optionalStr,
  port,
  readConfig,
  rotatingSecrets,
  str,
  url,
} from '@strongbox/kernel';
import { BANK_TASK_BACKOFF } from './domain/bank-tasks.ts';
import type { PlatformProfileConfig } from './domain/platform-fee.ts';
import { RECONCILE_AFTER_MS, RECONCILE_BATCH_MAX, RECONCILE_INTERVAL_MS } from './domain/reconciliation.ts';

/**
 * The bank sandbox's development secret: npm start runs both with the same environment, so in development
 * the sandbox's notifications verify here without any set-up. Production has no default.
 */
export const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';
/**
 * The bank in development is the sandbox npm start runs, with its development token and its default
 * nominal account (services/bank-sandbox README). Production names its bank: there are no defaults.
 */
export const DEVELOPMENT_BANK = {
  BANK_URL: 'http://127.0.0.1:3006',
  BANK_API_TOKEN: 'sandbox',
  BANK_NOMINAL_ACCOUNT: '40702810500000000001',
  BANK_NOMINAL_BIK: '044525974',
  BANK_NAME: 'Bank sandbox',
  DEALS_PAYEE_NAME: 'Strongbox marketplace (development)',
  DEALS_PAYEE_INN: '7707083893',
} as const;
/**
 * The platform's fee recipient in development: a company whose INN and account (made for the sandbox's
 * BIK) pass the bank's checksums. Production names its own, or has no platform fee recipient.
 */
export const DEVELOPMENT_PLATFORM = {
  DEALS_PLATFORM_NAME: 'Strongbox marketplace (development)',
  DEALS_PLATFORM_INN: '7707083893',
  DEALS_PLATFORM_ACCOUNT: '40702810800000000099',
  DEALS_PLATFORM_BIK: '044525974',
} as const;
/** The least the platform's fee share may be, in minor units (100.00 RUB). */
export const PLATFORM_FEE_MINIMUM = 10_000;
/** How often the funding job and the payout follower run (cron, seconds allowed). */
export const BANK_JOBS_SCHEDULE = '*/2 * * * * *';
/** The release job's schedule: a timed milestone is released within ten seconds of falling due. */
export const RELEASE_SCHEDULE = '*/10 * * * * *';

/** A setting that may be unset; when set, `valid` must hold. */
function optional(expected: string, valid: (raw: string) => boolean): Field<string | undefined> {
  return { expected, parse: (raw) => (valid(raw) ? raw : undefined), fallback: () => undefined };
}

/** A name shown to payers: printable, one line, bounded. */
const isShownName = (raw: string) => raw.length <= 200 && !/\p{Cc}/u.test(raw);

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
  const bankDefaults = Object.fromEntries(
    Object.entries({ ...DEVELOPMENT_BANK, ...DEVELOPMENT_PLATFORM }).map(([name, value]) => [
      name,
      production ? env[name] : env[name] || value,
    ]),
  );
  const config = readConfig(
    {
      ...env,
      ...bankDefaults,
      BANK_NOTIFICATION_SECRET: env['BANK_NOTIFICATION_SECRET'] || DEVELOPMENT_NOTIFICATION_SECRET,
    },
    {
      ...SERVICE_CONFIG_FIELDS,
      ...BANK_CLIENT_CONFIG_FIELDS,
      /** The marketplace's nominal account at the bank: every deal is opened in it. */
      BANK_NOMINAL_ACCOUNT: str({ pattern: /^\d{20}$/ }),
      /** How often the bank-task worker looks for due tasks when the last round found none. */
      DEALS_BANK_TASKS_POLL_MS: int({ fallback: 500, min: 50, max: 60_000 }),
      /** The longest wait between a bank task's attempts (tests and drills shorten it). */
      DEALS_BANK_RETRY_CAP_MS: int({ fallback: BANK_TASK_BACKOFF.capMs, min: 1_000, max: 3_600_000 }),
      /** The funding job's and the payout follower's schedule (cron with seconds). */
      DEALS_BANK_JOBS_SCHEDULE: str({ fallback: BANK_JOBS_SCHEDULE }),
      /** The schedule of the job that releases timed milestones (on_date, hold_hours) when due. */
      DEALS_RELEASE_SCHEDULE: str({ fallback: RELEASE_SCHEDULE }),
      /** How often reconciliation runs (one instance at a time, ADR 0033). */
      DEALS_RECONCILE_INTERVAL_MS: int({ fallback: RECONCILE_INTERVAL_MS, min: 1_000, max: 86_400_000 }),
      /** How long a deal or a step must have waited for the bank before reconciliation asks about it. */
      DEALS_RECONCILE_AFTER_MS: int({ fallback: RECONCILE_AFTER_MS, min: 0, max: 7 * 86_400_000 }),
      /** The most deals (and, separately, steps) one run asks the bank about. */
      DEALS_RECONCILE_BATCH_MAX: int({ fallback: RECONCILE_BATCH_MAX, min: 1, max: 100_000 }),
      DEALS_PORT: port(3007),
      /** What payers are shown beside the nominal account's number: its bank's BIK and name, its holder. */
      BANK_NOMINAL_BIK: optional('a BIK of 9 digits', (raw) => /^\d{9}$/.test(raw)),
      BANK_NAME: optional('a name of at most 200 characters', isShownName),
      DEALS_PAYEE_NAME: optional('a name of at most 200 characters', isShownName),
      DEALS_PAYEE_INN: optional('an INN whose check digits match (10 or 12 digits)', (raw) =>
        isValidInn(raw, raw.length === 10 ? 'company' : 'person'),
      ),
      /** The secret(s) the bank signs its notifications with; two, comma-separated, during a rotation. */
      BANK_NOTIFICATION_SECRET: secrets,
      /** The service client deals asks identity as, to find a payer named by email (npm start provisions it). */
      DEALS_CLIENT_ID: optionalStr(),
      DEALS_CLIENT_SECRET: str({ fallback: '', secret: true }),
      /** Balance, where deals mirrors every deal's money as the same service client (ADR 0031). */
      BALANCE_URL: url({ protocols: ['http:', 'https:'], fallback: 'http://127.0.0.1:3002' }),
      NODE_ENV: str({ fallback: 'development' }),
      /** The platform's fee recipient: its payout profile (a company), kept by deals at start. */
      DEALS_PLATFORM_NAME: optional('a name of at most 200 characters', isShownName),
      DEALS_PLATFORM_INN: optional("a company's INN of 10 digits whose check digits match", (raw) =>
        isValidInn(raw, 'company'),
      ),
      DEALS_PLATFORM_ACCOUNT: optional('an account number of 20 digits', (raw) => /^\d{20}$/.test(raw)),
      DEALS_PLATFORM_BIK: optional('a BIK of 9 digits', (raw) => /^\d{9}$/.test(raw)),
      /** The least the platform's fee share may be (minor units); 0 for none. */
      DEALS_PLATFORM_FEE_MINIMUM: int({
        fallback: PLATFORM_FEE_MINIMUM,
        min: 0,
        max: Number.MAX_SAFE_INTEGER,
      }),
    },
  );
  platformProfileOf(config);
  return config;
}

type PlatformSettings = Readonly<
  Record<
    'DEALS_PLATFORM_NAME' | 'DEALS_PLATFORM_INN' | 'DEALS_PLATFORM_ACCOUNT' | 'DEALS_PLATFORM_BIK',
    string | undefined
  > & {
    DEALS_PLATFORM_FEE_MINIMUM: number;
  }
>;

/**
 * The platform's fee recipient as the settings name it: all four of name, INN, account and BIK, or none
 * (no platform fee recipient: a share naming it is refused). Half a profile, or an account whose control
 * key does not match the BIK, is a configuration error at start rather than a payout the bank refuses.
 */
export function platformProfileOf(c: PlatformSettings): PlatformProfileConfig | undefined {
  const names = [
    'DEALS_PLATFORM_NAME',
    'DEALS_PLATFORM_INN',
    'DEALS_PLATFORM_ACCOUNT',
    'DEALS_PLATFORM_BIK',
  ] as const;
  const missing = names.filter((n) => c[n] === undefined);
  if (missing.length === names.length) return undefined;
  if (missing[0] !== undefined)
    throw new ConfigError(
      missing[0],
      'a value: the platform fee recipient needs its name, INN, account and BIK, or none of them',
      undefined,
    );
  const [name, inn, accountNumber, bik] = names.map((n) => c[n] as string) as [
    string,
    string,
    string,
    string,
  ];
  if (!isValidAccountForBik(accountNumber, bik))
    throw new ConfigError(
      'DEALS_PLATFORM_ACCOUNT',
      'an account whose control key matches DEALS_PLATFORM_BIK',
      accountNumber,
    );
  return { name, inn, accountNumber, bik, feeMinimum: BigInt(c.DEALS_PLATFORM_FEE_MINIMUM) };
}

export type DealsConfig = ReturnType<typeof dealsConfig>;
