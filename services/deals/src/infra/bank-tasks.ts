import { prepared, type Queryable } from '@strongbox/postgres';
import type { BankTask, BankTaskKind, KeyedBankTask } from '../domain/bank-tasks.ts';

/** Upper bound of tasks one claim takes: one round of the worker. */
export const BANK_TASK_CLAIM_MAX = 50;

export interface ClaimedBankTask {
  readonly seq: bigint;
  readonly key: string;
  /** The deal's id, or the payout profile's for register_recipient: one subject's tasks run in order. */
  readonly subjectId: string;
  /** The deal's id for a deal's task; for a profile's, its subject id (the handler never loads it). */
  readonly dealId: string;
  readonly task: BankTask;
  /** Attempts including this one. */
  readonly attempt: number;
  readonly traceId: string | null;
}

/** Writes an event's bank tasks inside the command's transaction; a task already written is left alone. */
export async function enqueueBankTasks(
  tx: Queryable,
  dealId: string,
  tasks: readonly KeyedBankTask[],
  at: Date,
  traceId: string | undefined,
): Promise<void> {
  await enqueueSubjectTasks(tx, { subjectId: dealId, dealId }, tasks, at, traceId);
}

/** Writes tasks of any subject (a deal, a payout profile) in the caller's transaction, each once. */
export async function enqueueSubjectTasks(
  tx: Queryable,
  subject: { readonly subjectId: string; readonly dealId: string | null },
  tasks: readonly KeyedBankTask[],
  at: Date,
  traceId: string | undefined,
): Promise<void> {
  for (const { key, task } of tasks) {
    const { kind, ...payload } = task;
    await tx.query(
      prepared(
        `insert into bank_tasks
           (task_key, subject_id, deal_id, kind, payload, next_attempt_at, trace_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $6)
         on conflict (task_key) do nothing`,
        [
          key,
          subject.subjectId,
          subject.dealId,
          kind,
          JSON.stringify(payload, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)),
          at,
          traceId ?? null,
        ],
      ),
    );
  }
}

interface TaskRow {
  seq: string;
  task_key: string;
  subject_id: string;
  deal_id: string | null;
  kind: BankTaskKind;
  payload: Record<string, unknown>;
  attempts: number;
  trace_id: string | null;
}

/**
 * Claims due tasks for one round: each is leased until `leaseUntil` by moving its next attempt there, so
 * a worker that dies mid-task leaves it to be claimed again after the lease, and two workers never hold
 * one task. A task whose subject has an earlier pending task is not due: a deal's tasks run in order; so is
 * one behind a task handed over to an operator (ADR 0035), until the operator has finished it.
 */
export async function claimBankTasks(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<ClaimedBankTask[]> {
  const { rows } = await q.query<TaskRow>(
    prepared(
      `update bank_tasks t set attempts = t.attempts + 1, next_attempt_at = $2
       where t.seq in (
         select c.seq from bank_tasks c
         where c.status = 'pending' and c.next_attempt_at <= $1
           and not exists (
             select 1 from bank_tasks e
             where e.subject_id = c.subject_id and e.status in ('pending', 'needs_operator')
               and e.seq < c.seq
           )
         order by c.next_attempt_at, c.seq
         limit $3
         for update skip locked
       )
       returning t.seq, t.task_key, t.subject_id, t.deal_id, t.kind, t.payload, t.attempts, t.trace_id`,
      [now, leaseUntil, Math.min(limit, BANK_TASK_CLAIM_MAX)],
    ),
  );
  return rows.map((r) => ({
    seq: BigInt(r.seq),
    key: r.task_key,
    subjectId: r.subject_id,
    dealId: r.deal_id ?? r.subject_id,
    task: toTask(r.kind, r.payload),
    attempt: r.attempts,
    traceId: r.trace_id,
  }));
}

function toTask(kind: BankTaskKind, p: Record<string, unknown>): BankTask {
  switch (kind) {
    case 'register_deal':
    case 'accept_deal':
    case 'cancel_at_bank':
      return { kind };
    case 'pay_milestone':
      return { kind, milestoneId: String(p['milestoneId']) };
    case 'retry_payout':
      return { kind, milestoneId: String(p['milestoneId']), payoutId: String(p['payoutId']) };
    case 'refund':
      // A refund task written before ADR 0035 has its amount only: read as partial with no milestones,
      // which the refund's decision hands to an operator rather than guess it whole or partial.
      return {
        kind,
        amount: BigInt(String(p['amount'])),
        full: p['full'] === true,
        milestones: ((p['milestones'] ?? []) as Array<Record<string, unknown>>).map((m) => ({
          milestoneId: String(m['milestoneId']),
          amount: BigInt(String(m['amount'])),
          payouts: (m['payouts'] as Array<Record<string, unknown>>).map((x) => ({
            id: String(x['id']),
            amount: BigInt(String(x['amount'])),
          })),
        })),
      };
    case 'register_recipient':
      return { kind, recipientId: String(p['recipientId']) };
    default: {
      const unreachable: never = kind;
      throw new TypeError(`stored bank task kind ${String(unreachable)} is unknown`);
    }
  }
}

export async function completeBankTask(q: Queryable, seq: bigint, at: Date): Promise<void> {
  await q.query(
    prepared(`update bank_tasks set status = 'done', done_at = $2, last_error = null where seq = $1`, [
      seq.toString(),
      at,
    ]),
  );
}

/** Leaves the task pending, to be attempted again at `next`, with why this attempt failed. */
export async function rescheduleBankTask(
  q: Queryable,
  seq: bigint,
  next: Date,
  error: string,
): Promise<void> {
  await q.query(
    prepared(
      `update bank_tasks set next_attempt_at = $2, last_error = $3 where seq = $1 and status = 'pending'`,
      [seq.toString(), next, error.slice(0, 1_000)],
    ),
  );
}

/**
 * Ends a task the bank cannot do (a refund after a payout attempt): not retried, and its subject's later
 * tasks wait behind it until an operator has done its part and marks it done (the runbook).
 */
export async function handOverBankTask(q: Queryable, seq: bigint, reason: string): Promise<void> {
  await q.query(
    prepared(
      `update bank_tasks set status = 'needs_operator', last_error = $2 where seq = $1 and status = 'pending'`,
      [seq.toString(), reason.slice(0, 1_000)],
    ),
  );
}

/** Pending tasks by how stuck they are, for metrics and the operators' queue. */
export async function pendingBankTasks(
  q: Queryable,
  stuckAfter: number,
): Promise<{ pending: number; stuck: number }> {
  const { rows } = await q.query<{ pending: string; stuck: string }>(
    prepared(
      `select count(*) as pending, count(*) filter (where attempts >= $1) as stuck
       from bank_tasks where status = 'pending'`,
      [stuckAfter],
    ),
  );
  return { pending: Number(rows[0]?.pending ?? 0), stuck: Number(rows[0]?.stuck ?? 0) };
}
