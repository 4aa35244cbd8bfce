import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { forwardingSecrets, type Role, requireForwardingSecretInProduction } from '@strongbox/http';
import {
  bool,
  ConfigError,
  type Field,
  int,
  oneOf,
  optionalUrl,
  port,
  readConfig,
  str,
  url,
} from '@strongbox/kernel';
import { isExactOrigin } from './cors.ts';

/**
 * The services behind the gateway, each with the variable naming its base URL and the local default.
 * Adding a service is one line here and one line per prefix in ROUTES.
 */
export const UPSTREAMS = {
  identity: { env: 'IDENTITY_URL', fallback: 'http://127.0.0.1:3001' },
  balance: { env: 'BALANCE_URL', fallback: 'http://127.0.0.1:3002' },
  webhooks: { env: 'WEBHOOKS_URL', fallback: 'http://127.0.0.1:3003' },
  orders: { env: 'ORDERS_URL', fallback: 'http://127.0.0.1:3004' },
  processor: { env: 'PROCESSOR_URL', fallback: 'http://127.0.0.1:3005' },
  deals: { env: 'DEALS_URL', fallback: 'http://127.0.0.1:3007' },
  // Routed only while GATEWAY_EXPOSE_BANK_SANDBOX is on (SANDBOX_ROUTE below); BANK_URL names the bank.
  bankSandbox: { env: 'BANK_URL', fallback: 'http://127.0.0.1:3006' },
} as const;
export type ServiceName = keyof typeof UPSTREAMS;
export const SERVICE_NAMES = Object.keys(UPSTREAMS) as ServiceName[];

/** How long an upstream may take to start answering before the caller gets 504 upstream_timeout. */
export const UPSTREAM_TIMEOUT_MS = 10_000;
export const GATEWAY_PORT_DEFAULT = 8080;
/** Requests per minute per signed-in user, and per address on the public routes (rate-limit.ts). */
export const RATE_LIMIT_USER_PER_MIN_DEFAULT = 6_000;
export const RATE_LIMIT_IP_PER_MIN_DEFAULT = 300;
/** The bank's notifications per minute per address: 200 a second, what deals is measured to take. */
export const RATE_LIMIT_BANK_NOTIFICATIONS_PER_MIN_DEFAULT = 12_000;
/** Refused tokens per minute per address; clients whose token expired refresh after one or two. */
export const RATE_LIMIT_INVALID_TOKEN_PER_MIN_DEFAULT = 30;
export const HOST_DEFAULT = '127.0.0.1';

export interface RouteEntry {
  /** A path prefix matched on segment boundaries: `/v1/me` matches `/v1/me` and `/v1/me/x`, not `/v1/meow`. */
  readonly prefix: string;
  readonly service: ServiceName;
  /** `true`: everything under the prefix is public; a list: only these exact paths are; absent: none is. */
  readonly public?: true | readonly string[];
  /** Overrides UPSTREAM_TIMEOUT_MS for this prefix. */
  readonly timeoutMs?: number;
  /** Only callers holding one of these roles pass (403 otherwise), checked by the gateway itself. */
  readonly roles?: readonly Role[];
  /** Upstream, the prefix is replaced by this path: `/v1/sandbox/_sim/faults` reaches `/_sim/faults`. */
  readonly upstreamPrefix?: string;
  /**
   * Sent upstream as `Authorization: Bearer <it>` instead of the caller's: the bank sandbox takes the
   * bank's static token, and the caller's access token has no business reaching it.
   */
  readonly upstreamBearer?: string;
  /** The service the upstream's /health must name, checked before anything is forwarded (404 otherwise). */
  readonly upstreamMustBe?: string;
}

/**
 * Which service answers which paths. Anything not listed here is a 404 at the gateway, and every path
 * not marked public needs a valid access token before a byte reaches the upstream.
 */
export const ROUTES: readonly RouteEntry[] = [
  {
    prefix: '/v1/auth',
    service: 'identity',
    public: ['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh', '/v1/auth/logout', '/v1/auth/token'],
  },
  { prefix: '/v1/me', service: 'identity' },
  { prefix: '/v1/admin/users', service: 'identity' },
  // RFC 8615 well-known documents (the JWKS above all) are public metadata by definition.
  { prefix: '/.well-known', service: 'identity', public: true },
  { prefix: '/v1/accounts', service: 'balance' },
  { prefix: '/v1/transfers', service: 'balance' },
  { prefix: '/v1/ledger', service: 'balance' },
  { prefix: '/v1/webhooks', service: 'webhooks' },
  { prefix: '/v1/orders', service: 'orders' },
  { prefix: '/v1/processing', service: 'processor' },
  { prefix: '/v1/deals', service: 'deals' },
  { prefix: '/v1/recipients', service: 'deals' },
  { prefix: '/v1/admin/deals', service: 'deals' },
  { prefix: '/v1/admin/reconciliation', service: 'deals' },
  // The bank signs its notifications (HMAC) and carries no token: deals checks the signature itself.
  { prefix: '/v1/bank', service: 'deals', public: ['/v1/bank/notifications'] },
  // Dead letters live with the service whose consumer gave up on them; each serves its own.
  { prefix: '/v1/admin/dead-letters/webhooks', service: 'webhooks' },
  { prefix: '/v1/admin/dead-letters/orders', service: 'orders' },
  { prefix: '/v1/admin/dead-letters/processor', service: 'processor' },
];

