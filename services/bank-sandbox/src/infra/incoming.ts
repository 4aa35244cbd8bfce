import type { Queryable } from '@strongbox/postgres';

export interface IncomingView {
  readonly operationId: string;
  readonly amount: bigint;
  readonly payerName: string | null;
  readonly payerInn: string | null;
  readonly payerBik: string | null;
  readonly payerAccount: string | null;
  readonly purpose: string;
  readonly identified: boolean;
  readonly createdAt: string;
}

interface Row {
  id: string;
  amount: bigint;
  payer: Record<string, string | null>;
  purpose: string;
  identified_at: Date | null;
  created_at: Date;
}

const view = (r: Row): IncomingView => ({
  operationId: r.id,
  amount: r.amount,
  payerName: r.payer['name'] ?? null,
  payerInn: r.payer['inn'] ?? null,
  payerBik: r.payer['bik'] ?? null,
  payerAccount: r.payer['account'] ?? null,
  purpose: r.purpose,
  identified: r.identified_at !== null,
  createdAt: r.created_at.toISOString(),
});

export async function insertIncoming(
  tx: Queryable,
  t: { id: string; amount: bigint; payer: object; purpose: string; now: Date },
): Promise<IncomingView> {
  const { rows } = await tx.query<Row>(
    'insert into incoming_transactions (id, amount, payer, purpose, created_at) values ($1, $2, $3, $4, $5) returning *',
    [t.id, t.amount, JSON.stringify(t.payer), t.purpose, t.now],
  );
  return view(rows[0] as Row);
}

export async function listUnidentified(
  db: Queryable,
  limit: number,
  offset: number,
): Promise<IncomingView[]> {
  const { rows } = await db.query<Row>(
    'select * from incoming_transactions where identified_at is null order by created_at, id limit $1 offset $2',
    [limit, offset],
  );
  return rows.map(view);
}

export async function lockIncoming(tx: Queryable, id: string): Promise<IncomingView | undefined> {
  const { rows } = await tx.query<Row>('select * from incoming_transactions where id = $1 for update', [id]);
  return rows[0] ? view(rows[0]) : undefined;
}

export async function markIdentified(
  tx: Queryable,
  id: string,
  distribution: object,
  now: Date,
): Promise<void> {
  await tx.query('update incoming_transactions set identified_at = $2, distribution = $3 where id = $1', [
    id,
    now,
    JSON.stringify(distribution),
  ]);
}
