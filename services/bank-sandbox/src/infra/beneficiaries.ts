import type { Queryable } from '@strongbox/postgres';
import type { BeneficiaryType, ScoringStatus } from '../domain/beneficiary.ts';

/** The beneficiary as the bank answers it. */
export interface BeneficiaryView {
  readonly beneficiaryId: string;
  readonly type: BeneficiaryType;
  readonly inn: string | null;
  readonly isSelfEmployed: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

export interface ScoringView {
  readonly beneficiaryId: string;
  readonly status: ScoringStatus;
  readonly warnings: unknown[];
  readonly errors: unknown[];
}

interface Row {
  id: string;
  type: BeneficiaryType;
  inn: string | null;
  is_self_employed: boolean;
  profile: Record<string, unknown>;
  scoring_status: ScoringStatus;
  scoring_errors: unknown[];
  created_at: Date;
  updated_at: Date;
}

const view = (r: Row): BeneficiaryView => ({
  beneficiaryId: r.id,
  type: r.type,
  inn: r.inn,
  isSelfEmployed: r.is_self_employed,
  ...r.profile,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function insertBeneficiary(
  tx: Queryable,
  b: {
    id: string;
    type: BeneficiaryType;
    inn: string | undefined;
    isSelfEmployed: boolean;
    profile: object;
    scoringDueAt: Date;
    now: Date;
  },
): Promise<BeneficiaryView> {
  const { rows } = await tx.query<Row>(
    `insert into beneficiaries (id, type, inn, is_self_employed, profile, scoring_status, scoring_due_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'IN_PROGRESS', $6, $7, $7) returning *`,
    [b.id, b.type, b.inn ?? null, b.isSelfEmployed, JSON.stringify(b.profile), b.scoringDueAt, b.now],
  );
  await tx.query('insert into balances (beneficiary_id) values ($1)', [b.id]);
  return view(rows[0] as Row);
}

export async function findBeneficiary(db: Queryable, id: string): Promise<BeneficiaryView | undefined> {
  const { rows } = await db.query<Row>('select * from beneficiaries where id = $1', [id]);
  return rows[0] ? view(rows[0]) : undefined;
}

export async function listBeneficiaries(
  db: Queryable,
  limit: number,
  offset: number,
): Promise<BeneficiaryView[]> {
  const { rows } = await db.query<Row>(
    'select * from beneficiaries order by created_at, id limit $1 offset $2',
    [limit, offset],
  );
  return rows.map(view);
}

export async function updateBeneficiary(
  tx: Queryable,
  id: string,
  change: { isSelfEmployed?: boolean | undefined; profile: object; now: Date },
): Promise<BeneficiaryView | undefined> {
  const { rows } = await tx.query<Row>(
    `update beneficiaries set profile = profile || $2::jsonb, is_self_employed = coalesce($3, is_self_employed), updated_at = $4
     where id = $1 returning *`,
    [id, JSON.stringify(change.profile), change.isSelfEmployed ?? null, change.now],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

const scoringView = (r: Pick<Row, 'id' | 'scoring_status' | 'scoring_errors'>): ScoringView => ({
  beneficiaryId: r.id,
  status: r.scoring_status,
  warnings: [],
  errors: r.scoring_errors,
});

export async function findScorings(
  db: Queryable,
  beneficiaryId: string | undefined,
  limit: number,
): Promise<ScoringView[]> {
  const { rows } = await db.query<Row>(
    `select id, scoring_status, scoring_errors from beneficiaries where ($1::uuid is null or id = $1)
     order by created_at, id limit $2`,
    [beneficiaryId ?? null, limit],
  );
  return rows.map(scoringView);
}

/** Scorings whose time has come, locked for the round that decides them. */
export async function dueScorings(
  tx: Queryable,
  now: Date,
  limit: number,
): Promise<Array<{ id: string; inn: string | null }>> {
  const { rows } = await tx.query<{ id: string; inn: string | null }>(
    `select id, inn from beneficiaries where scoring_status = 'IN_PROGRESS' and scoring_due_at <= $1
     order by scoring_due_at limit $2 for update skip locked`,
    [now, limit],
  );
  return rows;
}

export async function setScoring(
  tx: Queryable,
  id: string,
  status: ScoringStatus,
  errors: readonly unknown[],
  now: Date,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `update beneficiaries set scoring_status = $2, scoring_errors = $3, scoring_due_at = null, updated_at = $4 where id = $1`,
    [id, status, JSON.stringify(errors), now],
  );
  return rowCount === 1;
}

/** Which of these beneficiaries have not (yet) passed scoring, with their status. */
export async function unscored(
  db: Queryable,
  ids: readonly string[],
): Promise<Array<{ id: string; status: ScoringStatus }>> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: string; status: ScoringStatus }>(
    `select id, scoring_status as status from beneficiaries where id = any($1::uuid[]) and scoring_status <> 'SUCCEEDED'`,
    [ids],
  );
  return rows;
}
