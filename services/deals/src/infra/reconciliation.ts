import { type BankClient, BankError } from '@strongbox/bank-client';
import { type Clock, cloudEvent } from '@strongbox/kernel';
import { appendOutbox, type Pool, prepared, type Queryable, withTransaction } from '@strongbox/postgres';
import { findingQueueItem } from '../domain/operator-queue.ts';
import { type Difference, differenceKey, type FindingKind, type Side } from '../domain/reconciliation.ts';
import type {
  Finding,
  FindingFilter,
  LedgerReader,
  ReconciliationBank,
  ReconciliationLock,
  ReconciliationStore,
} from '../features/reconciliation/ports.ts';
import { SERVICE } from './deal-commands.ts';
import { closeQueueItem, openQueueItem } from './operator-queue.ts';

/** The advisory lock's name: one reconciliation run at a time across every deals instance. */
export const RECONCILE_LOCK_KEY = 'strongbox:deals:reconciliation';
/** The deal statuses after which nothing more happens to a deal at the bank. */
const FINAL = ['completed', 'cancelled', 'refunded'];

/**
 * A session advisory lock on a connection of its own for the length of a run. A run makes slow calls to
 * the bank, so it holds no transaction open; if the process dies, its session ends and PostgreSQL releases
 * the lock, so a crashed run never blocks the next one.
 */
export function reconciliationLock(pool: Pool): ReconciliationLock {
  return {
    async run(f) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const { rows } = await client.query<{ ok: boolean }>(
          'select pg_try_advisory_lock(hashtext($1)) as ok',
          [RECONCILE_LOCK_KEY],
        );
        if (!rows[0]?.ok) return { ran: false };
        try {
          return { ran: true, value: await f() };
        } finally {
          await client
            .query('select pg_advisory_unlock(hashtext($1))', [RECONCILE_LOCK_KEY])
            .catch((err: Error) => {
              broken = err;
            });
        }
      } finally {
        // A connection whose unlock failed is closed rather than returned still holding the lock.
        client.release(broken);
      }
    },
  };
}

interface FindingRow {
  seq: string;
  kind: FindingKind;
  subject: string;
  deal_id: string | null;
  ours_status: string | null;
  bank_status: string | null;
  ours_amount: string | null;
  bank_amount: string | null;
  detail: string;
  detected_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
}

const sideOf = (status: string | null, amount: string | null): Side =>
  status !== null ? { status } : { amount: BigInt(amount ?? '0') };

export const toFinding = (r: FindingRow): Finding => ({
  seq: BigInt(r.seq),
  kind: r.kind,
  subject: r.subject,
  dealId: r.deal_id,
  ours: sideOf(r.ours_status, r.ours_amount),
  bank: sideOf(r.bank_status, r.bank_amount),
  detail: r.detail,
  detectedAt: r.detected_at,
  lastSeenAt: r.last_seen_at,
  resolvedAt: r.resolved_at,
});

const FINDING_COLUMNS = `seq, kind, subject, deal_id, ours_status, bank_status, ours_amount, bank_amount, detail,
  detected_at, last_seen_at, resolved_at`;

const statusOf = (s: Side) => ('status' in s ? s.status : null);
const amountOf = (s: Side) => ('amount' in s ? s.amount.toString() : null);

/** A finding as its event carries it: amounts as JSON numbers of minor units, like every event's money. */
export function findingData(f: Finding) {
  const side = (s: Side) => ('status' in s ? { status: s.status } : { amount: Number(s.amount) });
  return {
    id: findingId(f.seq),
    kind: f.kind,
    subject: f.subject,
    dealId: f.dealId,
    ours: side(f.ours),
    bank: side(f.bank),
    detail: f.detail,
    detectedAt: f.detectedAt.toISOString(),
    lastSeenAt: f.lastSeenAt.toISOString(),
    resolvedAt: f.resolvedAt?.toISOString() ?? null,
  };
}

/** A finding's public id. */
export const findingId = (seq: bigint) => `rcf_${seq}`;

const queueItemOf = (f: Finding) => findingQueueItem({ ...f, findingId: findingId(f.seq) });

