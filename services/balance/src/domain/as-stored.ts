import type { Metadata, Transfer } from './ledger.ts';

/**
 * What a transfer's first answer and a replay rendered from its row have in common (ADR 0037).
 *
 * `metadata` is stored as jsonb, which keeps an object's keys shorter first, then in byte order; reading
 * the row back parses them in that order. The first answer uses the same order, so that a replay rendered
 * from the row is the first answer byte for byte. (Integer-like keys come first in any JavaScript object,
 * in both cases alike.) Values are scalars (the schema's `MetadataValue`), so only the top level has keys.
 */
export function inStoredOrder(metadata: Metadata): Metadata {
  const keys = Object.keys(metadata);
  keys.sort(
    (a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  const out: Record<string, Metadata[string]> = {};
  for (const k of keys) out[k] = metadata[k] as Metadata[string];
  return out;
}

/**
 * A transfer as its create command left it, from its row now. A transfer is created `posted` (no deadline)
 * or `pending` (always with `expiresAt`, kept after it resolves), and nothing but its resolution changes
 * later, so the deadline tells which, and the rest of the row is as it was.
 */
export function transferAsCreated(t: Transfer): Transfer {
  return t.expiresAt === null
    ? { ...t, status: 'posted', postedAmount: t.amount }
    : { ...t, status: 'pending', postedAmount: 0n };
}
