import { v7 } from 'uuid';
import type { Clock } from './clock.ts';

/**
 * Ids are opaque strings: a type prefix and a UUIDv7, so they sort by creation time and index well.
 *
 * @example
 * newId('usr', systemClock) // 'usr_01936c2e-7b1a-7cc2-9a43-52b2f0c7a1de'
 */
export const ID_PREFIXES = [
  'usr',
  'cli',
  'rt',
  'rtf',
  'key',
  'acc',
  'tr',
  'ord',
  'deal',
  'evt',
  'whe',
  'whd',
  'wha',
  'prc',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

export function newId(prefix: IdPrefix, clock: Clock): string {
  return `${prefix}_${v7({ msecs: clock.now().getTime() })}`;
}

const ID_PATTERN = /^[a-z]{2,5}_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}
