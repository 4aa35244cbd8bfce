/**
 * Webhooks' subscription follows its endpoints (ADR 0046), on the transport the environment names
 * (RabbitMQ with AMQP_URL, else PostgreSQL): the app's own consumer, started as runService starts it,
 * receives only the event types enabled endpoints select, from the moment a create or update answered.
 * An event that is not taken is proven so by a marker event published after it: the consumer, run here one
 * event at a time, hands events to its handler in routing order, so once the marker reached the handler,
 * an earlier event routed to it would have too.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { cloudEvent } from '@strongbox/kernel';
import {
  type ConsumerSpec,
  createMessagingMetrics,
  encodeEvent,
  postgresTransport,
  type RunningConsumer,
  rabbitTransport,
  startConsumer,
  type Transport,
} from '@strongbox/messaging';
import { deleteRabbitQueues } from '@strongbox/messaging/testing';
import { Registry } from 'prom-client';
import { CONSUMER_NAME } from './features/record-event/handler.ts';
import { type Harness, startWebhooks } from './test-support.ts';

const AMQP_URL = process.env['AMQP_URL'];
const NAMESPACE = `test-${randomBytes(4).toString('hex')}`;
const silent = createLogger({ service: 'test', level: 'silent' });
const OWNER = 'usr_routing';

/** A transport as another process of webhooks would have: its own connection or listener. */
function newTransport(h: Harness): Transport {
  return AMQP_URL
    ? rabbitTransport({ url: AMQP_URL, namespace: NAMESPACE, logger: silent })
    : postgresTransport({ pool: h.pool, pollMs: 50, leaseMs: 5_000, logger: silent });
}

/** One running webhooks consumer, recording every event id its handler is given. */
interface Running {
  readonly transport: Transport;
  readonly consumer: RunningConsumer;
  readonly registry: Registry;
  /** What this instance's consumer handled, in its order. */
  readonly seen: readonly string[];
  stop(): Promise<void>;
}

const seen: string[] = [];

async function startRunning(h: Harness): Promise<Running> {
  const transport = newTransport(h);
  const registry = new Registry();
  const own: string[] = [];
  const spec: ConsumerSpec = {
    ...h.consumer,
    // One event at a time, so the handler sees them in routing order (concurrent batches may reach it in
    // any order): what the marker proves needs it.
    concurrency: 1,
    handle: async (tx, e, afterCommit) => {
      seen.push(e.id);
      own.push(e.id);
      await h.consumer.handle(tx, e, afterCommit);
    },
    handleBatch: async (tx, events, afterCommit) => {
      seen.push(...events.map((e) => e.id));
      own.push(...events.map((e) => e.id));
      await h.consumer.handleBatch!(tx, events, afterCommit);
    },
  };
  const consumer = await startConsumer(spec, {
    pool: h.pool,
    transport,
    logger: silent,
    clock: h.clock,
    metrics: createMessagingMetrics(registry),
  });
  return {
    transport,
    consumer,
    registry,
    seen: own,
    async stop() {
      await consumer.stop();
      await transport.close();
    },
  };
}

let h: Harness;
let h2: Harness;
let running: Running;
let running2: Running;
let n = 0;

before(async () => {
  h = await startWebhooks();
  h2 = await startWebhooks({ beside: h });
  running = await startRunning(h);
  running2 = await startRunning(h2);
});
after(async () => {
  await running2.stop();
  await running.stop();
  await h2.close();
  await h.close();
  await deleteRabbitQueues([CONSUMER_NAME], NAMESPACE);
});

/** A type no other test uses, under `prefix`. */
const fresh = (prefix: string) => `${prefix}${++n}.thing.happened`;

async function create(on: Harness, eventTypes: readonly string[]): Promise<string> {
  const res = await on.app.inject({
    method: 'POST',
    url: '/v1/webhooks/endpoints',
    headers: { authorization: `Bearer ${await on.token(OWNER)}`, 'idempotency-key': `k-${++n}` },
    payload: { url: 'http://127.0.0.1:9/hook', eventTypes },
  });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { id: string }).id;
}

