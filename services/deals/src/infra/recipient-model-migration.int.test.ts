/** Migration 0012: profiles stored under the old legal types keep their meaning; each is an agent's. */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { ACCOUNT, BIK, COMPANY_INN, PERSON_INN } from '../test-support.ts';
import { MIGRATIONS } from './migrations.ts';

let db: TestDatabase;
let pool: Pool;
let before12: string;

before(async () => {
  db = await createTestDatabase('deals');
  pool = db.pool(MIGRATIONS.schema);
  before12 = await mkdtemp(join(tmpdir(), 'deals-migrations-'));
  await cp(MIGRATIONS.dir, before12, {
    recursive: true,
    // Every migration before 0012, as a database deployed before it has them.
    filter: (src) => Number(/(\d{4})-[^/\\]*\.sql$/.exec(src)?.[1] ?? 0) < 12,
  });
  await migrate(pool, { ...MIGRATIONS, dir: before12 });
});
after(async () => {
  await db?.drop();
  if (before12) await rm(before12, { recursive: true, force: true });
});

describe('migration 0012-recipient-model', () => {
  it('maps person to individual and entrepreneur to sole_proprietor, makes every profile an agent, and checks the new values', async () => {
    const old: Array<[string, string, string]> = [
      ['rcp_p', 'person', PERSON_INN],
      ['rcp_e', 'entrepreneur', PERSON_INN],
      ['rcp_s', 'self_employed', PERSON_INN],
      ['rcp_c', 'company', COMPANY_INN],
    ];
    for (const [id, legalType, inn] of old)
      await pool.query(
        `insert into recipients (recipient_id, user_id, legal_type, name, inn, account_number, bik, created_at, updated_at)
         values ($1, $2, $3, 'Petrov Ivan', $4, $5, $6, now(), now())`,
        [id, `usr_${id}`, legalType, inn, ACCOUNT, BIK],
      );
    await migrate(pool, MIGRATIONS);
    const { rows } = await pool.query(
      'select recipient_id, legal_type, role from recipients order by recipient_id',
    );
    assert.deepEqual(
      rows.map((r) => [r.recipient_id, r.legal_type, r.role]),
      [
        ['rcp_c', 'company', 'agent'],
        ['rcp_e', 'sole_proprietor', 'agent'],
        ['rcp_p', 'individual', 'agent'],
        ['rcp_s', 'self_employed', 'agent'],
      ],
    );
    await assert.rejects(
      pool.query(`update recipients set legal_type = 'person' where recipient_id = 'rcp_p'`),
      /recipients_legal_type_check/,
    );
    await assert.rejects(
      pool.query(`update recipients set role = 'notary' where recipient_id = 'rcp_p'`),
      /check/,
    );
  });
});
