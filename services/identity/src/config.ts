import { forwardingSecrets } from '@strongbox/http';
import { int, oneOf, optionalUrl, port, readConfig, str } from '@strongbox/kernel';

/** Every setting identity reads, validated at start (see README "Configuration"). */
export function identityConfig(env: Readonly<Record<string, string | undefined>>) {
  return readConfig(env, {
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:']),
    IDENTITY_PORT: port(3001),
    HOST: str({ fallback: '127.0.0.1' }),
    LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    JWT_ISSUER: str({ fallback: 'strongbox-identity' }),
    JWT_AUDIENCE: str({ fallback: 'strongbox' }),
    /** The gateway's signature makes its X-Forwarded-For believed, for the per-address login limits. */
    GATEWAY_FORWARDING_SECRET: forwardingSecrets,
    DATABASE_POOL_MAX: int({ fallback: 10, min: 1, max: 100 }),
  });
}
