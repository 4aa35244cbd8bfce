/**
 * An adjustable subscription (ADR 0046) on a source whose archive is a log (ADR 0040): with no pattern its
 * checkpoint moves over what it does not take and the relay still publishes; a pattern set at run time
 * takes the events archived after it was set.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { systemClock } from '@strongbox/kernel';
import { startConsumer } from './consumer.ts';
import type { ConsumerRouting } from './consumer-spec.ts';
import { append, effects, events, silent, unique, waitFor } from './testing.ts';
import { type LogDatabase, logDatabase, logService } from './testing-log.ts';

let ldb: LogDatabase;
before(async () => {
  ldb = await logDatabase('msg_adjustable_log');
});
after(async () => {
  await ldb.close();
});

it('given an adjustable consumer of a log with no pattern, then it passes over the log; once a pattern is set, it takes what is archived after', async () => {
  const svc = await logService(ldb.db.url);
  const transport = ldb.transport();
  const name = unique('c-adj-');
  let routing: ConsumerRouting | undefined;
  const consumer = await startConsumer(
    {
      name,
      eventTypes: [],
      adjustable: {
        attach: async (r) => {
          routing = r;
        },
      },
      handle: async (tx, e) =>
        void (await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id])),
    },
    { pool: svc.pool, transport, logger: silent, clock: systemClock },
  );
  await svc.startRelay(transport);
  const checkpoint = async () => {
    const { rows } = await svc.pool.query<{ position: bigint }>(
      'select position from messaging.log_checkpoints where consumer = $1 and source = $2',
      [name, svc.schema],
    );
    return BigInt(rows[0]?.position ?? 0n);
  };
  try {
    const [skipped] = events(svc.type, 1);
    await append(svc.pool, [skipped!]);
    const [position] = await waitFor('the event archived', async () => {
      const p = await svc.logPositions([skipped!.id]);
      return p.length === 1 ? p : undefined;
    });
    await waitFor('the checkpoint past it', async () => (await checkpoint()) >= position!);
    assert.deepEqual(await effects(svc.pool, name), []);

    await routing!.setEventTypes([svc.type]);
    const [taken] = events(svc.type, 1, 1);
    await append(svc.pool, [taken!]);
    await waitFor('the event taken', async () => (await effects(svc.pool, name)).length === 1);
    assert.deepEqual(await effects(svc.pool, name), [taken!.id]);
  } finally {
    await svc.stopRelays();
    await consumer.stop();
    await svc.stop();
  }
});