/**
 * The bank sandbox's test controls (/_sim/) for the cabinet's sandbox panel, for admins only. Added to the
 * table only while GATEWAY_EXPOSE_BANK_SANDBOX is true, which scripts/system.ts sets exactly when it
 * started the sandbox as the bank; with a real bank configured the prefix does not exist (404).
 */
export const SANDBOX_SIM_PREFIX = '/v1/sandbox/_sim';
export function sandboxRoute(bankToken: string): RouteEntry {
  return {
    prefix: SANDBOX_SIM_PREFIX,
    service: 'bankSandbox',
    roles: ['admin'],
    upstreamPrefix: '/_sim',
    upstreamBearer: bankToken,
    // Even with the flag on, the controls go nowhere but to a bank sandbox (never to a real bank).
    upstreamMustBe: 'bank-sandbox',
  };
}
/** The sandbox's development token (its own default); a production deployment sets BANK_API_TOKEN. */
export const SANDBOX_DEVELOPMENT_TOKEN = 'sandbox';

/** Where `npm install` builds the cabinet (apps/cabinet/dist), the default of GATEWAY_CABINET_DIR. */
export const CABINET_DIR_DEFAULT = join(import.meta.dirname, '..', '..', '..', 'apps', 'cabinet', 'dist');

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Base URL per service, without a trailing slash. */
  readonly upstreams: Readonly<Record<ServiceName, string>>;
  readonly jwksUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly routes: readonly RouteEntry[];
  /** Staff roles count only with TOTP enrolled, at the gateway's own role checks too (ADR 0026). */
  readonly staffTotpRequired: boolean;
  /** The built cabinet served at / (cabinet.ts); not served when the folder has no index.html. */
  readonly cabinetDir: string;
  /**
   * Addresses of the load balancers in front of the gateway whose X-Forwarded-For is believed; empty:
   * none, the connection's address is the caller's.
   */
  readonly trustedProxies: readonly string[];
  /**
   * GATEWAY_FORWARDING_SECRET: the first signs the X-Forwarded-For sent upstream, so the services believe
   * the caller's address from the gateway alone (ADR 0021). Empty (development): nothing is signed.
   */
  readonly forwardingSecrets: readonly string[];
  /** GATEWAY_CORS_ORIGINS: the exact origins whose pages may call the API; empty: none (ADR 0028). */
  readonly corsOrigins: readonly string[];
  /** GATEWAY_TLS_CERT and GATEWAY_TLS_KEY: PEM files; with them the gateway serves HTTPS and HSTS. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
  readonly rateLimits: {
    readonly userPerMinute: number;
    readonly ipPerMinute: number;
    readonly bankNotificationsPerMinute: number;
    readonly invalidTokenPerMinute: number;
    /** Shared counters; unset: each instance counts in memory. */
    readonly redisUrl: string | undefined;
    readonly nameSpace: string;
  };
}

type Env = Readonly<Record<string, string | undefined>>;

/** Origins are compared exactly, so each must be one: no wildcard, no path, no `null`. */
const corsOrigins: Field<string[]> = {
  expected: 'comma-separated exact origins such as https://shop.example,http://localhost:5173',
  fallback: () => [],
  parse: (raw) => {
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return list.every(isExactOrigin) ? list : undefined;
  },
};

/**
 * Reads and checks the whole configuration at once; a bad value throws a one-line `ConfigError`.
 *
 * @example
 * const config = loadConfig({ IDENTITY_URL: 'http://127.0.0.1:3001' });
 */
