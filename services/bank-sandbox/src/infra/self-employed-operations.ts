import type { Queryable } from '@strongbox/postgres';

/** The asynchronous calls of the self-employed API, each polled at `<its path>/result`. */
export type OperationKind =
  | 'recipients/create'
  | 'recipients/add/by-requisites'
  | 'payment-registry/create'
  | 'payment-registry/submit'
  | 'payment-registry/pay'
  | 'payment-registry/receipts';

export interface Operation {
  readonly kind: OperationKind;
  readonly registryId: number | null;
  /** What /result answers before `readyAt`, and from then on. */
  readonly pending: unknown;
  readonly result: unknown;
  readonly readyAt: Date;
  readonly createdAt: Date;
}

/** Records a call under its correlationId; false if the id is taken already. */
export async function insertOperation(tx: Queryable, correlationId: string, op: Operation): Promise<boolean> {
  const { rowCount } = await tx.query(
    `insert into se_operations (correlation_id, kind, registry_id, pending, result, ready_at, created_at)
     values ($1, $2, $3, $4, $5, $6, $7) on conflict (correlation_id) do nothing`,
    [
      correlationId,
      op.kind,
      op.registryId,
      JSON.stringify(op.pending),
      JSON.stringify(op.result),
      op.readyAt,
      op.createdAt,
    ],
  );
  return rowCount === 1;
}

interface Row {
  kind: OperationKind;
  registry_id: number | null;
  pending: unknown;
  result: unknown;
  ready_at: Date;
  created_at: Date;
}

export async function findOperation(db: Queryable, correlationId: string): Promise<Operation | undefined> {
  const { rows } = await db.query<Row>('select * from se_operations where correlation_id = $1', [
    correlationId,
  ]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    kind: r.kind,
    registryId: r.registry_id,
    pending: r.pending,
    result: r.result,
    readyAt: r.ready_at,
    createdAt: r.created_at,
  };
}

/** Forgets results older than the bank keeps them; at most `limit` at a time. */
export async function deleteOperationsBefore(tx: Queryable, before: Date, limit: number): Promise<number> {
  const { rowCount } = await tx.query(
    `delete from se_operations where correlation_id in (
       select correlation_id from se_operations where created_at < $1 order by created_at limit $2)`,
    [before, limit],
  );
  return rowCount ?? 0;
}
