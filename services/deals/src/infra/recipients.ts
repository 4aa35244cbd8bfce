import { prepared, type Queryable } from '@strongbox/postgres';
import type { LegalType, Recipient, RecipientRole } from '../domain/recipient.ts';

interface Row {
  recipient_id: string;
  user_id: string;
  role: RecipientRole;
  legal_type: LegalType;
  name: string;
  inn: string;
  account_number: string;
  bik: string;
  created_at: Date;
  updated_at: Date;
  beneficiary_id: string | null;
  scoring_status: NonNullable<Recipient['bank']>['scoring'];
  npd_status: string | null;
  npd_checked_at: Date | null;
}

const COLUMNS =
  'recipient_id, user_id, role, legal_type, name, inn, account_number, bik, created_at, updated_at';
/** What the bank-task worker stored on the profile (migration 0007), read with it. */
const BANK_COLUMNS = 'beneficiary_id, scoring_status, npd_status, npd_checked_at';

const toRecipient = (r: Row): Recipient => ({
  id: r.recipient_id,
  userId: r.user_id,
  role: r.role,
  legalType: r.legal_type,
  name: r.name,
  inn: r.inn,
  accountNumber: r.account_number,
  bik: r.bik,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  bank: {
    beneficiaryId: r.beneficiary_id,
    scoring: r.scoring_status,
    npd:
      r.npd_status !== null && r.npd_checked_at !== null
        ? { status: r.npd_status, checkedAt: r.npd_checked_at }
        : null,
  },
});

/** Remembers the NPD status the bank answered for the profile (a worker's check, never a request's). */
export async function storeNpdStatus(
  q: Queryable,
  recipientId: string,
  status: string,
  at: Date,
): Promise<void> {
  await q.query(
    prepared('update recipients set npd_status = $2, npd_checked_at = $3 where recipient_id = $1', [
      recipientId,
      status.slice(0, 64),
      at,
    ]),
  );
}

/** The user's profile; `forUpdate` locks it so two saves of one user's profile run one after the other. */
export async function findRecipientOf(
  q: Queryable,
  userId: string,
  forUpdate = false,
): Promise<Recipient | undefined> {
  const { rows } = await q.query<Row>(
    prepared(
      `select ${COLUMNS}, ${BANK_COLUMNS} from recipients where user_id = $1${forUpdate ? ' for update' : ''}`,
      [userId],
    ),
  );
  return rows[0] ? toRecipient(rows[0]) : undefined;
}

/**
 * Inserts the profile, or replaces the details of the user's existing one (its id and creation time stay);
 * answers the profile as stored, which is the first one's id when two first saves raced.
 */
export async function saveRecipient(q: Queryable, r: Recipient): Promise<Recipient> {
  const { rows } = await q.query<Row>(
    prepared(
      `insert into recipients (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (user_id) do update set role = excluded.role, legal_type = excluded.legal_type,
         name = excluded.name,
         inn = excluded.inn, account_number = excluded.account_number, bik = excluded.bik,
         updated_at = excluded.updated_at
       returning ${COLUMNS}, ${BANK_COLUMNS}`,
      [r.id, r.userId, r.role, r.legalType, r.name, r.inn, r.accountNumber, r.bik, r.createdAt, r.updatedAt],
    ),
  );
  return toRecipient(rows[0] as Row);
}

/** The user behind each of `ids` that has a profile. */
export async function recipientUsers(
  q: Queryable,
  ids: readonly string[],
): Promise<ReadonlyMap<string, string>> {
  const { rows } = await q.query<{ recipient_id: string; user_id: string }>(
    prepared('select recipient_id, user_id from recipients where recipient_id = any($1::text[])', [ids]),
  );
  return new Map(rows.map((r) => [r.recipient_id, r.user_id]));
}

/**
 * Inserts a configured profile (the platform's), or replaces its details when they changed; an unchanged
 * profile keeps its update time, so starting again queues no new registration at the bank.
 */
export async function keepConfiguredRecipient(q: Queryable, r: Recipient): Promise<Recipient> {
  const { rows } = await q.query<Row>(
    prepared(
      `insert into recipients (${COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       on conflict (user_id) do update set role = excluded.role, legal_type = excluded.legal_type,
         name = excluded.name, inn = excluded.inn, account_number = excluded.account_number,
         bik = excluded.bik, updated_at = excluded.updated_at
       where (recipients.role, recipients.legal_type, recipients.name, recipients.inn,
              recipients.account_number, recipients.bik)
         is distinct from (excluded.role, excluded.legal_type, excluded.name, excluded.inn,
              excluded.account_number, excluded.bik)
       returning ${COLUMNS}, ${BANK_COLUMNS}`,
      [r.id, r.userId, r.role, r.legalType, r.name, r.inn, r.accountNumber, r.bik, r.createdAt, r.updatedAt],
    ),
  );
  if (rows[0]) return toRecipient(rows[0]);
  const kept = await findRecipientOf(q, r.userId);
  if (!kept) throw new Error(`configured profile of ${r.userId} vanished`);
  return kept;
}
