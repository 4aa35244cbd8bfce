/**
 * Routing by event type, with RabbitMQ's topic-exchange semantics so both transports route alike: a type is
 * dot-separated words (`balance.transfer.posted`); in a pattern `*` stands for exactly one word and `#` for
 * zero or more. The PostgreSQL transport evaluates patterns with `topicMatches`; RabbitMQ evaluates the
 * same patterns as queue bindings.
 *
 * @example
 * topicMatches('balance.#', 'balance.transfer.posted') // true
 * topicMatches('balance.*', 'balance.transfer.posted') // false
 */
export function topicMatches(pattern: string, key: string): boolean {
  return matchWords(pattern.split('.'), 0, key.split('.'), 0);
}

function matchWords(p: readonly string[], i: number, k: readonly string[], j: number): boolean {
  // Patterns are a handful of words, so the recursion on '#' stays shallow.
  if (i === p.length) return j === k.length;
  const word = p[i];
  if (word === '#') {
    for (let skip = j; skip <= k.length; skip++) if (matchWords(p, i + 1, k, skip)) return true;
    return false;
  }
  if (j === k.length) return false;
  return (word === '*' || word === k[j]) && matchWords(p, i + 1, k, j + 1);
}

/**
 * The same pattern as an anchored POSIX regular expression, so PostgreSQL can route with `type ~ regex`
 * in one statement. Pattern words are validated (`subscriptionProblems`), so nothing needs escaping; a
 * run of `#` means the same as one. Property-tested against `topicMatches`.
 *
 * @example
 * topicRegex('balance.#') // '^balance(?:\\.[^.]+)*$'
 */
export function topicRegex(pattern: string): string {
  const words = pattern.split('.').filter((w, i, all) => !(w === '#' && all[i - 1] === '#'));
  if (words.length === 1 && words[0] === '#') return '^.*$';
  let out = '^';
  let separator = false;
  for (const [i, w] of words.entries()) {
    if (w === '#') {
      // Leading: any words each followed by a dot; elsewhere: any words each preceded by one.
      out += i === 0 ? '(?:[^.]+\\.)*' : '(?:\\.[^.]+)*';
      separator = i !== 0;
      continue;
    }
    out += (separator ? '\\.' : '') + (w === '*' ? '[^.]+' : w);
    separator = true;
  }
  return `${out}$`;
}

/** Consumer names become queue names and inbox keys: short, lowercase, no spaces. */
export const CONSUMER_NAME_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;
export const CONSUMER_NAME_LENGTH_MAX = 100;
const WORD = /^[a-z0-9_-]+$/;
export const PATTERNS_MAX = 32;

/**
 * Problems with a consumer's name and patterns, empty when they are fine. An adjustable subscription (ADR
 * 0046) may have no pattern at all: it then takes nothing until its patterns are set.
 */
export function subscriptionProblems(
  name: string,
  patterns: readonly string[],
  options: { adjustable?: boolean | undefined } = {},
): string[] {
  const problems: string[] = [];
  if (!CONSUMER_NAME_PATTERN.test(name) || name.length > CONSUMER_NAME_LENGTH_MAX) {
    problems.push(`consumer name ${JSON.stringify(name)} must match ${CONSUMER_NAME_PATTERN} (≤ 100 chars)`);
  }
  if (/\.(retry|dead|discard)$/.test(name))
    problems.push('consumer names ending in .retry, .dead or .discard are reserved');
  problems.push(...patternProblems(patterns, options.adjustable ? 0 : 1));
  return problems;
}

/** Problems with a list of patterns, at least `min` and at most PATTERNS_MAX of them. */
export function patternProblems(patterns: readonly string[], min = 1): string[] {
  const problems: string[] = [];
  if (patterns.length < min || patterns.length > PATTERNS_MAX) {
    problems.push(`between ${min} and ${PATTERNS_MAX} event type patterns are needed`);
  }
  for (const p of patterns) {
    if (!p.split('.').every((w) => w === '*' || w === '#' || WORD.test(w))) {
      problems.push(`pattern ${JSON.stringify(p)} must be dot-separated words, '*' or '#'`);
    }
  }
  return problems;
}
