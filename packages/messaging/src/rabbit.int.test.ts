/**
 * What only RabbitMQ has: the wire format on the exchange, the broker's own dead-lettering, and
 * reconnection after the broker drops every connection mid-stream.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { systemClock } from '@strongbox/kernel';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { HTTP } from 'cloudevents';
import { Connection } from 'rabbitmq-client';
import { startConsumer } from './consumer.ts';
import { CLOUDEVENTS_CONTENT_TYPE } from './envelope.ts';
import { RABBIT_DELIVERY_LIMIT, rabbitNames } from './rabbit-topology.ts';
import { rabbitTransport } from './rabbit-transport.ts';
import { startRelay } from './relay.ts';
import {
  AMQP_URL,
  append,
  deleteRabbitQueues,
  effects,
  events,
  forceCloseConnections,
  serviceSchema,
  silent,
  unique,
  waitFor,
} from './testing.ts';
import type { Transport } from './transport.ts';

/** A real `rabbitmqctl stop_app`/`start_app` disturbs every other test on the broker, so it is opt-in. */
const FULL_RESTART = process.env['STRONGBOX_TEST_BROKER_RESTART'] === '1';
const run = promisify(execFile);

describe('on RabbitMQ', { skip: AMQP_URL ? false : 'AMQP_URL is not set' }, () => {
  let db: TestDatabase;
  const namespace = unique('test-');
  const { exchange } = rabbitNames('', namespace);
  const consumers: string[] = [];
  const transports: Transport[] = [];
  const transport = (connectionName = unique('strongbox-test-')) => {
    const t = rabbitTransport({ url: AMQP_URL ?? '', namespace, connectionName, logger: silent });
    transports.push(t);
    return t;
  };
  before(async () => {
    db = await createTestDatabase('rabbit');
  });
  after(async () => {
    if (FULL_RESTART) await run('rabbitmqctl', ['start_app']).catch(() => undefined);
    for (const t of transports) await t.close();
    await deleteRabbitQueues(consumers, namespace);
    await db.drop();
  });

  it('publishes structured CloudEvents to the topic exchange with the type as routing key', async () => {
    const svc = await serviceSchema(db.url);
    const type = `${unique('t')}.thing.happened`;
    const queue = unique('raw-');
    const rabbit = new Connection({ url: AMQP_URL, connectionTimeout: 5_000 });
    const t = transport();
    const relay = await startRelay({
      pool: svc.pool,
      schema: svc.schema,
      transport: t,
      logger: silent,
      clock: systemClock,
    });
    try {
      await rabbit.exchangeDeclare({ exchange, type: 'topic', durable: true });
      await rabbit.queueDeclare({ queue, exclusive: true });
      await rabbit.queueBind({ queue, exchange, routingKey: type });
      const [e] = events(type, 1);
      await append(svc.pool, [e!]);
      const msg = await waitFor(
        'the message in the bound queue',
        async () => await rabbit.basicGet({ queue, noAck: true }),
      );
      assert.equal(msg.routingKey, type);
      assert.equal(msg.messageId, e!.id);
      assert.equal(msg.contentType, CLOUDEVENTS_CONTENT_TYPE);
      assert.equal(msg.durable, true);
      const parsed = HTTP.toEvent({
        headers: { 'content-type': msg.contentType ?? '' },
        body: (msg.body as Buffer).toString('utf8'),
      });
      assert.deepEqual(JSON.parse(JSON.stringify(parsed)), JSON.parse(JSON.stringify(e)));
    } finally {
      await relay.stop();
      await rabbit.close();
      await svc.pool.end();
    }
  });

  it('given a consumer that dies on every delivery, then the broker dead-letters the message and it lands once in dead_letters', async () => {
    const svc = await serviceSchema(db.url);
    const type = `${unique('t')}.thing.happened`;
    const name = unique('c-');
    consumers.push(name);
    const inner = transport();
    let deliveries = 0;
    // Throwing before the runtime sees the message is what a process that dies at once looks like to the
    // broker: the message comes back unacknowledged, again and again, until the delivery limit.
    const dying: Transport = {
      ...inner,
      subscribe: (sub, handlers) =>
        inner.subscribe(sub, {
          ...handlers,
          async onMessage() {
            deliveries++;
            throw new Error('the process died');
          },
        }),
    };
    const consumer = await startConsumer(
      { name, eventTypes: [type], handle: async () => undefined },
      { pool: svc.pool, transport: dying, logger: silent, clock: systemClock },
    );
    const relay = await startRelay({
      pool: svc.pool,
      schema: svc.schema,
      transport: inner,
      logger: silent,
      clock: systemClock,
    });
    try {
      const [e] = events(type, 1);
      await append(svc.pool, [e!]);
      const rows = await waitFor('the dead letter recorded', async () => {
        const r = await svc.pool.query('select * from dead_letters where consumer = $1', [name]);
        return r.rows.length > 0 ? r.rows : undefined;
      });
      assert.equal(rows.length, 1);
      assert.equal(rows[0].event_id, e!.id);
      assert.equal(rows[0].reason, 'delivery_limit');
      assert.match(rows[0].error, /delivery_limit/);
      assert.equal(deliveries, RABBIT_DELIVERY_LIMIT + 1, 'delivered up to the limit, then set aside');
      // depth() names a consumer; the dead queue is `<consumer>.dead` within the same namespace.
      await waitFor('the dead-letter queue drained', async () => (await inner.depth(`${name}.dead`)) === 0);
    } finally {
      await relay.stop();
      await consumer.stop();
      await svc.pool.end();
    }
  });

  it(`given the broker drops every connection mid-stream${FULL_RESTART ? ' (a full restart)' : ''}, then nothing is lost and the consumer resumes`, async () => {
    const svc = await serviceSchema(db.url);
    const type = `${unique('t')}.thing.happened`;
    const name = unique('c-');
    consumers.push(name);
    const connectionName = unique('strongbox-restart-');
    const t = transport(connectionName);
    const consumer = await startConsumer(
      {
        name,
        eventTypes: [type],
        concurrency: 4,
        handle: async (tx, e) => {
          await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id]);
        },
      },
      { pool: svc.pool, transport: t, logger: silent, clock: systemClock },
    );
    const relay = await startRelay({
      pool: svc.pool,
      schema: svc.schema,
      transport: t,
      logger: silent,
      clock: systemClock,
      random: () => 0.5,
    });
    try {
      const list = events(type, 200);
      for (let i = 0; i < 100; i += 10) await append(svc.pool, list.slice(i, i + 10));
      await waitFor('a first part handled', async () => (await effects(svc.pool, name)).length >= 20);
      if (FULL_RESTART) {
        await run('rabbitmqctl', ['stop_app']);
        await run('rabbitmqctl', ['start_app']);
      } else {
        assert.ok((await forceCloseConnections(connectionName)) >= 1, 'the connection was found and closed');
      }
      for (let i = 100; i < 200; i += 10) await append(svc.pool, list.slice(i, i + 10));
      await waitFor(
        'every event handled',
        async () => (await effects(svc.pool, name)).length === 200,
        20_000,
      );
      assert.deepEqual(
        (await effects(svc.pool, name)).sort(),
        list.map((e) => e.id).sort(),
        'each once, none lost',
      );
      await waitFor('the outbox fully published', async () => {
        const { rows } = await svc.pool.query(
          'select count(*)::int as n from outbox where published_at is null',
        );
        return rows[0].n === 0;
      });
    } finally {
      await relay.stop();
      await consumer.stop();
      await svc.pool.end();
    }
  });
});
