import { type Clock, type CloudEvent, cloudEvent, InvariantError } from '@strongbox/kernel';
import type { LedgerEvent } from '../domain/decide.ts';
import type { AccountRecord } from '../domain/ledger.ts';
import { money, transferView } from '../domain/views.ts';

/** The CloudEvents balance publishes through its outbox (brief §5); data carries amounts as JSON numbers. */
export const SERVICE = 'balance';

export function eventType(e: LedgerEvent): string {
  switch (e.type) {
    case 'transfer_posted':
    case 'pending_posted':
      return 'balance.transfer.posted';
    case 'transfer_pending':
      return 'balance.transfer.pending';
    case 'pending_voided':
      return 'balance.transfer.voided';
    case 'pending_expired':
      return 'balance.transfer.expired';
    default: {
      const unreachable: never = e;
      throw new InvariantError(`unreachable case: ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * `parties` are the owners of both accounts, so that each customer's webhook endpoints (scope `parties`)
 * receive the transfers that move their money, whichever side they are on.
 */
export function transferEvent(
  e: LedgerEvent,
  traceId: string | null,
  parties: readonly string[],
  clock: Clock,
): CloudEvent {
  return cloudEvent(
    {
      service: SERVICE,
      type: eventType(e),
      subject: e.transfer.id,
      data: transferView(e.transfer),
      ...(traceId ? { traceId } : {}),
      parties,
    },
    clock,
  );
}

export function accountCreatedEvent(a: AccountRecord, traceId: string, clock: Clock): CloudEvent {
  return cloudEvent(
    {
      service: SERVICE,
      type: 'balance.account.created',
      subject: a.id,
      data: {
        id: a.id,
        ownerId: a.ownerId,
        currency: a.currency,
        name: a.name,
        allowNegative: a.allowNegative,
        metadata: a.metadata,
        balance: money(0n),
        createdAt: a.createdAt.toISOString(),
      },
      traceId,
      parties: [a.ownerId],
    },
    clock,
  );
}
