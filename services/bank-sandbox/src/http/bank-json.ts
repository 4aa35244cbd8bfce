import { rublesJson } from '@strongbox/kernel';

/**
 * The bank API's answers: every bigint in them is kopecks and leaves as decimal rubles in a JSON number
 * (JSON.rawJSON keeps the exact text), so `amount: 29n` is written `"amount":0.29`.
 */
export function toBankJson(value: unknown): unknown {
  if (typeof value === 'bigint') return rublesJson(value);
  if (Array.isArray(value)) return value.map(toBankJson);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toBankJson(v)]));
  }
  return value;
}

export const stringifyBank = (value: unknown): string => JSON.stringify(toBankJson(value));
