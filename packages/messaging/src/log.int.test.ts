/**
 * ADR 0040: a service with the outbox archive, on the PostgreSQL transport, is read by its consumers as a
 * log from checkpoints of their own: commit order (ADR 0008), no deliveries written, unsubscribed events
 * still wait, a new subscription starts at the log's end, retries go through deliveries, a handler with no
 * outcome gets the event again, and depth counts the log lag.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { appendOutbox } from '@strongbox/postgres';
import { append, events, unique, waitFor } from './testing.ts';
import {
  checkpoint,
  deliveriesInserted,
  type LogDatabase,
  logConsumer,
  logDatabase,
  logService,
} from './testing-log.ts';
import { counter } from './testing-suite.ts';
import type { Delivery, Transport } from './transport.ts';

let ldb: LogDatabase;
let transport: Transport;
before(async () => {
  ldb = await logDatabase('msg_log');
  transport = ldb.transport();
});
after(async () => {
  await ldb.close();
});

describe('a service whose archive is a log', () => {
  it('given a transaction that appended first and commits last, then each event reaches the consumer once, in commit order, and no deliveries row is written', async () => {
    const svc = await logService(ldb.db.url);
    const c = await logConsumer(svc, transport, { concurrency: 1 });
    await svc.startRelay(transport);
    const held = await svc.pool.connect();
    try {
      const insertedBefore = await deliveriesInserted(svc.pool);
      const [early, later] = events(svc.type, 2);
      const batches = [0, 1, 2].map((b) => events(svc.type, 5, 10 + b * 5));
      await held.query('begin');
      await appendOutbox(held, [early!]);
      await append(svc.pool, [later!]);
      await waitFor('the later commit handled', async () => (await c.handled()).length === 1);
      await held.query('commit');
      for (const batch of batches) await append(svc.pool, batch);
      const expected = [later!.id, early!.id, ...batches.flat().map((e) => e.id)];
      await waitFor('all handled', async () => (await c.handled()).length === expected.length);
      assert.deepEqual(await c.handled(), expected, 'handled once each, in commit order');
      assert.equal(await c.results('duplicate'), 0);
      assert.equal(await deliveriesInserted(svc.pool), insertedBefore, 'no deliveries row was written');
      const positions = await svc.logPositions(expected);
      await waitFor(
        'the checkpoint past the last event',
        async () => (await checkpoint(svc.pool, c.name, svc.schema)) === positions.at(-1),
      );
      assert.equal(await transport.depth(c.name), 0);
      assert.equal(
        await counter(svc.registry, 'strongbox_outbox_published_total', { schema: svc.schema }),
        17,
      );
    } finally {
      held.release();
      await c.stop();
      await svc.stop();
    }
  });

  it('given a service whose relay published through deliveries before, then once its archive is a log the consumers go on after what they had', async () => {
    const svc = await logService(ldb.db.url);
    const c = await logConsumer(svc, transport);
    // The relay before this change: a transport without logs, so events went through deliveries.
    const { logs: _logs, ...withoutLogs } = transport;
    await svc.startRelay(withoutLogs);
    const [e1, e2] = events(svc.type, 2);
    try {
      const insertedBefore = await deliveriesInserted(svc.pool);
      await append(svc.pool, [e1!]);
      await waitFor('e1 handled', async () => (await c.handled()).length === 1);
      assert.ok((await deliveriesInserted(svc.pool)) > insertedBefore, 'e1 was a delivery');
      await waitFor('e1 archived', async () => (await svc.logPositions([e1!.id])).length === 1);
      await svc.stopRelays();
      await svc.startRelay(transport);
      await append(svc.pool, [e2!]);
      await waitFor('e2 handled', async () => (await c.handled()).length === 2);
      assert.deepEqual(await c.handled(), [e1!.id, e2!.id]);
      assert.equal(await c.results('duplicate'), 0, 'e1 is not read from the log again');
      const [p2] = await svc.logPositions([e2!.id]);
      await waitFor(
        'the checkpoint at e2',
        async () => (await checkpoint(svc.pool, c.name, svc.schema)) === p2,
      );
    } finally {
      await c.stop();
      await svc.stop();
    }
  });

  it('given an event no consumer subscribes to, then it waits in the outbox until one subscribes, and that one gets it', async () => {
    const svc = await logService(ldb.db.url);
    await svc.startRelay(transport);
    const c = await logConsumer(svc, transport);
    const lateType = `${unique('t')}.nobody.listens`;
    let late: Awaited<ReturnType<typeof logConsumer>> | undefined;
    try {
      const [orphan] = events(lateType, 1);
      await append(svc.pool, [orphan!]);
      await waitFor(
        'the relay to report the event unroutable',
        async () =>
          (await counter(svc.registry, 'strongbox_outbox_publish_failures_total', {
            schema: svc.schema,
            reason: 'unroutable',
          })) >= 1,
      );
      assert.equal(await svc.count('select count(*)::int as n from outbox'), 1, 'it waits in the outbox');
      late = await logConsumer(svc, transport, { eventTypes: [lateType] });
      await waitFor('the late subscriber to get it', async () => (await late?.handled())?.length === 1);
      assert.equal(await svc.count('select count(*)::int as n from outbox'), 0);
      assert.deepEqual(await c.handled(), []);
    } finally {
      await late?.stop();
      await c.stop();
      await svc.stop();
    }
  });

  it('given a new subscription, then it starts after the log end and gets every event routed after it subscribed', async () => {
    const svc = await logService(ldb.db.url);
    const first = await logConsumer(svc, transport);
    await svc.startRelay(transport);
    let second: Awaited<ReturnType<typeof logConsumer>> | undefined;
    try {
      const before = events(svc.type, 3);
      await append(svc.pool, before);
      await waitFor('the first consumer to handle them', async () => (await first.handled()).length === 3);
      second = await logConsumer(svc, transport);
      const [afterwards] = events(svc.type, 1, 3);
      await append(svc.pool, [afterwards!]);
      await waitFor(
        'the second consumer to get the new event',
        async () => (await second?.handled())?.length === 1,
      );
      await waitFor('the first to get it too', async () => (await first.handled()).length === 4);
      assert.deepEqual(await second.handled(), [afterwards!.id], 'nothing from before it subscribed');
    } finally {
      await second?.stop();
      await first.stop();
      await svc.stop();
    }
  });

  it('given a handler that fails, then its retry goes through deliveries and the log moves on meanwhile', async () => {
    const svc = await logService(ldb.db.url);
    const [failing, next] = events(svc.type, 2);
    let nextCommitted = false;
    let failures = 0;
    const c = await logConsumer(svc, transport, {
      concurrency: 1,
      attemptsMax: 50,
      async handle(_tx, e) {
        if (e.id === failing!.id && !nextCommitted) {
          failures++;
          throw new Error('not yet');
        }
        if (e.id === next!.id) nextCommitted = true;
      },
    });
    await svc.startRelay(transport);
    try {
      const insertedBefore = await deliveriesInserted(svc.pool);
      await append(svc.pool, [failing!, next!]);
      await waitFor('both handled', async () => (await c.handled()).length === 2);
      assert.deepEqual(await c.handled(), [next!.id, failing!.id], 'the failing event did not hold the log');
      assert.ok(failures >= 1);
      assert.ok((await deliveriesInserted(svc.pool)) > insertedBefore, 'the retry was a delivery');
      await waitFor('the retry delivery acked', async () => (await transport.depth(c.name)) === 0);
      assert.ok((await c.results('retried')) >= 1);
    } finally {
      await c.stop();
      await svc.stop();
    }
  });

  it('given a handler that ends without an outcome, then the event is read again with a higher attempt, each time', async () => {
    const svc = await logService(ldb.db.url);
    const name = unique('c-');
    const attempts: number[] = [];
    const [poison] = events(svc.type, 1);
    const sub = await transport.subscribe(
      { name, eventTypes: [svc.type], concurrency: 2 },
      {
        async onMessage(delivery: Delivery) {
          attempts.push(delivery.attempt);
          if (attempts.length < 4) throw new Error('no outcome');
          return { kind: 'ack' };
        },
        onDeadLettered: async () => undefined,
      },
    );
    await svc.startRelay(transport);
    try {
      await append(svc.pool, [poison!]);
      await waitFor('four deliveries', async () => attempts.length >= 4);
      assert.deepEqual(attempts.slice(0, 4), [1, 2, 3, 4], 'every read again counts');
      const [position] = await svc.logPositions([poison!.id]);
      await waitFor(
        'the checkpoint past it',
        async () => (await checkpoint(svc.pool, name, svc.schema)) === position,
      );
      assert.equal(attempts.length, 4, 'acked once it had an outcome');
    } finally {
      await sub.stop();
      await svc.stop();
    }
  });

  it('given an event whose handling never ends with an outcome, then the consumer runtime dead-letters it at its delivery limit and the log goes on', async () => {
    const svc = await logService(ldb.db.url);
    const [poison, next] = events(svc.type, 2);
    const attempts: number[] = [];
    // As if the process died in the handler each time: the runtime never sees these deliveries.
    const crashing: Transport = {
      ...transport,
      subscribe: (sub, handlers) =>
        transport.subscribe(sub, {
          ...handlers,
          async onMessage(delivery) {
            if ((delivery.body as { id?: string }).id !== poison!.id)
              return await handlers.onMessage(delivery);
            attempts.push(delivery.attempt);
            if (delivery.attempt <= 3) throw new Error('crash');
            return await handlers.onMessage(delivery);
          },
        }),
    };
    const c = await logConsumer(svc, crashing, { attemptsMax: 3 });
    await svc.startRelay(transport);
    try {
      await append(svc.pool, [poison!]);
      await waitFor('dead-lettered', async () =>
        svc
          .count(
            "select count(*)::int as n from dead_letters where consumer = $1 and reason = 'delivery_limit'",
            [c.name],
          )
          .then((n) => n === 1),
      );
      assert.deepEqual(attempts, [1, 2, 3, 4]);
      await append(svc.pool, [next!]);
      await waitFor('the next event handled', async () => (await c.handled()).length === 1);
      assert.deepEqual(await c.handled(), [next!.id]);
    } finally {
      await c.stop();
      await svc.stop();
    }
  });

  it('counts the rows after the checkpoint that the consumer takes in its depth', async () => {
    const svc = await logService(ldb.db.url);
    const other = await logConsumer(svc, transport, { eventTypes: [`${svc.type}`, 'other.#'] });
    const c = await logConsumer(svc, transport);
    await c.stop();
    await svc.startRelay(transport);
    let again: Awaited<ReturnType<typeof logConsumer>> | undefined;
    try {
      await append(svc.pool, [...events(svc.type, 3), ...events('other.thing.happened', 2)]);
      await waitFor(
        'the other consumer to handle all five',
        async () => (await other.handled()).length === 5,
      );
      assert.equal(await transport.depth(c.name), 3, 'the stopped consumer lags by its three');
      // The other consumer's checkpoint moves in the round after its handlers: wait for it, not assert.
      await waitFor('the other consumer without lag', async () => (await transport.depth(other.name)) === 0);
      again = await logConsumer(svc, transport, { name: c.name });
      await waitFor('it catches up', async () => (await again?.handled())?.length === 3);
      await waitFor('no lag', async () => (await transport.depth(c.name)) === 0);
    } finally {
      await again?.stop();
      await other.stop();
      await svc.stop();
    }
  });
});
