import { randomFillSync } from 'node:crypto';
import { v5, v7 } from 'uuid';
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
  'mst',
  'pay',
  'rcp',
  'dsp',
  'evt',
  'whe',
  'whd',
  'wha',
  'prc',
  'rlc',
] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

export function newId(prefix: IdPrefix, clock: Clock): string {
  return `${prefix}_${v7({ msecs: clock.now().getTime(), random: random16() })}`;
}

/** Random bytes drawn per system call: one call serves this many ids. */
const ENTROPY_POOL_BYTES = 16 * 256;
const pool = Buffer.alloc(ENTROPY_POOL_BYTES);
let poolOffset = ENTROPY_POOL_BYTES;

/**
 * 16 bytes from the CSPRNG, refilled a pool at a time: uuid alone asks the kernel for 16 bytes per id, a
 * system call that showed up in profiles at thousands of ids per second.
 */
function random16(): Uint8Array {
  if (poolOffset + 16 > ENTROPY_POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += 16;
  // A copy: uuid may keep or change the array it is given, and the pool is refilled in place.
  return Uint8Array.prototype.slice.call(pool, poolOffset - 16, poolOffset);
}

const ID_PATTERN = /^[a-z]{2,5}_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_PATTERN.test(value);
}

/** Strongbox's own UUID namespace for name-based ids (RFC 9562 §5.5); fixed forever once ids are stored. */
const NAME_NAMESPACE = '5b0f7c3e-9a41-4d2e-8c6b-2f1e0d9a7b34';

/**
 * A UUID derived from a name (RFC 9562 version 5): the same name gives the same UUID every time, on every
 * machine. For keys a retried operation must send again unchanged, such as the Idempotency-Key of a call to
 * the bank derived from the event that caused it.
 *
 * @example
 * nameBasedUuid('evt_1/register_deal\ncreate-deal') === nameBasedUuid('evt_1/register_deal\ncreate-deal') // true
 */
export function nameBasedUuid(name: string): string {
  return v5(name, NAME_NAMESPACE);
}
