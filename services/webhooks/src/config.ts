import { SERVICE_CONFIG_FIELDS } from '@strongbox/http';
import { type Field, int, port, readConfig } from '@strongbox/kernel';
import { type AllowList, EMPTY_ALLOW_LIST, parseAllowList } from './infra/address-policy.ts';

const allowList: Field<AllowList> = {
  expected: 'comma-separated host names, IP addresses or CIDRs (e.g. 127.0.0.1/32,receiver.internal)',
  fallback: () => EMPTY_ALLOW_LIST,
  parse: parseAllowList,
};

/** Every setting the webhooks service reads, validated at start (see README "Configuration"). */
export function webhooksConfig(env: Readonly<Record<string, string | undefined>>) {
  return readConfig(env, {
    ...SERVICE_CONFIG_FIELDS,
    WEBHOOKS_PORT: port(3003),
    /** Private targets webhooks may reach anyway: for local development and tests only. */
    WEBHOOK_ALLOWED_HOSTS: allowList,
    WEBHOOK_CONCURRENCY: int({ fallback: 16, min: 1, max: 256 }),
  });
}