async function call(on: Harness, method: 'PATCH' | 'DELETE' | 'POST', url: string, payload?: object) {
  const res = await on.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${await on.token(OWNER)}` },
    ...(payload ? { payload } : {}),
  });
  assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
}

/** Publishes one event of each type, in order, through the transport; answers their ids. */
async function publish(...types: string[]): Promise<string[]> {
  const events = types.map((type) =>
    cloudEvent({ service: 'test', type, subject: 's', data: {}, parties: [OWNER] }, h.clock),
  );
  const outcome = await running.transport.publish(events.map((e) => encodeEvent(e)));
  assert.equal(outcome.confirmed, events.length, 'every event is routable, taken or not');
  return events.map((e) => e.id);
}

async function eventually(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deliveredTo(endpointId: string): Promise<string[]> {
  const { rows } = await h.pool.query<{ event_id: string }>(
    'select event_id from deliveries where endpoint_id = $1 order by created_at, id',
    [endpointId],
  );
  return rows.map((r) => r.event_id);
}

/** Markers one takenBeforeMarker publishes at most before it gives up. */
const MARKERS_MAX = 50;
/** Every event takenBeforeMarker published, markers included, for a test that counts deliveries. */
const published: Array<{ id: string; type: string }> = [];

/**
 * Publishes `types`, then markers of a type an endpoint selects until the handlers are past them; answers
 * which of `types` were taken. On RabbitMQ the queue hands its messages to the two instances' consumers in
 * turn and each handles its own in order (one at a time), so both must have handled a marker published
 * after `types`. On PostgreSQL one lease holder reads the log in order from the checkpoint, so one
 * handled marker is enough.
 */
async function takenBeforeMarker(markerType: string, ...types: string[]): Promise<boolean[]> {
  const ids = await publish(...types);
  published.push(...ids.map((id, i) => ({ id, type: types[i]! })));
  const markers: string[] = [];
  const handledOne = (c: { seen: readonly string[] }) => markers.some((m) => c.seen.includes(m));
  const past = () => (AMQP_URL ? [running, running2].every(handledOne) : handledOne({ seen }));
  while (!past()) {
    assert.ok(markers.length < MARKERS_MAX, 'both consumers handle markers');
    const [marker] = await publish(markerType);
    markers.push(marker!);
    published.push({ id: marker!, type: markerType });
    await eventually('the marker to reach a handler', () => seen.includes(marker!));
  }
  return ids.map((id) => seen.includes(id));
}

describe(`webhooks' subscription follows its endpoints (${AMQP_URL ? 'rabbitmq' : 'postgres'})`, () => {
  it('given no endpoint, then an event is published but not consumed; once one is created, an event published after its 201 is delivered', async () => {
    if (!AMQP_URL) {
      const { rows } = await h.pool.query(
        'select regexes, routes_all from messaging.subscriptions where consumer = $1',
        [CONSUMER_NAME],
      );
      assert.deepEqual(rows[0], { regexes: [], routes_all: true }, 'no endpoint, no pattern');
    }
    const type = fresh('orders');
    const [before] = await publish(type);
    const endpoint = await create(h, [`${type.split('.')[0]}.*`]);
    const [afterCreate] = await publish(type);
    await eventually('the delivery', async () => (await deliveredTo(endpoint)).includes(afterCreate!));
    assert.ok(!seen.includes(before!), 'the event before the endpoint never reached the consumer');
    assert.deepEqual(await deliveredTo(endpoint), [afterCreate]);
  });

  it('given an endpoint whose types change, then the new ones are taken at once and the removed ones no longer', async () => {
    const marker = fresh('mark');
    const [dropped, added] = [fresh('dropped'), fresh('added')];
    const endpoint = await create(h, [dropped, marker]);
    assert.deepEqual(await takenBeforeMarker(marker, dropped, added), [true, false]);
    await call(h, 'PATCH', `/v1/webhooks/endpoints/${endpoint}`, { eventTypes: [added, marker] });
    assert.deepEqual(await takenBeforeMarker(marker, dropped, added), [false, true]);
  });

  it('given an endpoint disabled, enabled and deleted, then its types are dropped, taken and dropped', async () => {
    const marker = fresh('mark');
    const markerEndpoint = await create(h, [marker]);
    const type = fresh('status');
    const endpoint = await create(h, [type]);
    await call(h, 'POST', `/v1/webhooks/endpoints/${endpoint}/disable`);
    assert.deepEqual(await takenBeforeMarker(marker, type), [false]);
    await call(h, 'POST', `/v1/webhooks/endpoints/${endpoint}/enable`);
    assert.deepEqual(await takenBeforeMarker(marker, type), [true]);
    await call(h, 'DELETE', `/v1/webhooks/endpoints/${endpoint}`);
    assert.deepEqual(await takenBeforeMarker(marker, type), [false]);
    await call(h, 'DELETE', `/v1/webhooks/endpoints/${markerEndpoint}`);
  });

  it('given concurrent creates and deletes of endpoints selecting one type on two instances, then the type stays taken while one exists', async () => {
    const type = fresh('shared');
    let current = await create(h, [type]);
    for (let round = 0; round < 8; round++) {
      const [a, b] = round % 2 === 0 ? [h, h2] : [h2, h];
      // One instance deletes the endpoint while the other creates a new one selecting the same type.
      const [, created] = await Promise.all([
        call(a, 'DELETE', `/v1/webhooks/endpoints/${current}`),
        create(b, [type]),
      ]);
      current = created;
      const [id] = await publish(type);
      await eventually(`round ${round}'s event delivered`, async () =>
        (await deliveredTo(current)).includes(id!),
      );
    }
    await call(h, 'DELETE', `/v1/webhooks/endpoints/${current}`);
  });

  it('given a restart, then the patterns in place stay, and one no endpoint selects any more is removed', async () => {
    const marker = fresh('mark');
    const kept = fresh('kept');
    const stale = fresh('stale');
    const endpoint = await create(h, [kept, marker]);
    const staleEndpoint = await create(h, [stale]);
    const from = published.length;
    // Gone without its narrowing (a crash between the delete's commit and the settle).
    await h.pool.query('delete from endpoints where id = $1', [staleEndpoint]);
    assert.deepEqual(await takenBeforeMarker(marker, stale), [true], 'the stale pattern is still in place');
    await running2.stop();
    await running.stop();
    running = await startRunning(h);
    running2 = await startRunning(h2);
    assert.deepEqual(await takenBeforeMarker(marker, stale, kept), [false, true]);
    // Every marker and the kept event: what the endpoint selects of what was published since it was made.
    const selected = published
      .slice(from)
      .filter((e) => e.type !== stale)
      .map((e) => e.id);
    await eventually(
      'the kept event and the markers delivered',
      async () => (await deliveredTo(endpoint)).length === selected.length,
    );
    assert.deepEqual((await deliveredTo(endpoint)).sort(), selected.sort());
  });

  it('given endpoints selecting every type, then the subscription takes everything, as before', async () => {
    const marker = fresh('mark');
    const all = await create(h, ['*']);
    assert.deepEqual(await takenBeforeMarker(marker, fresh('any')), [true]);
    await call(h, 'DELETE', `/v1/webhooks/endpoints/${all}`);
    const markerEndpoint = await create(h, [marker]);
    assert.deepEqual(await takenBeforeMarker(marker, fresh('any')), [false]);
    await call(h, 'DELETE', `/v1/webhooks/endpoints/${markerEndpoint}`);
  });
});
