import type { Queryable } from '@strongbox/postgres';
import { type NpdStatus, recipientStatusOf } from '../domain/self-employed.ts';

/** A self-employed recipient as the bank answers it. */
export interface SelfEmployedView {
  readonly id: number;
  readonly inn: string;
  readonly status: ReturnType<typeof recipientStatusOf>;
  readonly selfEmployedStatus: NpdStatus;
  readonly firstName: string;
  readonly lastName: string;
  readonly middleName: string | null;
  readonly creationDate: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}

interface Row {
  id: number;
  inn: string;
  first_name: string;
  last_name: string;
  middle_name: string | null;
  profile: Record<string, unknown>;
  npd_status: NpdStatus;
  created_at: Date;
  updated_at: Date;
}

const view = (r: Row): SelfEmployedView => ({
  id: r.id,
  inn: r.inn,
  status: recipientStatusOf(r.npd_status),
  selfEmployedStatus: r.npd_status,
  firstName: r.first_name,
  lastName: r.last_name,
  middleName: r.middle_name,
  ...r.profile,
  creationDate: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export interface NewSelfEmployed {
  readonly inn: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly middleName?: string | undefined;
  readonly profile: object;
  readonly npdDueAt: Date;
  readonly now: Date;
}

/** A new recipient, waiting for the tax service; undefined if one with this INN exists already. */
export async function insertSelfEmployed(tx: Queryable, r: NewSelfEmployed): Promise<number | undefined> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into se_recipients (inn, first_name, last_name, middle_name, profile, npd_status, npd_due_at, created_at, updated_at)
     values ($1, $2, $3, $4, $5, 'REGISTRATION_WAIT', $6, $7, $7) on conflict (inn) do nothing returning id`,
    [r.inn, r.firstName, r.lastName, r.middleName ?? null, JSON.stringify(r.profile), r.npdDueAt, r.now],
  );
  return rows[0]?.id;
}

export async function findSelfEmployed(db: Queryable, id: number): Promise<SelfEmployedView | undefined> {
  const { rows } = await db.query<Row>('select * from se_recipients where id = $1', [id]);
  return rows[0] ? view(rows[0]) : undefined;
}

export async function findSelfEmployedByInn(
  db: Queryable,
  inn: string,
): Promise<SelfEmployedView | undefined> {
  const { rows } = await db.query<Row>('select * from se_recipients where inn = $1', [inn]);
  return rows[0] ? view(rows[0]) : undefined;
}

export interface SelfEmployedFilter {
  readonly recipientIds?: readonly number[] | undefined;
  readonly inn?: readonly string[] | undefined;
  readonly selfEmployedStatus?: readonly NpdStatus[] | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** The list call's filters; each one left out matches every recipient. */
export async function listSelfEmployed(db: Queryable, f: SelfEmployedFilter): Promise<SelfEmployedView[]> {
  const { rows } = await db.query<Row>(
    `select * from se_recipients
     where ($1::int[] is null or id = any($1)) and ($2::text[] is null or inn = any($2))
       and ($3::text[] is null or npd_status = any($3))
     order by id limit $4 offset $5`,
    [f.recipientIds ?? null, f.inn ?? null, f.selfEmployedStatus ?? null, f.limit, f.offset],
  );
  return rows.map(view);
}

/**
 * Sets the NPD status of the recipient with this INN (a test's switch): a waiting one is decided again
 * after `dueAt`, any other status is final until it is set again.
 */
export async function setNpdStatusByInn(
  tx: Queryable,
  inn: string,
  status: NpdStatus,
  dueAt: Date | null,
  now: Date,
): Promise<SelfEmployedView | undefined> {
  const { rows } = await tx.query<Row>(
    `update se_recipients set npd_status = $2, npd_due_at = $3, updated_at = $4 where inn = $1 returning *`,
    [inn, status, dueAt, now],
  );
  return rows[0] ? view(rows[0]) : undefined;
}

/** Waiting registrations whose time has come, locked for the round that decides them. */
export async function dueRegistrations(
  tx: Queryable,
  now: Date,
  limit: number,
): Promise<Array<{ id: number; inn: string }>> {
  const { rows } = await tx.query<{ id: number; inn: string }>(
    `select id, inn from se_recipients where npd_status = 'REGISTRATION_WAIT' and npd_due_at <= $1
     order by npd_due_at limit $2 for update skip locked`,
    [now, limit],
  );
  return rows;
}

export async function setNpdStatus(tx: Queryable, id: number, status: NpdStatus, now: Date): Promise<void> {
  await tx.query(
    'update se_recipients set npd_status = $2, npd_due_at = null, updated_at = $3 where id = $1',
    [id, status, now],
  );
}
