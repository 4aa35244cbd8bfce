import { prepared, type Queryable } from '@strongbox/postgres';
import type { KeyedLedgerTask, LedgerSubject, LedgerTask, LedgerTaskKind } from '../domain/ledger-tasks.ts';

/** Upper bound of tasks one claim takes: one round of the worker. */
export const LEDGER_TASK_CLAIM_MAX = 50;

export interface ClaimedLedgerTask {
  readonly seq: bigint;
  readonly key: string;
  readonly dealId: string;
  readonly task: LedgerTask;
  /** Attempts including this one. */
  readonly attempt: number;
  readonly traceId: string | null;
}

/** Writes an event's ledger tasks inside the command's transaction; a task already written is left alone. */
export async function enqueueLedgerTasks(
  tx: Queryable,
  dealId: string,
  tasks: readonly KeyedLedgerTask[],
  at: Date,
  traceId: string | undefined,
): Promise<void> {
  for (const { key, task } of tasks) {
    const payload = { from: task.from, to: task.to, amount: task.amount.toString() };
    await tx.query(
      prepared(
        `insert into ledger_tasks (task_key, deal_id, kind, payload, next_attempt_at, trace_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $5)
         on conflict (task_key) do nothing`,
        [key, dealId, task.kind, JSON.stringify(payload), at, traceId ?? null],
      ),
    );
  }
}

interface TaskRow {
  seq: string;
  task_key: string;
  deal_id: string;
  kind: LedgerTaskKind;
  payload: { from: LedgerSubject; to: LedgerSubject; amount: string };
  attempts: number;
  trace_id: string | null;
}

/**
 * Claims due tasks for one round, each leased until `leaseUntil` (its next attempt moves there), so a
 * worker that dies mid-task leaves it to be claimed again and two workers never hold one task. A task
 * whose deal has an earlier pending task is not due: money leaves an escrow only after it arrived there.
 */
export async function claimLedgerTasks(
  q: Queryable,
  now: Date,
  leaseUntil: Date,
  limit: number,
): Promise<ClaimedLedgerTask[]> {
  const { rows } = await q.query<TaskRow>(
    prepared(
      `update ledger_tasks t set attempts = t.attempts + 1, next_attempt_at = $2
       where t.seq in (
         select c.seq from ledger_tasks c
         where c.status = 'pending' and c.next_attempt_at <= $1
           and not exists (
             select 1 from ledger_tasks e
             where e.deal_id = c.deal_id and e.status = 'pending' and e.seq < c.seq
           )
         order by c.next_attempt_at, c.seq
         limit $3
         for update skip locked
       )
       returning t.seq, t.task_key, t.deal_id, t.kind, t.payload, t.attempts, t.trace_id`,
      [now, leaseUntil, Math.min(limit, LEDGER_TASK_CLAIM_MAX)],
    ),
  );
  return rows.map((r) => ({
    seq: BigInt(r.seq),
    key: r.task_key,
    dealId: r.deal_id,
    task: { kind: r.kind, from: r.payload.from, to: r.payload.to, amount: BigInt(r.payload.amount) },
    attempt: r.attempts,
    traceId: r.trace_id,
  }));
}

export async function completeLedgerTask(
  q: Queryable,
  seq: bigint,
  at: Date,
  transferId: string,
): Promise<void> {
  await q.query(
    prepared(
      `update ledger_tasks set status = 'done', done_at = $2, transfer_id = $3, last_error = null
       where seq = $1`,
      [seq.toString(), at, transferId],
    ),
  );
}

/** Leaves the task pending, to be attempted again at `next`, with why this attempt failed. */
export async function rescheduleLedgerTask(
  q: Queryable,
  seq: bigint,
  next: Date,
  error: string,
): Promise<void> {
  await q.query(
    prepared(
      `update ledger_tasks set next_attempt_at = $2, last_error = $3 where seq = $1 and status = 'pending'`,
      [seq.toString(), next, error.slice(0, 1_000)],
    ),
  );
}

/** Pending tasks by how stuck they are, for metrics and the runbook. */
export async function pendingLedgerTasks(
  q: Queryable,
  stuckAfter: number,
): Promise<{ pending: number; stuck: number }> {
  const { rows } = await q.query<{ pending: string; stuck: string }>(
    prepared(
      `select count(*) as pending, count(*) filter (where attempts >= $1) as stuck
       from ledger_tasks where status = 'pending'`,
      [stuckAfter],
    ),
  );
  return { pending: Number(rows[0]?.pending ?? 0), stuck: Number(rows[0]?.stuck ?? 0) };
}