export function loadConfig(env: Env): GatewayConfig {
  const base = readConfig(env, {
    GATEWAY_PORT: port(GATEWAY_PORT_DEFAULT),
    HOST: str({ fallback: HOST_DEFAULT }),
    LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
    IDENTITY_JWKS_URL: optionalUrl(['http:', 'https:']),
    JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
    JWT_AUDIENCE: str({ fallback: 'strongbox' }),
    RATE_LIMIT_USER_PER_MIN: int({ fallback: RATE_LIMIT_USER_PER_MIN_DEFAULT, min: 1, max: 10_000_000 }),
    RATE_LIMIT_IP_PER_MIN: int({ fallback: RATE_LIMIT_IP_PER_MIN_DEFAULT, min: 1, max: 10_000_000 }),
    RATE_LIMIT_BANK_NOTIFICATIONS_PER_MIN: int({
      fallback: RATE_LIMIT_BANK_NOTIFICATIONS_PER_MIN_DEFAULT,
      min: 1,
      max: 10_000_000,
    }),
    RATE_LIMIT_INVALID_TOKEN_PER_MIN: int({
      fallback: RATE_LIMIT_INVALID_TOKEN_PER_MIN_DEFAULT,
      min: 1,
      max: 10_000_000,
    }),
    REDIS_URL: optionalUrl(['redis:', 'rediss:']),
    RATE_LIMIT_NAMESPACE: str({ fallback: 'strongbox-rate-', pattern: /^[A-Za-z0-9:_-]{1,64}$/ }),
    GATEWAY_TRUSTED_PROXIES: str({ fallback: '' }),
    GATEWAY_FORWARDING_SECRET: forwardingSecrets,
    GATEWAY_EXPOSE_BANK_SANDBOX: bool(false),
    BANK_API_TOKEN: str({ fallback: '', secret: true }),
    STAFF_TOTP_REQUIRED: bool(true),
    GATEWAY_CORS_ORIGINS: corsOrigins,
    GATEWAY_TLS_CERT: str({ fallback: '' }),
    GATEWAY_TLS_KEY: str({ fallback: '' }),
    GATEWAY_CABINET_DIR: str({ fallback: CABINET_DIR_DEFAULT }),
  });
  requireForwardingSecretInProduction(base, env);
  const production = env['NODE_ENV'] === 'production';
  if (base.GATEWAY_EXPOSE_BANK_SANDBOX && production && base.BANK_API_TOKEN === '')
    throw new ConfigError(
      'BANK_API_TOKEN',
      "the sandbox's token (there is no default in production)",
      undefined,
    );
  const bankToken = base.BANK_API_TOKEN || SANDBOX_DEVELOPMENT_TOKEN;
  const { GATEWAY_TLS_CERT: certFile, GATEWAY_TLS_KEY: keyFile } = base;
  if ((certFile === '') !== (keyFile === ''))
    throw new ConfigError(
      certFile === '' ? 'GATEWAY_TLS_CERT' : 'GATEWAY_TLS_KEY',
      'a PEM file path, set together with the other of GATEWAY_TLS_CERT and GATEWAY_TLS_KEY',
      undefined,
    );
  const upstreams = {} as Record<ServiceName, string>;
  for (const name of SERVICE_NAMES) {
    const { env: variable, fallback } = UPSTREAMS[name];
    const value = readConfig(env, { [variable]: url({ protocols: ['http:', 'https:'], fallback }) })[
      variable
    ];
    upstreams[name] = String(value).replace(/\/+$/, '');
  }
  return {
    port: base.GATEWAY_PORT,
    host: base.HOST,
    logLevel: base.LOG_LEVEL,
    upstreams,
    jwksUrl: base.IDENTITY_JWKS_URL ?? `${upstreams.identity}/.well-known/jwks.json`,
    issuer: base.JWT_ISSUER,
    audience: base.JWT_AUDIENCE,
    routes: base.GATEWAY_EXPOSE_BANK_SANDBOX ? [...ROUTES, sandboxRoute(bankToken)] : ROUTES,
    staffTotpRequired: base.STAFF_TOTP_REQUIRED,
    cabinetDir: base.GATEWAY_CABINET_DIR,
    trustedProxies: base.GATEWAY_TRUSTED_PROXIES.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    forwardingSecrets: base.GATEWAY_FORWARDING_SECRET,
    corsOrigins: base.GATEWAY_CORS_ORIGINS,
    tls: certFile === '' ? undefined : { certFile, keyFile },
    rateLimits: {
      userPerMinute: base.RATE_LIMIT_USER_PER_MIN,
      ipPerMinute: base.RATE_LIMIT_IP_PER_MIN,
      bankNotificationsPerMinute: base.RATE_LIMIT_BANK_NOTIFICATIONS_PER_MIN,
      invalidTokenPerMinute: base.RATE_LIMIT_INVALID_TOKEN_PER_MIN,
      redisUrl: base.REDIS_URL,
      nameSpace: base.RATE_LIMIT_NAMESPACE,
    },
  };
}

/**
 * Reads the certificate chain and key that `tls` names; a file that cannot be read is a ConfigError (one
 * line at start), not a stack trace.
 */
export function readTls(
  tls: GatewayConfig['tls'],
): { readonly cert: Buffer; readonly key: Buffer } | undefined {
  if (!tls) return undefined;
  const read = (variable: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(variable, `a readable PEM file (${(err as NodeJS.ErrnoException).code})`, file);
    }
  };
  return { cert: read('GATEWAY_TLS_CERT', tls.certFile), key: read('GATEWAY_TLS_KEY', tls.keyFile) };
}
