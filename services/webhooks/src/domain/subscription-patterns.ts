/**
 * The topic patterns webhooks' subscription needs so that it receives exactly the events some enabled
 * endpoint selects (ADR 0046). Endpoint event types are exact types, prefix wildcards or `*`
 * (event-types.ts); topic patterns are the messaging package's, where `*` is one word and `#` any number.
 */

/**
 * The most patterns one subscription has (the messaging package's limit). More would be one binding or
 * regex each for a handful of endpoints; past it the subscription takes every event, as it did before
 * ADR 0046, and the handler picks what endpoints select.
 */
export const SUBSCRIPTION_PATTERNS_MAX = 32;
/** Every event type, as a topic pattern. */
export const ALL_EVENTS = '#';

/**
 * One endpoint event type as a topic pattern that takes exactly the types it selects: `*` is every
 * type; `balance.*` selects `balance.x` and `balance.x.y`, i.e. `balance.` and at least one more word.
 *
 * @example
 * topicPatternOf('balance.*') // 'balance.*.#'
 */
export function topicPatternOf(endpointType: string): string {
  if (endpointType === '*') return ALL_EVENTS;
  return endpointType.endsWith('.*') ? `${endpointType}.#` : endpointType;
}

/** The prefix words a wildcard pattern (`p.*.#`) selects below, or undefined for an exact type. */
function wildcardPrefix(pattern: string): string | undefined {
  return pattern.endsWith('.*.#') ? pattern.slice(0, -'.*.#'.length) : undefined;
}

/**
 * The fewest of our patterns (`#`, `p.*.#`, exact types) taking what the given ones take: `#` alone if
 * present, and no pattern that a wildcard already covers. Beyond SUBSCRIPTION_PATTERNS_MAX it is `#`.
 * Sorted, so equal sets compare equal. Other shapes (none of ours) are kept as they are.
 *
 * @example
 * minimalPatterns(['balance.*.#', 'balance.transfer.*.#', 'balance.account.created']) // ['balance.*.#']
 */
export function minimalPatterns(patterns: readonly string[]): string[] {
  const unique = [...new Set(patterns)];
  if (unique.includes(ALL_EVENTS)) return [ALL_EVENTS];
  const prefixes = unique.map(wildcardPrefix).filter((p): p is string => p !== undefined);
  const coveredBy = (p: string, prefix: string) => p.startsWith(`${prefix}.`);
  const kept = unique.filter((p) => {
    const own = wildcardPrefix(p);
    // A wildcard is covered by a shorter one; an exact type by any wildcard it lies under.
    return !prefixes.some((prefix) => prefix !== own && coveredBy(own ?? p, prefix));
  });
  return kept.length > SUBSCRIPTION_PATTERNS_MAX ? [ALL_EVENTS] : kept.sort();
}

/**
 * The patterns for the event types enabled endpoints select (each endpoint's list, flattened).
 *
 * @example
 * subscriptionPatterns(['balance.*', 'orders.order.completed']) // ['balance.*.#', 'orders.order.completed']
 * subscriptionPatterns([]) // []: no endpoint, no event
 */
export function subscriptionPatterns(endpointTypes: readonly string[]): string[] {
  return minimalPatterns(endpointTypes.map(topicPatternOf));
}