export function reconciliationStore(pool: Pool, clock: Clock): ReconciliationStore {
  return {
    async stepsWaiting(before, limit) {
      const { rows } = await pool.query<{ step_id: string }>(
        prepared(
          `select s.step_id from bank_steps s
           where s.paying_since <= $1 and exists (
             select 1 from bank_payouts p
             where p.milestone_id = s.milestone_id and p.status is distinct from 'SUCCEEDED'
           )
           order by s.polled_at nulls first, s.paying_since limit $2`,
          [before, limit],
        ),
      );
      return rows.map((r) => r.step_id);
    },
    async dealsWaiting(before, roundStart, limit) {
      const { rows } = await pool.query<{ deal_id: string; bank_deal_id: string; payer_id: string }>(
        prepared(
          `select v.deal_id, v.view->>'bankDealId' as bank_deal_id, v.payer_id
           from deal_views v left join reconciliation_checks c on c.subject = v.deal_id
           where v.view->>'bankDealId' is not null and v.updated_at <= $1
             and (c.checked_at is null or c.checked_at < $2)
             and (v.status <> all($3::text[]) or c.checked_at is null or c.checked_at < v.updated_at
                  or exists (select 1 from reconciliation_findings f
                             where f.resolved_at is null
                               and (f.subject = v.deal_id or f.subject = 'payer:' || v.payer_id)))
           order by c.checked_at nulls first, v.deal_id limit $4`,
          [before, roundStart, FINAL, limit],
        ),
      );
      return rows.map((r) => ({ dealId: r.deal_id, bankDealId: r.bank_deal_id, payerId: r.payer_id }));
    },
    busy: (dealId) => busy(pool, [dealId]),
    async payerDeals(payerId) {
      const { rows } = await pool.query<{ deal_id: string }>(
        prepared(`select deal_id from deal_views where payer_id = $1 and view->>'bankDealId' is not null`, [
          payerId,
        ]),
      );
      const dealIds = rows.map((r) => r.deal_id);
      return { busy: await busy(pool, dealIds), dealIds };
    },
    async payerBeneficiary(payerId) {
      const { rows } = await pool.query<{ beneficiary_id: string }>(
        prepared('select beneficiary_id from bank_payers where user_id = $1', [payerId]),
      );
      return rows[0]?.beneficiary_id;
    },
    async openFindings(subject) {
      const { rows } = await pool.query<{ seq: string; difference_key: string }>(
        prepared(
          'select seq, difference_key from reconciliation_findings where subject = $1 and resolved_at is null',
          [subject],
        ),
      );
      return rows.map((r) => ({ seq: BigInt(r.seq), key: r.difference_key }));
    },
    settle: (subject, outcome, at) =>
      withTransaction(pool, async (tx) => {
        const recorded: Finding[] = [];
        for (const d of outcome.record) {
          const f = await recordFinding(tx, d, at);
          if (f) recorded.push(f);
        }
        await tx.query(
          prepared(
            `update reconciliation_findings set last_seen_at = $2
             where seq = any($1::bigint[]) and resolved_at is null`,
            [outcome.seen.map(String), at],
          ),
        );
        const { rows } = await tx.query<FindingRow>(
          prepared(
            `update reconciliation_findings set resolved_at = $2
             where seq = any($1::bigint[]) and resolved_at is null returning ${FINDING_COLUMNS}`,
            [outcome.close.map(String), at],
          ),
        );
        const resolved = rows.map(toFinding);
        // The operators' queue shows each open finding, in the same transaction as the finding itself.
        for (const f of recorded) await openQueueItem(tx, queueItemOf(f));
        for (const f of resolved) await closeQueueItem(tx, queueItemOf(f).itemId, at);
        const events = [
          ...recorded.map((f) => findingEvent('deals.reconciliation.finding_recorded', f, clock)),
          ...resolved.map((f) => findingEvent('deals.reconciliation.finding_resolved', f, clock)),
        ];
        if (events.length > 0) await appendOutbox(tx, events);
        await markChecked(tx, subject, at);
        return { recorded, resolved };
      }),
    markChecked: (subject, at) => markChecked(pool, subject, at),
  };
}

