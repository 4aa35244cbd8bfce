/**
 * Which events an endpoint receives. A subscription lists event types (`balance.transfer.posted`), prefix
 * wildcards (`balance.*`, `balance.transfer.*`) or `*` for every type. Matching is done in SQL by asking which
 * of an event's few possible selecting patterns an endpoint lists, so it stays one indexed lookup however
 * many endpoints exist.
 */
export const EVENT_TYPES_MAX = 50;
export const EVENT_TYPE_LENGTH_MAX = 200;
/** Segments of lowercase letters, digits, `_` and `-`, joined by dots, optionally ending in `.*`; or `*`. */
export const EVENT_TYPE_PATTERN = '^(\\*|[a-z0-9][a-z0-9_-]*(\\.[a-z0-9][a-z0-9_-]*)*(\\.\\*)?)$';
/** An event naming more parties than this is treated as naming only the first ones (a bound, not a rule). */
export const PARTIES_MAX = 100;

/**
 * Every subscription pattern that selects an event of `type`.
 *
 * @example
 * patternsSelecting('balance.transfer.posted')
 * // ['*', 'balance.*', 'balance.transfer.*', 'balance.transfer.posted']
 */
export function patternsSelecting(type: string): string[] {
  const segments = type.split('.');
  const out = ['*'];
  for (let i = 1; i < segments.length; i++) out.push(`${segments.slice(0, i).join('.')}.*`);
  out.push(type);
  return out;
}

export function selects(patterns: readonly string[], type: string): boolean {
  const selecting = new Set(patternsSelecting(type));
  return patterns.some((p) => selecting.has(p));
}

/** The user ids in a CloudEvent's `parties` extension (comma-separated), deduplicated and bounded. */
export function partiesOf(event: { readonly parties?: string | undefined }): string[] {
  if (!event.parties) return [];
  const ids = event.parties
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  return [...new Set(ids)].slice(0, PARTIES_MAX);
}
