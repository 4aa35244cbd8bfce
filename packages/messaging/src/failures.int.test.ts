/**
 * Failures on both transports: a consumer or relay that dies half-way, a handler that fails for a while,
 * and one that never succeeds. Every test runs on PostgreSQL and, when AMQP_URL is set, on RabbitMQ.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemClock } from '@strongbox/kernel';
import { replayDeadLetter } from './dead-letters/operations.ts';
import { append, effects, events, waitFor } from './testing.ts';
import { counter, describeOnTransports, type Pipeline } from './testing-suite.ts';
import type { Transport } from './transport.ts';

describeOnTransports('failures', (s) => {
  it('given a consumer that dies after its effect committed and before its ack, then the redelivery has no second effect', async () => {
    let crashed = false;
    const transport = s().transport;
    const crashing: Transport = {
      ...transport,
      subscribe: (sub, handlers) =>
        transport.subscribe(sub, {
          ...handlers,
          async onMessage(delivery) {
            const disposition = await handlers.onMessage(delivery);
            if (!crashed) {
              crashed = true;
              throw new Error('crash: the effect is committed, the ack is never sent');
            }
            return disposition;
          },
        }),
    };
    const p = await s().pipeline({ consumerTransport: crashing });
    try {
      const [e] = events(p.type, 1);
      await append(p.pool, [e!]);
      await waitFor(
        'the redelivery to be recognised as a duplicate',
        async () =>
          (await counter(p.registry, 'strongbox_consumer_messages_total', {
            consumer: p.name,
            result: 'duplicate',
          })) === 1,
      );
      assert.deepEqual(await effects(p.pool, p.name), [e!.id], 'exactly one effect');
      await waitFor('the queue to drain', async () => (await s().transport.depth(p.name)) === 0);
    } finally {
      await p.stop();
    }
  });

  it('given the relay dies after the transport confirmed and before marking, then events arrive again and take effect once', async () => {
    const holder: { p?: Pipeline } = {};
    let killed = false;
    const transport = s().transport;
    // The crash: right after the transport confirms the first batch, the relay's database session is
    // killed, so its mark never happens. The next leader session re-reads the same rows and publishes
    // them again.
    const publishedTimes = new Map<string, number>();
    const dying: Transport = {
      ...transport,
      async publish(list) {
        const outcome = await transport.publish(list);
        for (const e of list) publishedTimes.set(e.id, (publishedTimes.get(e.id) ?? 0) + 1);
        const pid = holder.p?.relayBackendPid();
        if (!killed && pid !== undefined) {
          killed = true;
          // With a timeout, pg_terminate_backend waits until the session has really ended, so the mark
          // cannot slip through on it.
          await holder.p?.pool.query('select pg_terminate_backend($1, 5000)', [pid]);
        }
        return outcome;
      },
    };
    const p = await s().pipeline({ relayTransport: dying });
    holder.p = p;
    try {
      const list = events(p.type, 20);
      await append(p.pool, list);
      await waitFor('all events handled', async () => (await effects(p.pool, p.name)).length === 20);
      await waitFor('every event marked published', async () => {
        const { rows } = await p.pool.query(
          'select count(*)::int as n from outbox where published_at is null',
        );
        return rows[0].n === 0;
      });
      assert.equal(killed, true);
      assert.deepEqual(
        (await effects(p.pool, p.name)).sort(),
        list.map((e) => e.id).sort(),
        'each event took effect once',
      );
      // The relay published some events twice (duplicate, never loss). Whether the copy then reaches the
      // handler depends on the transport: the PostgreSQL queue absorbs a copy of a delivery still waiting,
      // RabbitMQ delivers it and the inbox absorbs it; either way the effects above are exactly once.
      assert.ok(
        [...publishedTimes.values()].some((n) => n >= 2),
        'the relay republished what it had not marked',
      );
    } finally {
      await p.stop();
    }
  });

  it('given a handler that fails twice, then it is retried with backoff and takes effect once', async () => {
    const failures = new Map<string, number>();
    const p = await s().pipeline({
      attemptsMax: 5,
      handle: async (_tx, e) => {
        const n = failures.get(e.id) ?? 0;
        if (n < 2) {
          failures.set(e.id, n + 1);
          throw new Error(`transient failure ${n + 1}`);
        }
      },
    });
    try {
      const [e] = events(p.type, 1);
      await append(p.pool, [e!]);
      await waitFor('the event handled', async () => (await effects(p.pool, p.name)).length === 1);
      assert.equal(
        await counter(p.registry, 'strongbox_consumer_messages_total', {
          consumer: p.name,
          result: 'retried',
        }),
        2,
      );
      const { rows } = await p.pool.query('select count(*)::int as n from dead_letters');
      assert.equal(rows[0].n, 0);
    } finally {
      await p.stop();
    }
  });

  it('given a poison message, then it is dead-lettered exactly once with error, attempts and time, nothing else is dropped, and a replay delivers it', async () => {
    let cured = false;
    const p = await s().pipeline({
      attemptsMax: 3,
      handle: async (_tx, e) => {
        if ((e.data as { n: number }).n === 1 && !cured) throw new Error('poison: cannot handle n=1');
      },
    });
    try {
      const list = events(p.type, 3);
      await append(p.pool, list);
      const letter = await waitFor('one dead letter', async () => {
        const { rows } = await p.pool.query('select * from dead_letters where consumer = $1', [p.name]);
        return rows.length > 0 ? rows : undefined;
      });
      await waitFor('the others handled', async () => (await effects(p.pool, p.name)).length === 2);
      await waitFor('the queue to drain', async () => (await s().transport.depth(p.name)) === 0);
      const { rows } = await p.pool.query('select * from dead_letters where consumer = $1', [p.name]);
      assert.equal(rows.length, 1, 'exactly one copy');
      assert.equal(letter[0].event_id, list[1]!.id);
      assert.equal(rows[0].reason, 'handler_failed');
      assert.match(rows[0].error, /poison: cannot handle n=1/);
      assert.equal(rows[0].attempts, 3);
      assert.ok(rows[0].dead_lettered_at instanceof Date);
      assert.equal(rows[0].trace_id, 'trace1');
      assert.deepEqual((await effects(p.pool, p.name)).sort(), [list[0]!.id, list[2]!.id].sort());
      assert.match(
        await p.registry.metrics(),
        new RegExp(`strongbox_dead_letters\\{consumer="${p.name}"\\} 1`),
      );

      cured = true;
      const replayed = await replayDeadLetter(
        { pool: p.pool, transport: s().transport, clock: systemClock },
        rows[0].id,
        'usr_operator',
      );
      assert.equal(replayed.state, 'replayed');
      await waitFor('the replayed event handled', async () => (await effects(p.pool, p.name)).length === 3);
    } finally {
      await p.stop();
    }
  });
});
