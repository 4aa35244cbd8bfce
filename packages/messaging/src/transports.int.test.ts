/**
 * Delivery through both transports with the same consumer code: every test runs on PostgreSQL and, when
 * AMQP_URL is set, on RabbitMQ. Events go the whole way: outbox, relay, transport, consumer runtime,
 * handler.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type CloudEvent, systemClock } from '@strongbox/kernel';
import type { PoolClient } from '@strongbox/postgres';
import { HTTP, CloudEvent as SdkCloudEvent } from 'cloudevents';
import { startConsumer } from './consumer.ts';
import { startRelay } from './relay.ts';
import { append, effects, events, serviceSchema, silent, unique, waitFor } from './testing.ts';
import { counter, describeOnTransports } from './testing-suite.ts';

describeOnTransports('delivery', (s) => {
  it('delivers each event once, in outbox order, as a CloudEvent the cloudevents SDK accepts', async () => {
    const seen: CloudEvent[] = [];
    const p = await s().pipeline({ concurrency: 1, handle: async (_tx, e) => void seen.push(e) });
    try {
      const batches = [0, 1, 2, 3, 4].map((b) => events(p.type, 6, b * 6));
      for (const batch of batches) await append(p.pool, batch);
      const expected = batches.flat().map((e) => e.id);
      await waitFor('all events handled', async () => (await effects(p.pool, p.name)).length === 30);
      assert.deepEqual(await effects(p.pool, p.name), expected);
      for (const e of seen) {
        assert.equal(new SdkCloudEvent(e as unknown as Record<string, unknown>).validate(), true);
        const parsed = HTTP.toEvent({
          headers: { 'content-type': 'application/cloudevents+json' },
          body: JSON.stringify(e),
        }) as SdkCloudEvent;
        assert.equal(parsed.id, e.id);
        assert.equal(parsed['traceid'], e.traceid);
      }
      const { rows } = await p.pool.query('select count(*)::int as n from outbox where published_at is null');
      assert.equal(rows[0].n, 0, 'every event is marked published');
      assert.equal(await counter(p.registry, 'strongbox_outbox_published_total', { schema: p.schema }), 30);
      assert.match(
        await p.registry.metrics(),
        new RegExp(`strongbox_consumer_lag_messages\\{consumer="${p.name}"\\} 0`),
      );
    } finally {
      await p.stop();
    }
  });

  it('given an event no consumer subscribes to, then it is not marked published until a consumer subscribes', async () => {
    const p = await s().pipeline({});
    const lateName = unique('c-late-');
    s().consumers.push(lateName);
    const lateType = `${unique('t')}.nobody.listens`;
    try {
      const [orphan] = events(lateType, 1);
      await append(p.pool, [orphan!]);
      await waitFor(
        'the relay to report the event unroutable',
        async () =>
          (await counter(p.registry, 'strongbox_outbox_publish_failures_total', {
            schema: p.schema,
            reason: 'unroutable',
          })) >= 1,
      );
      const unpublished = await p.pool.query('select published_at from outbox where event_id = $1', [
        orphan!.id,
      ]);
      assert.equal(unpublished.rows[0].published_at, null, 'an unroutable event is not marked published');

      const late = await startConsumer(
        {
          name: lateName,
          eventTypes: [lateType],
          handle: async (tx, e) =>
            void (await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [
              lateName,
              e.id,
            ])),
        },
        { pool: p.pool, transport: s().transport, logger: silent, clock: systemClock },
      );
      try {
        await waitFor(
          'the late subscriber to get it',
          async () => (await effects(p.pool, lateName)).length === 1,
        );
        const published = await p.pool.query('select published_at from outbox where event_id = $1', [
          orphan!.id,
        ]);
        assert.ok(published.rows[0].published_at instanceof Date);
      } finally {
        await late.stop();
      }
    } finally {
      await p.stop();
    }
  });

  it('routes by topic pattern: * is one word, # any number', async () => {
    const svc = await serviceSchema(s().db.url);
    const prefix = unique('t');
    const narrow = unique('c-narrow-');
    const wide = unique('c-wide-');
    s().consumers.push(narrow, wide);
    const record = (name: string) => async (tx: PoolClient, e: CloudEvent) =>
      void (await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id]));
    const deps = { pool: svc.pool, transport: s().transport, logger: silent, clock: systemClock };
    const started = [
      await startConsumer({ name: narrow, eventTypes: [`${prefix}.a.*`], handle: record(narrow) }, deps),
      await startConsumer({ name: wide, eventTypes: [`${prefix}.#`], handle: record(wide) }, deps),
    ];
    const relay = await startRelay({ ...deps, schema: svc.schema });
    try {
      const [ax] = events(`${prefix}.a.x`, 1);
      const [bx] = events(`${prefix}.b.x`, 1);
      const [ayz] = events(`${prefix}.a.y.z`, 1);
      await append(svc.pool, [ax!, bx!, ayz!]);
      await waitFor(
        'the wide consumer to get all three',
        async () => (await effects(svc.pool, wide)).length === 3,
      );
      await waitFor(
        'the narrow consumer to get a.x',
        async () => (await effects(svc.pool, narrow)).length === 1,
      );
      assert.deepEqual(await effects(svc.pool, narrow), [ax!.id]);
    } finally {
      await relay.stop();
      for (const c of started) await c.stop();
      await svc.pool.end();
    }
  });
});
