import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate, type Pool, withTransaction } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { MIGRATIONS } from './migrations.ts';
import { logNotification, type ReceivedNotification } from './notification-log.ts';

let db: TestDatabase;
let pool: Pool;
let seq = 0;

const notification = (over: Partial<ReceivedNotification> = {}): ReceivedNotification => ({
  notificationId: `ntf_${++seq}`,
  receivedAt: new Date('2026-12-01T10:00:00Z'),
  verdict: 'authentic',
  headers: { 'x-timestamp': '1764583200' },
  rawBody: Buffer.from('{"amount":1234.56}'),
  traceId: 'trace-n',
  ...over,
});

before(async () => {
  db = await createTestDatabase('dealsntf');
  pool = db.pool(MIGRATIONS.schema);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db.drop();
});

describe('bank notification log', () => {
  it('given the same authentic notification twice, then it is logged and queued once', async () => {
    const n = notification();
    assert.deepEqual(await withTransaction(pool, (tx) => logNotification(tx, n)), { fresh: true });
    assert.deepEqual(await withTransaction(pool, (tx) => logNotification(tx, n)), { fresh: false });
    const { rows } = await pool.query('select raw_body from bank_notifications where notification_id = $1', [
      n.notificationId,
    ]);
    assert.deepEqual(
      rows.map((r) => (r.raw_body as Buffer).toString()),
      ['{"amount":1234.56}'],
    );
    const queued = await pool.query('select 1 from bank_notification_outcomes where notification_id = $1', [
      n.notificationId,
    ]);
    assert.equal(queued.rowCount, 1);
  });

  it('given a forged request with a real id first, then the genuine notification is still taken', async () => {
    const forged = notification({ verdict: 'signature_mismatch' });
    assert.deepEqual(await withTransaction(pool, (tx) => logNotification(tx, forged)), { fresh: true });
    const genuine = { ...forged, verdict: 'authentic' as const };
    assert.deepEqual(await withTransaction(pool, (tx) => logNotification(tx, genuine)), { fresh: true });
    const { rows } = await pool.query<{ verdict: string }>(
      'select verdict from bank_notifications where notification_id = $1 order by position',
      [forged.notificationId],
    );
    assert.deepEqual(
      rows.map((r) => r.verdict),
      ['signature_mismatch', 'authentic'],
    );
    const queued = await pool.query('select 1 from bank_notification_outcomes where notification_id = $1', [
      forged.notificationId,
    ]);
    assert.equal(queued.rowCount, 1);
  });

  it('refuses to update, delete or truncate the log, for the service role that owns it', async () => {
    const n = notification();
    await withTransaction(pool, (tx) => logNotification(tx, n));
    await assert.rejects(
      pool.query(`update bank_notifications set verdict = 'authentic' where notification_id = $1`, [
        n.notificationId,
      ]),
      /insert-only/,
    );
    await assert.rejects(
      pool.query('delete from bank_notifications where notification_id = $1', [n.notificationId]),
      /insert-only/,
    );
    await assert.rejects(pool.query('truncate bank_notifications'), /insert-only/);
    const { rowCount } = await pool.query('select 1 from bank_notifications where notification_id = $1', [
      n.notificationId,
    ]);
    assert.equal(rowCount, 1);
  });

  it('given the same authentic notification twice at once, outside any transaction, then one is fresh and it is queued once', async () => {
    const n = notification();
    const answers = await Promise.all([logNotification(pool, n), logNotification(pool, n)]);
    assert.deepEqual(answers.map((a) => a.fresh).sort(), [false, true]);
    const queued = await pool.query('select 1 from bank_notification_outcomes where notification_id = $1', [
      n.notificationId,
    ]);
    assert.equal(queued.rowCount, 1);
  });

  it('given a refused notification, then it is logged and not queued', async () => {
    const n = notification({ verdict: 'signature_stale' });
    assert.deepEqual(await logNotification(pool, n), { fresh: true });
    const queued = await pool.query('select 1 from bank_notification_outcomes where notification_id = $1', [
      n.notificationId,
    ]);
    assert.equal(queued.rowCount, 0);
  });
});
