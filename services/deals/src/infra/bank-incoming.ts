import type { BankClient } from '@strongbox/bank-client';
import { type Clock, nameBasedUuid } from '@strongbox/kernel';
import { type Pool, prepared } from '@strongbox/postgres';
import type { IncomingBank, Match } from '../features/bank-funding/ports.ts';
import { payerBeneficiaryOf } from './bank-mirror.ts';

/** The bank pages incoming transactions by at most this many. */
const BANK_PAGE_MAX = 100;
/**
 * Money that matches nothing stays unidentified at the bank, listed before newer money: a run reads up to
 * this many pages so that a pile of it never hides a deal's payment.
 */
const BANK_PAGES_MAX = 10;

/** The funding job's port over the bank client and deals' tables of matched and unmatched money. */
export function incomingBank(deps: { pool: Pool; bank: BankClient; clock: Clock }): IncomingBank {
  const { pool, bank, clock } = deps;
  return {
    unidentified: async (limit) => {
      const size = Math.min(limit, BANK_PAGE_MAX);
      const all = [];
      for (let page = 0; page < BANK_PAGES_MAX; page++) {
        const got = await bank.listUnidentifiedIncoming({ limit: size, offset: page * size });
        all.push(...got.filter((t) => !t.identified));
        if (got.length < size) break;
      }
      return all;
    },
    payerBeneficiary: (userId) => payerBeneficiaryOf(pool, userId),
    identify: async (operationId, beneficiaryId, amount) => {
      await bank.identifyIncoming(
        operationId,
        [{ beneficiaryId, amount }],
        nameBasedUuid(`identify-incoming\n${operationId}`),
      );
    },
    recordMatch: async (m) => {
      await pool.query(
        prepared(
          `insert into bank_incoming_matched (operation_id, deal_id, amount, beneficiary_id, matched_at)
           values ($1, $2, $3, $4, $5) on conflict (operation_id) do nothing`,
          [m.operationId, m.dealId, m.amount.toString(), m.beneficiaryId, clock.now()],
        ),
      );
    },
    unfunded: async (limit) => {
      const { rows } = await pool.query<{
        operation_id: string;
        deal_id: string;
        amount: string;
        beneficiary_id: string;
      }>(
        prepared(
          `select operation_id, deal_id, amount, beneficiary_id from bank_incoming_matched
           where funded_at is null order by matched_at limit $1`,
          [limit],
        ),
      );
      return rows.map(
        (r): Match => ({
          operationId: r.operation_id,
          dealId: r.deal_id,
          amount: BigInt(r.amount),
          beneficiaryId: r.beneficiary_id,
        }),
      );
    },
    markFunded: async (operationId) => {
      await pool.query(
        prepared('update bank_incoming_matched set funded_at = $2 where operation_id = $1', [
          operationId,
          clock.now(),
        ]),
      );
    },
    recordUnmatched: async (t, reason) => {
      const { rowCount } = await pool.query(
        prepared(
          `insert into bank_incoming_unmatched (operation_id, amount, purpose, reason, seen_at)
           values ($1, $2, $3, $4, $5) on conflict (operation_id) do nothing`,
          [t.operationId, t.amount.toString(), t.purpose, reason, clock.now()],
        ),
      );
      return rowCount === 1;
    },
  };
}
