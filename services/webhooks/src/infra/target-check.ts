import { lookup } from 'node:dns/promises';
import { checkUrlShape } from '../domain/target-url.ts';
import {
  type AllowList,
  bareHost,
  HTTPS_PORT,
  isIpLiteral,
  isNamedHost,
  judgeAddress,
} from './address-policy.ts';

/** One address a host resolved to, as node:dns and net.connect's `lookup` option speak of it. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has; injected so tests can make DNS say anything. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** How many addresses of one name are checked; a name with more is refused rather than half-checked. */
export const RESOLVED_ADDRESSES_MAX = 32;

export const systemResolver: Resolver = async (hostname) => {
  const all = await lookup(hostname, { all: true, verbatim: true });
  return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export type TargetCheck =
  | { readonly ok: true; readonly url: URL; readonly address: ResolvedAddress }
  | { readonly ok: false; readonly code: 'invalid_url' | 'url_not_allowed'; readonly problem: string };

/**
 * Checks a webhook URL at registration and again before every attempt, since DNS can change in between.
 * Every address the host resolves to must pass (a name with one public and one private address is
 * refused: the connection could go to either). The answer carries the vetted address the caller must
 * connect to, so the name is not resolved a second time between the check and the connection.
 */
export async function checkTarget(raw: string, allow: AllowList, resolve: Resolver): Promise<TargetCheck> {
  const shape = checkUrlShape(raw);
  if (!shape.ok) return { ok: false, code: 'invalid_url', problem: shape.problem };
  const url = shape.url;
  const host = bareHost(url.hostname);
  const literal = isIpLiteral(host);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      return NAME_REFUSED;
    }
  }
  if (addresses.length === 0 || addresses.length > RESOLVED_ADDRESSES_MAX) return NAME_REFUSED;
  const named = isNamedHost(host, allow);
  const verdicts = addresses.map((a) => judgeAddress(a.address, allow));
  if (!named) {
    const refused = verdicts.find((v) => v.kind === 'refused');
    // The caller chose a literal address, so naming its range tells them nothing new; what a name resolves
    // to (or that it does not resolve) would map our internal DNS for them, so every name gets one answer.
    if (refused?.kind === 'refused')
      return literal
        ? { ok: false, code: 'url_not_allowed', problem: `has host ${host}, a ${refused.range} address` }
        : NAME_REFUSED;
  }
  const listed = named || verdicts.every((v) => v.kind === 'allowed');
  // Plain http would let anyone on the path read and change deliveries; only listed local targets may use it.
  if (url.protocol === 'http:' && !listed)
    return {
      ok: false,
      code: 'url_not_allowed',
      problem: 'must use https (http only for WEBHOOK_ALLOWED_HOSTS)',
    };
  const port = url.port === '' ? HTTPS_PORT : Number(url.port);
  if (!listed && !allow.ports.has(port))
    return {
      ok: false,
      code: 'url_not_allowed',
      problem: `must use port ${[...allow.ports].join(' or ')} (others only with WEBHOOK_ALLOWED_PORTS)`,
    };
  return { ok: true, url, address: addresses[0] as ResolvedAddress };
}

const NAME_REFUSED: TargetCheck = {
  ok: false,
  code: 'url_not_allowed',
  problem: 'has a host that does not resolve to public addresses only',
};
