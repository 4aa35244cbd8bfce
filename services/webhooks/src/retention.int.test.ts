import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import { recordEvent } from './app.ts';
import { DELIVERY_RETENTION_MS, purgeOldDeliveries } from './retention.ts';
import { type Harness, startWebhooks } from './test-support.ts';

let h: Harness;
before(async () => {
  h = await startWebhooks();
});
after(async () => {
  await h.close();
});

/** The documented retention (docs/runbooks/webhooks-operations.md): 30 days, written out, not the constant. */
const THIRTY_DAYS_MS = 30 * 24 * 60 * 60 * 1000;

describe('retention', () => {
  it('purges finished deliveries 30 days old with their attempts, never pending ones nor younger ones', async () => {
    const token = await h.token('usr_old', ['admin']);
    await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'r1' },
      payload: { url: 'http://127.0.0.1:9/x', eventTypes: ['*'] },
    });
    /** A delivery of a new event with the given status and one attempt row, as a finished send leaves. */
    const record = async (status: string) => {
      const e = cloudEvent({ service: 'balance', type: 'balance.x.y', subject: 's', data: {} }, h.clock);
      await withTransaction(h.pool, (tx) => recordEvent(tx, e, h.clock));
      await h.pool.query(
        `update deliveries set status = $2, next_attempt_at = case when $2 = 'pending' then now() end,
                attempt_count = 1
         where event_id = $1`,
        [e.id, status],
      );
      await h.pool.query(
        `insert into attempts (id, delivery_id, number, attempted_at, duration_ms, result)
         select 'att_' || id, id, 1, $2, 5, 'connection_error' from deliveries where event_id = $1`,
        [e.id, h.clock.now()],
      );
      return e.id;
    };
    const attemptsOf = async () => {
      const { rows } = await h.pool.query<{ event_id: string }>(
        'select d.event_id from attempts a join deliveries d on d.id = a.delivery_id',
      );
      return rows.map((r) => r.event_id).sort();
    };
    const purge = () => withTransaction(h.pool, (tx) => purgeOldDeliveries(tx, h.clock.now()));
    const oldDone = await record('succeeded');
    const oldFailed = await record('failed');
    const oldPending = await record('pending');
    assert.equal((await attemptsOf()).length, 3, 'each delivery has its attempt');

    h.clock.advance(THIRTY_DAYS_MS);
    const fresh = await record('failed');
    assert.equal(await purge(), 0, 'exactly 30 days old is still kept');
    h.clock.advance(1);
    assert.equal(await purge(), 2);
    const { rows } = await h.pool.query<{ event_id: string }>('select event_id from deliveries');
    assert.deepEqual(rows.map((r) => r.event_id).sort(), [oldPending, fresh].sort());
    assert.deepEqual(
      await attemptsOf(),
      [oldPending, fresh].sort(),
      'the purged deliveries took their attempts',
    );
    assert.ok(![oldDone, oldFailed].some((id) => rows.some((r) => r.event_id === id)));
    assert.equal(DELIVERY_RETENTION_MS, THIRTY_DAYS_MS);
  });
});