/** Records a difference unless it is open already (a concurrent writer's row wins; none here: the lock). */
async function recordFinding(tx: Queryable, d: Difference, at: Date): Promise<Finding | undefined> {
  const { rows } = await tx.query<FindingRow>(
    prepared(
      `insert into reconciliation_findings
         (difference_key, kind, subject, deal_id, ours_status, bank_status, ours_amount, bank_amount, detail,
          detected_at, last_seen_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       on conflict (difference_key) where resolved_at is null do nothing
       returning ${FINDING_COLUMNS}`,
      [
        differenceKey(d),
        d.kind,
        d.subject,
        d.dealId,
        statusOf(d.ours),
        statusOf(d.bank),
        amountOf(d.ours),
        amountOf(d.bank),
        d.detail,
        at,
      ],
    ),
  );
  return rows[0] ? toFinding(rows[0]) : undefined;
}

function findingEvent(type: string, f: Finding, clock: Clock) {
  return cloudEvent(
    {
      service: SERVICE,
      type,
      subject: findingId(f.seq),
      data: findingData(f),
    },
    clock,
  );
}

async function markChecked(q: Queryable, subject: string, at: Date): Promise<void> {
  await q.query(
    prepared(
      `insert into reconciliation_checks (subject, checked_at) values ($1, $2)
       on conflict (subject) do update set checked_at = excluded.checked_at`,
      [subject, at],
    ),
  );
}

/** Something is in flight for one of the deals: a bank task, a ledger task, or a funding not finished. */
async function busy(q: Queryable, dealIds: readonly string[]): Promise<boolean> {
  if (dealIds.length === 0) return false;
  const { rows } = await q.query<{ busy: boolean }>(
    prepared(
      `select exists (select 1 from bank_tasks where deal_id = any($1::text[]) and status = 'pending')
           or exists (select 1 from ledger_tasks where deal_id = any($1::text[]) and status = 'pending')
           or exists (select 1 from bank_incoming_matched where deal_id = any($1::text[]) and funded_at is null)
         as busy`,
      [dealIds],
    ),
  );
  return rows[0]?.busy === true;
}

/** Open findings by kind, for the gauge. */
export async function openFindingCounts(q: Queryable): Promise<Map<FindingKind, number>> {
  const { rows } = await q.query<{ kind: FindingKind; n: number }>(
    prepared(
      'select kind, count(*)::int as n from reconciliation_findings where resolved_at is null group by kind',
      [],
    ),
  );
  return new Map(rows.map((r) => [r.kind, r.n]));
}

/** Findings newest first, for operators. */
export async function listFindings(q: Queryable, filter: FindingFilter, limit: number): Promise<Finding[]> {
  const { rows } = await q.query<FindingRow>(
    prepared(
      `select ${FINDING_COLUMNS} from reconciliation_findings
       where ($1::text is null or (resolved_at is null) = ($1 = 'open'))
         and ($2::bigint is null or seq < $2)
       order by seq desc limit $3`,
      [filter.status ?? null, filter.beforeSeq?.toString() ?? null, limit],
    ),
  );
  return rows.map(toFinding);
}

/** The bank as reconciliation reads it, over the bank client. */
export function reconciliationBank(bank: BankClient): ReconciliationBank {
  return {
    async deal(bankDealId) {
      try {
        return await bank.getDeal(bankDealId);
      } catch (err) {
        if (err instanceof BankError && err.status === 404) return undefined;
        throw err;
      }
    },
    virtualAccount: (beneficiaryId) => bank.getBalance(beneficiaryId),
  };
}

/** Balance's escrows through deals' own client; an escrow never opened has had nothing moved onto it. */
export function ledgerReader(
  pool: Pool,
  balance: { accountBalance(accountId: string, traceId: string): Promise<bigint | undefined> },
  traceId: () => string,
): LedgerReader {
  return {
    async escrowOf(dealId) {
      const { rows } = await pool.query<{ account_id: string }>(
        prepared('select account_id from ledger_accounts where subject = $1', [`escrow:${dealId}`]),
      );
      const accountId = rows[0]?.account_id;
      if (!accountId) return 0n;
      const balanceNow = await balance.accountBalance(accountId, traceId());
      if (balanceNow === undefined) throw new Error(`balance does not know the escrow account ${accountId}`);
      return balanceNow;
    },
  };
}
