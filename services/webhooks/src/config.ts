import { requireSecretsKeyInProduction, SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { type Field, int, port, readConfig, secretsKeysField } from '@strongbox/kernel';
import {
  type AllowList,
  EMPTY_ALLOW_LIST,
  parseAllowedPorts,
  parseAllowList,
} from './infra/address-policy.ts';

const allowList: Field<AllowList> = {
  expected: 'comma-separated host names, IP addresses or CIDRs (e.g. 127.0.0.1/32,receiver.internal)',
  fallback: () => EMPTY_ALLOW_LIST,
  parse: parseAllowList,
};

const allowedPorts: Field<ReadonlySet<number>> = {
  expected: 'comma-separated TCP ports (e.g. 443,8443)',
  fallback: () => EMPTY_ALLOW_LIST.ports,
  parse: parseAllowedPorts,
};

/** Every setting the webhooks service reads, validated at start (see README "Configuration"). */
export function webhooksConfig(env: Readonly<Record<string, string | undefined>>) {
  const c = readConfig(env, {
    ...SERVICE_CONFIG_FIELDS,
    WEBHOOKS_PORT: port(3003),
    /** Private targets webhooks may reach anyway: for local development and tests only. */
    WEBHOOK_ALLOWED_HOSTS: allowList,
    /** Ports public https targets may use; 443 alone by default. */
    WEBHOOK_ALLOWED_PORTS: allowedPorts,
    WEBHOOK_CONCURRENCY: int({ fallback: 16, min: 1, max: 256 }),
    /** Seals the endpoints' signing secrets in the database (ADR 0027); required in production. */
    SECRETS_KEY: secretsKeysField,
  });
  requireSecretsKeyInProduction(c, env);
  return {
    ...c,
    // One value holds the whole target policy, so the app and the worker take it as they took the hosts.
    WEBHOOK_ALLOWED_HOSTS: { ...c.WEBHOOK_ALLOWED_HOSTS, ports: c.WEBHOOK_ALLOWED_PORTS },
  };
}
