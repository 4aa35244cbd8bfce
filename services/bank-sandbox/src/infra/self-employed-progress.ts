import { type Pool, type Queryable, withTransaction } from '@strongbox/postgres';
import { npdOverrideOf } from '../domain/faults.ts';
import {
  decideReceipt,
  decideRegistration,
  paidRegistryStatus,
  RESULT_RETENTION_MS,
  receiptLinkOf,
  receiptNumberOf,
} from '../domain/self-employed.ts';
import { enqueueNotification } from './notifications.ts';
import { deleteOperationsBefore } from './self-employed-operations.ts';
import { type DueReceipt, dueReceipts, setReceipt } from './self-employed-receipts.ts';
import { dueRegistrations, setNpdStatus } from './self-employed-recipients.ts';
import { registryPayments, registryStatus, setRegistryStatus } from './self-employed-registries.ts';
import type { Sim } from './sim.ts';

/** Objects of the self-employed API one round moves on; the next round takes the rest. */
const SELF_EMPLOYED_BATCH_MAX = 100;

/**
 * One round of the self-employed API's time: waiting registrations get their NPD status, paid payments
 * get their receipts (and their registries settle), and results past their two days are forgotten.
 */
export async function advanceSelfEmployed(pool: Pool, sim: Sim): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const now = sim.clock.now();
    let n = 0;
    for (const r of await dueRegistrations(tx, now, SELF_EMPLOYED_BATCH_MAX)) {
      const next = decideRegistration(npdOverrideOf(sim.faults.selfEmployed, r.inn));
      if (next === undefined) continue;
      await setNpdStatus(tx, r.id, next, now);
      n++;
    }
    const registries = new Set<number>();
    for (const receipt of await dueReceipts(tx, now, SELF_EMPLOYED_BATCH_MAX)) {
      await issueReceipt(tx, receipt, sim);
      registries.add(receipt.registryId);
      n++;
    }
    for (const id of registries) await settleRegistry(tx, id, now);
    await deleteOperationsBefore(tx, new Date(now.getTime() - RESULT_RETENTION_MS), SELF_EMPLOYED_BATCH_MAX);
    return n;
  });
}

/** Issues a due receipt, or fails it, and notifies the outcome in the same transaction. */
async function issueReceipt(tx: Queryable, r: DueReceipt, sim: Sim): Promise<void> {
  const fails = sim.faults.selfEmployed.fiscalizeFailing.includes(r.inn);
  const outcome = decideReceipt(r.npdStatus, fails);
  const receiptNumber = outcome.status === 'SUCCESS' ? receiptNumberOf(r.registryId, r.number) : undefined;
  const issued = receiptNumber ? { receiptNumber, link: receiptLinkOf(r.inn, receiptNumber) } : {};
  const error = outcome.error ? { error: outcome.error } : {};
  await setReceipt(tx, r.registryId, r.number, { status: outcome.status, ...issued, ...error });
  await enqueueNotification(
    tx,
    {
      type: outcome.status === 'SUCCESS' ? 'SELF_EMPLOYED_RECEIPT_READY' : 'SELF_EMPLOYED_RECEIPT_FAILED',
      objectId: receiptObjectId(r.registryId, r.number),
      status: outcome.status,
      data: {
        paymentRegistryId: r.registryId,
        number: r.number,
        inn: r.inn,
        sum: r.sum,
        ...issued,
        ...error,
      },
    },
    sim,
  );
}

/** A receipt's id in notifications: its registry and its payment's number there. */
export const receiptObjectId = (registryId: number, number: number) => `${registryId}-${number}`;

/** A paid registry follows its receipts: PROCESSING while any is pending. */
export async function settleRegistry(tx: Queryable, id: number, now: Date): Promise<void> {
  const current = await registryStatus(tx, id, true);
  if (current !== 'PROCESSING') return;
  const next = paidRegistryStatus(
    (await registryPayments(tx, id)).map((p) => ({ status: p.status, receipt: p.receipt?.status ?? null })),
  );
  if (next !== current) await setRegistryStatus(tx, id, next, now);
}
