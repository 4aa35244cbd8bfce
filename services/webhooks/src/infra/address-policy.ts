import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard's rules (brief §6): a webhook may reach only public unicast addresses, unless
 * WEBHOOK_ALLOWED_HOSTS names the host or a network holding its addresses (local development and tests).
 * Everything ipaddr.js does not classify as `unicast` is refused — loopback, private (RFC 1918, fc00::/7),
 * link-local (169.254/16 with the cloud metadata address, fe80::/10), CGNAT, unspecified, multicast,
 * broadcast, reserved and documentation ranges, and IPv6 forms that embed an IPv4 address (6to4, NAT64,
 * Teredo) — so a range nobody thought of is refused by default rather than allowed. IPv4-mapped IPv6
 * addresses (::ffff:127.0.0.1) are judged as the IPv4 address they carry. The rest of ::/8 (IPv4-compatible
 * ::a.b.c.d, which WHATWG URLs rewrite to ::7f00:1 and ipaddr.js calls unicast) is refused: no public host
 * has such an address, and some stacks route it to the IPv4 address it embeds.
 */
export interface AllowList {
  /** Lower-case host names that may be reached whatever they resolve to, over http too. */
  readonly hosts: ReadonlySet<string>;
  readonly networks: ReadonlyArray<readonly [ipaddr.IPv4 | ipaddr.IPv6, number]>;
  /**
   * Ports a public https target may use (WEBHOOK_ALLOWED_PORTS, 443 by default), so deliveries cannot be
   * turned into a port scanner. Listed hosts and networks may use any port.
   */
  readonly ports: ReadonlySet<number>;
}

export const HTTPS_PORT = 443;

export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), networks: [], ports: new Set([HTTPS_PORT]) };

const IPV4_COMPATIBLE: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('::'), 8];

/**
 * Parses WEBHOOK_ALLOWED_HOSTS: comma-separated host names, addresses or CIDRs. Answers `undefined` when an
 * entry is neither, so the configuration reader can name the variable.
 *
 * @example
 * parseAllowList('127.0.0.1/32, receiver.internal') // { hosts: {'receiver.internal'}, networks: [127.0.0.1/32] }
 */
export function parseAllowList(raw: string): AllowList | undefined {
  const hosts = new Set<string>();
  const networks: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const entry of raw.split(',').map((e) => e.trim().toLowerCase())) {
    if (entry === '') continue;
    const bare = entry.replace(/^\[(.*)\]$/, '$1');
    if (ipaddr.isValidCIDR(bare)) {
      const [addr, bits] = ipaddr.parseCIDR(bare);
      networks.push([normalize(addr), addr.kind() === 'ipv6' && isMapped(addr) ? bits - 96 : bits]);
    } else if (ipaddr.isValid(bare)) {
      const addr = normalize(ipaddr.parse(bare));
      networks.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.add(entry);
    } else {
      return undefined;
    }
  }
  return { hosts, networks, ports: EMPTY_ALLOW_LIST.ports };
}

/**
 * Parses WEBHOOK_ALLOWED_PORTS: comma-separated TCP ports. Answers `undefined` for anything else.
 *
 * @example
 * parseAllowedPorts('443, 8443') // Set {443, 8443}
 */
export function parseAllowedPorts(raw: string): ReadonlySet<number> | undefined {
  const ports = new Set<number>();
  for (const entry of raw.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    if (!/^[0-9]{1,5}$/.test(entry)) return undefined;
    const port = Number(entry);
    if (port < 1 || port > 65_535) return undefined;
    ports.add(port);
  }
  return ports.size > 0 ? ports : undefined;
}

export type AddressVerdict =
  | { readonly kind: 'public' }
  | { readonly kind: 'allowed' }
  | { readonly kind: 'refused'; readonly range: string };

/** Judges one resolved address. */
export function judgeAddress(address: string, allow: AllowList): AddressVerdict {
  if (!ipaddr.isValid(address)) return { kind: 'refused', range: 'invalid' };
  const addr = normalize(ipaddr.parse(address));
  if (allow.networks.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits)))
    return { kind: 'allowed' };
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).match(IPV4_COMPATIBLE))
    return { kind: 'refused', range: 'ipv4Compatible' };
  const range = addr.range();
  return range === 'unicast' ? { kind: 'public' } : { kind: 'refused', range };
}

export function isNamedHost(hostname: string, allow: AllowList): boolean {
  return allow.hosts.has(hostname.toLowerCase());
}

/** `[::1]` as URL.hostname gives it, or `::1`; the bare form is what resolvers and sockets take. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host);
}

function isMapped(addr: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress();
}

function normalize(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return isMapped(addr) ? (addr as ipaddr.IPv6).toIPv4Address() : addr;
}
