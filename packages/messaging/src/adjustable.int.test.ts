/**
 * Adjustable subscriptions (ADR 0046), on both transports: patterns set at run time, none at all, kept by
 * a second subscriber of the same consumer, and removed by name. Every event type stays routable, so the
 * relay publishes an event nobody takes instead of waiting.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { systemClock } from '@strongbox/kernel';
import { startConsumer } from './consumer.ts';
import type { ConsumerRouting } from './consumer-spec.ts';
import { startRelay } from './relay.ts';
import { append, effects, events, serviceSchema, silent, unique, waitFor } from './testing.ts';
import { describeOnTransports } from './testing-suite.ts';
import type { Transport } from './transport.ts';

describeOnTransports('adjustable subscriptions', (s) => {
  /** A service schema with a relay, and a way to start adjustable consumers of one name on it. */
  const setup = async () => {
    const svc = await serviceSchema(s().db.url);
    const name = unique('c-adj-');
    s().consumers.push(name);
    const prefix = unique('t');
    const deps = { pool: svc.pool, logger: silent, clock: systemClock };
    const started: Array<{ stop(): Promise<void> }> = [];
    const consumer = async (transport: Transport = s().transport, eventTypes: string[] = []) => {
      let routing: ConsumerRouting | undefined;
      const c = await startConsumer(
        {
          name,
          eventTypes,
          // One at a time, so events are handled in the order they were routed.
          concurrency: 1,
          adjustable: {
            attach: async (r) => {
              routing = r;
            },
          },
          handle: async (tx, e) =>
            void (await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id])),
        },
        { ...deps, transport },
      );
      started.push(c);
      return routing!;
    };
    const relay = await startRelay({ ...deps, schema: svc.schema, transport: s().transport });
    const published = (id: string) =>
      waitFor(`event ${id} published`, async () => {
        const { rows } = await svc.pool.query('select published_at from outbox where event_id = $1', [id]);
        return rows[0]?.published_at instanceof Date;
      });
    return {
      svc,
      name,
      prefix,
      consumer,
      published,
      handled: () => effects(svc.pool, name),
      async stop() {
        await relay.stop();
        for (const c of started) await c.stop();
        await svc.pool.end();
      },
    };
  };

  it('given no pattern, then an event is published and dropped, not consumed', async () => {
    const t = await setup();
    try {
      await t.consumer();
      const [e] = events(`${t.prefix}.a.x`, 1);
      await append(t.svc.pool, [e!]);
      await t.published(e!.id);
      assert.deepEqual(await t.handled(), []);
      assert.equal(await s().transport.depth(t.name), 0, 'nothing waits for the consumer');
    } finally {
      await t.stop();
    }
  });

  it('given patterns set at run time, then an event published afterwards is taken, and one of a removed pattern is not', async () => {
    const t = await setup();
    try {
      const routing = await t.consumer();
      await routing.setEventTypes([`${t.prefix}.a.*`, `${t.prefix}.marker`]);
      const [ax] = events(`${t.prefix}.a.x`, 1);
      await append(t.svc.pool, [ax!]);
      await waitFor('a.x to be handled', async () => (await t.handled()).length === 1);

      await routing.setEventTypes([`${t.prefix}.marker`]);
      const [ay] = events(`${t.prefix}.a.y`, 1);
      const [marker] = events(`${t.prefix}.marker`, 1);
      await append(t.svc.pool, [ay!, marker!]);
      // One handler at a time in routing order: once the marker is handled, a.y would have been before it.
      await waitFor('the marker to be handled', async () => (await t.handled()).includes(marker!.id));
      assert.deepEqual(await t.handled(), [ax!.id, marker!.id]);
    } finally {
      await t.stop();
    }
  });

  it('given a second subscriber of the same consumer starting with no pattern, then the patterns in place stay', async () => {
    const t = await setup();
    // Another process of the same consumer, on a transport of its own, as at a rolling restart.
    const second = s().other();
    try {
      const routing = await t.consumer();
      await routing.setEventTypes([`${t.prefix}.a.x`]);
      await t.consumer(second, []);
      const [ax] = events(`${t.prefix}.a.x`, 1);
      await append(t.svc.pool, [ax!]);
      await waitFor('a.x to be handled', async () => (await t.handled()).length === 1);
    } finally {
      await t.stop();
      await second.close();
    }
  });

  it('given a pattern another subscriber put in place, then naming it in unbind removes it', async () => {
    const t = await setup();
    const second = s().other();
    try {
      const first = await t.consumer();
      await first.setEventTypes([`${t.prefix}.a.x`, `${t.prefix}.marker`]);
      const routing = await t.consumer(second, []);
      await routing.setEventTypes([`${t.prefix}.marker`], { unbind: [`${t.prefix}.a.x`] });
      const [ax] = events(`${t.prefix}.a.x`, 1);
      const [marker] = events(`${t.prefix}.marker`, 1);
      await append(t.svc.pool, [ax!, marker!]);
      await waitFor('the marker to be handled', async () => (await t.handled()).includes(marker!.id));
      assert.deepEqual(await t.handled(), [marker!.id]);
    } finally {
      await t.stop();
      await second.close();
    }
  });

  it('given a consumer that is not adjustable, then it needs a pattern and its patterns cannot be set', async () => {
    const svc = await serviceSchema(s().db.url);
    const name = unique('c-static-');
    s().consumers.push(name);
    try {
      const deps = { pool: svc.pool, transport: s().transport, logger: silent, clock: systemClock };
      await assert.rejects(
        startConsumer({ name, eventTypes: [], handle: async () => undefined }, deps),
        /between 1 and 32/,
      );
      const sub = await s().transport.subscribe(
        { name, eventTypes: ['x.y'], concurrency: 1 },
        { onMessage: async () => ({ kind: 'ack' }), onDeadLettered: async () => undefined },
      );
      try {
        await assert.rejects(sub.setEventTypes(['x.z']), /not adjustable/);
      } finally {
        await sub.stop();
      }
    } finally {
      await svc.pool.end();
    }
  });
});
