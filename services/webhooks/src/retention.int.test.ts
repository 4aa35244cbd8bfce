import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cloudEvent } from '@strongbox/kernel';
import { withTransaction } from '@strongbox/postgres';
import { recordEvent } from './record-event.ts';
import { DELIVERY_RETENTION_MS, purgeOldDeliveries } from './retention.ts';
import { type Harness, startWebhooks } from './test-support.ts';

let h: Harness;
before(async () => {
  h = await startWebhooks();
});
after(async () => {
  await h.close();
});

describe('retention', () => {
  it('purges finished deliveries past the retention with their attempts, never pending ones', async () => {
    const token = await h.token('usr_old', ['admin']);
    await h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'r1' },
      payload: { url: 'http://127.0.0.1:9/x', eventTypes: ['*'] },
    });
    const record = async (status: string) => {
      const e = cloudEvent({ service: 'balance', type: 'balance.x.y', subject: 's', data: {} }, h.clock);
      await withTransaction(h.pool, (tx) => recordEvent(tx, e, h.clock));
      await h.pool.query(
        `update deliveries set status = $2, next_attempt_at = case when $2 = 'pending' then now() end
         where event_id = $1`,
        [e.id, status],
      );
      return e.id;
    };
    const oldDone = await record('succeeded');
    const oldFailed = await record('failed');
    const oldPending = await record('pending');
    h.clock.advance(DELIVERY_RETENTION_MS);
    const fresh = await record('failed');
    h.clock.advance(1);
    const purged = await withTransaction(h.pool, (tx) => purgeOldDeliveries(tx, h.clock.now()));
    assert.equal(purged, 2);
    const { rows } = await h.pool.query<{ event_id: string }>(
      'select event_id from deliveries order by event_id',
    );
    assert.deepEqual(rows.map((r) => r.event_id).sort(), [oldPending, fresh].sort());
    assert.ok(![oldDone, oldFailed].some((id) => rows.some((r) => r.event_id === id)));
  });
});
