import { type BankClient, BankError, type SelfEmployedReceipt } from '@strongbox/bank-client';
import type { Clock } from '@strongbox/kernel';
import { type Pool, prepared } from '@strongbox/postgres';
import { RECEIPT_STATUSES, type ReceiptStatus } from '../domain/deal.ts';
import type { CallOutcome, SelfEmployedBank } from '../features/self-employed-payouts/ports.ts';
import { recipientsAtBank, stepOf } from './bank-mirror.ts';
import { payoutAtBank, storePayment } from './bank-payouts.ts';
import { storeNpdStatus } from './recipients.ts';

const PURPOSE_LENGTH_MAX = 210;

/**
 * The self-employed payout worker's port over the bank client: the step's payment that kept the share
 * on the recipient's virtual account, the NPD status check, the payment out of that account (its id kept
 * in bank_payouts, where the deal's retry finds it), and the self-employed API's receipt calls.
 */
export function selfEmployedBank(deps: { pool: Pool; bank: BankClient; clock: Clock }): SelfEmployedBank {
  const { pool, bank } = deps;
  const profile = async (recipientId: string) => {
    const r = (await recipientsAtBank(pool, [recipientId])).get(recipientId);
    if (!r) throw new Error(`payout profile ${recipientId} is gone`);
    return r;
  };
  return {
    async landed(p) {
      const [step, at] = [await stepOf(pool, p.milestoneId), await payoutAtBank(pool, p.payoutId)];
      if (!step || !at) return 'step_not_paid';
      const { rows } = await pool.query<{ paying: boolean }>(
        prepared('select paying_since is not null as paying from bank_steps where milestone_id = $1', [
          p.milestoneId,
        ]),
      );
      if (!rows[0]?.paying) return 'step_not_paid';
      const payments = await bank.listStepPayments(step.bankDealId, step.stepId);
      return payments.some((x) => x.recipientId === at.bankRecipientId && x.status === 'SUCCEEDED')
        ? 'landed'
        : 'in_flight';
    },
    async npdStatus(recipientId) {
      const status = (await bank.npdStatus((await profile(recipientId)).inn)).selfEmployedStatus;
      // The profile shows what the last check saw, so the recipient sees why a payout waits.
      await storeNpdStatus(pool, recipientId, status, deps.clock.now());
      return status;
    },
    async payOut(p, amount, key) {
      const r = await profile(p.recipientId);
      if (!r.beneficiaryId) throw new Error(`payout profile ${r.id} is not a beneficiary`);
      const payment = await bank.createPayment(
        {
          beneficiaryId: r.beneficiaryId,
          amount,
          purpose: `Payout ${p.payoutId}, deal ${p.dealId}`.slice(0, PURPOSE_LENGTH_MAX),
          ...(r.bankDetailsId ? { bankDetailsId: r.bankDetailsId } : {}),
        },
        key,
      );
      await storePayment(pool, p.payoutId, payment.paymentId, 'PENDING');
    },
    async payment(p) {
      const at = await payoutAtBank(pool, p.payoutId);
      if (!at?.paymentId) return null;
      const paymentId = at.paymentId;
      const known = await bank.getPayment(paymentId);
      const status =
        known.status === 'SUCCEEDED'
          ? 'SUCCEEDED'
          : known.status === 'FAILED' || known.status === 'CANCELLED'
            ? 'FAILED'
            : 'IN_PROGRESS';
      return {
        status,
        reason: known.failureReason,
        known: at.status === status,
        acknowledge: () => storePayment(pool, p.payoutId, paymentId, status),
      };
    },
    async selfEmployedId(recipientId, key) {
      const r = await profile(recipientId);
      const [listed] = await bank.listSelfEmployed({ inn: [r.inn] });
      if (listed) {
        await pool.query(
          prepared('update recipients set self_employed_id = $2 where recipient_id = $1', [
            recipientId,
            listed.id,
          ]),
        );
        return listed.selfEmployedStatus === 'ACTIVE' ? listed.id : 'pending';
      }
      const [lastName, ...rest] = r.name.trim().split(/\s+/);
      await bank.createSelfEmployed(
        [
          {
            number: 1,
            inn: r.inn,
            lastName: lastName ?? r.name,
            firstName: rest.join(' ') || (lastName ?? r.name),
          },
        ],
        key(`self-employed/${r.inn}/correlation`),
        key(`self-employed/${r.inn}/key`),
      );
      return 'pending';
    },
    async startCall(call, correlationId, key) {
      switch (call.kind) {
        case 'payment-registry/create':
          await bank.createPaymentRegistry(
            [{ number: 1, recipientId: call.selfEmployedId, sum: call.amount, paymentPurpose: call.purpose }],
            correlationId,
            key,
          );
          return;
        case 'payment-registry/submit':
          await bank.submitPaymentRegistry(call.registryId, correlationId, key);
          return;
        case 'payment-registry/pay':
          await bank.payPaymentRegistry(call.registryId, correlationId, key);
          return;
        case 'payment-registry/receipts':
          await bank.requestRegistryReceipts(call.registryId, correlationId, key);
          return;
      }
    },
    async callResult(kind, correlationId): Promise<CallOutcome> {
      let r: Record<string, unknown>;
      try {
        r = await bank.selfEmployedResult(kind, correlationId);
      } catch (err) {
        // Results are kept two days: one gone is asked for again by a new call (the worker's next ask).
        if (err instanceof BankError && err.status === 404) return { kind: 'refused', reason: 'result gone' };
        throw err;
      }
      return outcomeOf(kind, r);
    },
  };
}

/** Reads an asynchronous call's result: still pending, done (with what it made), or refused. */
export function outcomeOf(kind: string, r: Record<string, unknown>): CallOutcome {
  const status = String(r['status'] ?? '');
  switch (kind) {
    case 'payment-registry/create':
      if (status === 'QUEUED') return { kind: 'pending' };
      return status === 'CREATED'
        ? { kind: 'done', registryId: Number(r['paymentRegistryId']) }
        : { kind: 'refused', reason: JSON.stringify(r['paymentErrors'] ?? r['error'] ?? status) };
    case 'payment-registry/submit':
      if (status === 'IN_PROGRESS') return { kind: 'pending' };
      return status === 'ACCEPTED'
        ? { kind: 'done' }
        : { kind: 'refused', reason: JSON.stringify(r['error']) };
    case 'payment-registry/pay':
      if (status === 'SEND_IN_PROGRESS') return { kind: 'pending' };
      return status === 'EXECUTED'
        ? { kind: 'done' }
        : { kind: 'refused', reason: JSON.stringify(r['paymentResults'] ?? r['error'] ?? status) };
    case 'payment-registry/receipts': {
      if (status === 'IN_PROGRESS') return { kind: 'pending' };
      if (status !== 'FINISHED') return { kind: 'refused', reason: JSON.stringify(r['error'] ?? status) };
      const receipt = (r['receipts'] as SelfEmployedReceipt[] | undefined)?.find((x) => x.number === 1);
      if (!receipt) return { kind: 'done' };
      const s = receipt.status as ReceiptStatus;
      if (!RECEIPT_STATUSES.includes(s)) return { kind: 'refused', reason: `receipt status ${String(s)}` };
      return {
        kind: 'done',
        receipt: { status: s, receiptNumber: receipt.receiptNumber, link: receipt.link },
      };
    }
    default:
      throw new Error(`unknown self-employed call ${kind}`);
  }
}
