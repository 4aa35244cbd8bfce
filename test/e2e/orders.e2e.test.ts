/**
 * End to end: orders and processor with balance, identity, webhooks and the gateway as separate processes,
 * driven only through the gateway (the duplicate event is injected into orders' outbox directly).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { requestRaw } from '@strongbox/http/testing';
import type { TestDatabase } from '@strongbox/postgres/testing';
import pg from 'pg';
import type { RunningSystem } from '../../scripts/system.ts';
import {
  type Api,
  account,
  api,
  available,
  fund,
  listAllOrders,
  SUITE_TIMEOUT_MS,
  SYSTEM_START_TIMEOUT_MS,
  startOrdersSystem,
  TERMINAL,
  user,
  waitFor,
  waitForOrder,
} from './orders-support.ts';

const CONCURRENT_ORDERS = 500;
let db: TestDatabase;
let system: RunningSystem;
let admin: string;
const a: Api = api(() => system.urls.gateway);
let alice: { token: string; id: string };
let bob: { token: string; id: string };
let aliceAcc: string;
let bobAcc: string;
let merchantAcc: string;

/** Kept so that after() also stops a system whose start outlived before()'s bound. */
let starting: ReturnType<typeof startOrdersSystem> | undefined;

before(
  async () => {
    starting = startOrdersSystem({
      PROCESSOR_DURATION_MS: '10',
      PROCESSOR_FAIL_AMOUNTS: '13',
      PROCESSOR_FAIL_DESCRIPTIONS: 'always-fail',
      PROCESSOR_FLAKY_DESCRIPTIONS: 'flaky',
      // A poison message is dead-lettered after this many deliveries (8 in production), to keep the test short.
      PROCESSOR_CONSUMER_ATTEMPTS: '2',
    });
    ({ db, system, adminToken: admin } = await starting);
    const funding = await account(a, admin, { allowNegative: true });
    alice = await user(a, 'alice');
    bob = await user(a, 'bob');
    const merchant = await user(a, 'merchant');
    aliceAcc = await account(a, alice.token);
    bobAcc = await account(a, bob.token);
    merchantAcc = await account(a, merchant.token);
    await fund(a, admin, funding, aliceAcc, 1_000_000);
    await fund(a, admin, funding, bobAcc, 1_000);
  },
  { timeout: SYSTEM_START_TIMEOUT_MS },
);
after(async () => {
  const started = await starting?.catch(() => undefined);
  await started?.system.stop();
  await started?.db.drop();
});

const order = (token: string, body: Record<string, unknown>, key = randomUUID(), trace?: string) =>
  a.call('POST', '/v1/orders', {
    token,
    key,
    ...(trace ? { trace } : {}),
    body: { accountId: aliceAcc, merchantAccountId: merchantAcc, amount: 500, currency: 'EUR', ...body },
  });

describe('orders through the gateway', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('happy path: pending → reserved → processing → completed, captured once, trace id everywhere', async () => {
    const before = await available(a, alice.token, aliceAcc);
    const key = randomUUID();
    const created = await order(
      alice.token,
      { description: 'two books', items: [{ name: 'book', quantity: 2 }] },
      key,
      'orders-e2e-happy-1',
    );
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, 'pending');
    assert.equal(created.body.traceId, 'orders-e2e-happy-1');
    const replay = await order(
      alice.token,
      { description: 'two books', items: [{ name: 'book', quantity: 2 }] },
      key,
    );
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.body.id, created.body.id);

    const done = await waitForOrder(a, alice.token, created.body.id);
    assert.equal(done.status, 'completed');
    assert.deepEqual(
      done.history.map((h: { status: string }) => h.status),
      ['pending', 'reserved', 'processing', 'completed'],
    );
    assert.equal(await available(a, alice.token, aliceAcc), before - 500);
    const hold = await a.call('GET', `/v1/transfers/${done.holdTransferId}`, { token: admin });
    assert.equal(hold.body.status, 'posted');
    assert.equal(hold.body.postedAmount, 500);
    assert.equal(hold.body.traceId, 'orders-e2e-happy-1', 'balance stored the order trace id');

    const processing = await a.call('GET', `/v1/processing/${done.id}`, { token: admin });
    assert.equal(processing.status, 200);
    assert.equal(processing.body.status, 'completed');
    assert.equal(processing.body.traceId, 'orders-e2e-happy-1');
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const { rows } = await c.query(
        `select type, envelope->>'traceid' as trace from orders.outbox where subject = $1
         union all select type, envelope->>'traceid' from processor.outbox where subject = $1`,
        [done.id],
      );
      assert.deepEqual(rows.map((r) => r.type).sort(), [
        'orders.order.completed',
        'orders.order.created',
        'processor.order.processed',
        'processor.order.started',
      ]);
      assert.ok(rows.every((r) => r.trace === 'orders-e2e-happy-1'));
    } finally {
      await c.end();
    }
  });

  it('a processor failure is compensated: the hold is voided and the money is available again', async () => {
    const before = await available(a, alice.token, aliceAcc);
    const created = await order(alice.token, { description: 'this will always-fail' });
    const done = await waitForOrder(a, alice.token, created.body.id);
    assert.equal(done.status, 'failed');
    assert.equal(done.failureReason, 'the order cannot be fulfilled');
    assert.equal(await available(a, alice.token, aliceAcc), before);
    const hold = await a.call('GET', `/v1/transfers/${done.holdTransferId}`, { token: admin });
    assert.equal(hold.body.status, 'voided');
  });

  it('transient processor failures are retried and the order completes', async () => {
    const created = await order(alice.token, { description: 'flaky supplier' });
    const done = await waitForOrder(a, alice.token, created.body.id);
    assert.equal(done.status, 'completed');
    const processing = await a.call('GET', `/v1/processing/${done.id}`, { token: admin });
    assert.equal(processing.body.attempts, 3);
  });

  it('insufficient funds: the order is rejected and nothing is held', async () => {
    const created = await order(bob.token, { accountId: bobAcc, amount: 5_000 });
    assert.equal(created.status, 201);
    const done = await waitForOrder(a, bob.token, created.body.id);
    assert.equal(done.status, 'rejected');
    assert.equal(done.failureReason, 'insufficient_funds');
    assert.equal(done.holdTransferId, null);
    assert.equal(await available(a, bob.token, bobAcc), 1_000);
  });

  it('a completed order cannot be cancelled', async () => {
    const created = await order(alice.token, {});
    await waitForOrder(a, alice.token, created.body.id);
    const cancel = await a.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      token: alice.token,
      key: randomUUID(),
    });
    assert.equal(cancel.status, 409);
    assert.equal(cancel.body.code, 'order_not_cancellable');
  });

  it('a duplicate orders.order.created is processed once', async () => {
    const created = await order(alice.token, {});
    const done = await waitForOrder(a, alice.token, created.body.id);
    const before = await available(a, alice.token, aliceAcc);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      // The same event again, as after a relay crash between publishing and marking (the inbox absorbs
      // it), and a copy under a new event id (the unique order id absorbs that one).
      await c.query(
        `update orders.outbox set published_at = null where subject = $1 and type = 'orders.order.created'`,
        [done.id],
      );
      const copyId = `evt_${randomUUID()}`;
      await c.query(
        `insert into orders.outbox (event_id, type, subject, envelope)
         select $2, type, subject, jsonb_set(envelope, '{id}', to_jsonb($2::text)) from orders.outbox
          where subject = $1 and type = 'orders.order.created'`,
        [done.id, copyId],
      );
      await waitFor('the duplicates to be delivered', async () => {
        const { rows } = await c.query(
          `select count(*)::int as n from orders.outbox where subject = $1 and published_at is null`,
          [done.id],
        );
        return rows[0].n === 0 ? true : undefined;
      });
      // The relay publishes in order, so the re-sent original reached the processor before the copy; the
      // copy's inbox row (written with its handling, on either transport) shows both were taken.
      await waitFor('the processor to take them', async () => {
        const { rows } = await c.query(
          `select count(*)::int as n from processor.inbox where consumer = 'processor' and event_id = $1`,
          [copyId],
        );
        return rows[0].n === 1 ? true : undefined;
      });
      const records = await c.query('select attempts, status from processor.processing where order_id = $1', [
        done.id,
      ]);
      assert.deepEqual(records.rows, [{ attempts: 1, status: 'completed' }]);
      const processed = await c.query(
        `select count(*)::int as n from processor.outbox where subject = $1 and type = 'processor.order.processed'`,
        [done.id],
      );
      assert.equal(processed.rows[0].n, 1);
    } finally {
      await c.end();
    }
    const again = await a.call('GET', `/v1/orders/${done.id}`, { token: alice.token });
    assert.equal(again.body.history.length, done.history.length);
    assert.equal(await available(a, alice.token, aliceAcc), before);
  });

  it('a poison orders.order.created lands once in the processor dead letters; the next order completes', async () => {
    const poisonId = `evt_${randomUUID()}`;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      // An event no processor can understand (no order id), appended as orders itself would.
      await c.query(
        `insert into orders.outbox (event_id, type, subject, envelope) values ($1, 'orders.order.created', 'ord_poison', $2)`,
        [
          poisonId,
          JSON.stringify({
            specversion: '1.0',
            id: poisonId,
            source: '/strongbox/orders',
            type: 'orders.order.created',
            subject: 'ord_poison',
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: { nonsense: true },
          }),
        ],
      );
    } finally {
      await c.end();
    }
    const dead = await waitFor('the poison message to be dead-lettered', async () => {
      const res = await a.call('GET', '/v1/admin/dead-letters/processor', { token: admin });
      const found = (res.body.data as Array<{ eventId: string; consumer: string; attempts: number }>).filter(
        (d) => d.eventId === poisonId,
      );
      return found.length > 0 ? found : undefined;
    });
    assert.equal(dead.length, 1, 'exactly one dead letter');
    assert.equal(dead[0]?.consumer, 'processor');
    assert.equal(dead[0]?.attempts, 2);
    const next = await order(alice.token, {});
    assert.equal(
      (await waitForOrder(a, alice.token, next.body.id)).status,
      'completed',
      'nothing else is held up',
    );
  });

  it('each consuming service serves its dead letters to staff through the gateway, and to nobody else', async () => {
    for (const service of ['orders', 'processor', 'webhooks']) {
      const path = `/v1/admin/dead-letters/${service}`;
      const staff = await a.call('GET', path, { token: admin });
      assert.equal(staff.status, 200, `${service}: ${staff.text}`);
      assert.ok(Array.isArray(staff.body.data));
      assert.equal((await a.call('GET', path, { token: alice.token })).status, 403);
      assert.equal((await a.call('GET', path)).status, 401);
    }
  });

  it('authorization: nobody sees, cancels or orders from another customer', async () => {
    const created = await order(alice.token, {});
    assert.equal((await a.call('GET', `/v1/orders/${created.body.id}`, { token: bob.token })).status, 404);
    const cancel = await a.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      token: bob.token,
      key: randomUUID(),
    });
    assert.equal(cancel.status, 404);
    const theft = await order(bob.token, { accountId: aliceAcc });
    assert.equal(theft.status, 404);
    assert.equal(theft.body.code, 'account_not_found');
    // Bob has an order of his own (more than he has, so it is only rejected), so the list cannot be empty.
    const bobs = await order(bob.token, { accountId: bobAcc, amount: 5_000 });
    assert.equal(bobs.status, 201, bobs.text);
    const listed = (await listAllOrders(a, bob.token)) as Array<{ id: string; customerId: string }>;
    assert.ok(
      listed.some((o) => o.id === bobs.body.id),
      "Bob's own order is listed",
    );
    assert.deepEqual(
      listed.filter((o) => o.customerId !== bob.id || o.id === created.body.id),
      [],
      'only Bob’s orders are listed',
    );
    assert.equal(
      (await a.call('GET', `/v1/processing/${created.body.id}`, { token: alice.token })).status,
      403,
    );
    assert.equal((await a.call('GET', `/v1/orders/${created.body.id}`, { token: admin })).status, 200);
    await waitForOrder(a, alice.token, created.body.id);
    await waitForOrder(a, bob.token, bobs.body.id);
  });

  it('bad input at the edge: a forged list cursor and a repeated Idempotency-Key are 400 problems', async () => {
    // Beyond bigint, not base64url, padded, stray bits, not UTF-8, and an id that is not an order's.
    const forged = [
      'OTk5OTk5OTk5OTk5OTk5OTk5OQ',
      '!!',
      'NDI=',
      'NDJ',
      '_w',
      Buffer.from('tr_1').toString('base64url'),
    ];
    for (const cursor of forged) {
      const res = await a.call('GET', `/v1/orders?cursor=${cursor}`, { token: alice.token });
      assert.deepEqual([res.status, res.body.code], [400, 'invalid_cursor'], cursor);
    }
    const before = (await listAllOrders(a, alice.token)).length;
    const body = JSON.stringify({
      accountId: aliceAcc,
      merchantAccountId: merchantAcc,
      amount: 500,
      currency: 'EUR',
    });
    // Through the gateway, and to orders itself: both see the two header lines and refuse them.
    for (const base of [system.urls.gateway, system.urls.orders]) {
      assert.ok(base);
      const res = await requestRaw(`${base}/v1/orders`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${alice.token}`,
          'content-type': 'application/json',
          'idempotency-key': [randomUUID(), randomUUID()],
        },
        body,
      });
      assert.deepEqual([res.status, JSON.parse(res.text).code], [400, 'idempotency_key_repeated'], base);
    }
    assert.equal((await listAllOrders(a, alice.token)).length, before);
  });

  it(`${CONCURRENT_ORDERS} concurrent orders with mixed outcomes all end terminal, and the ledger audit is clean`, async () => {
    const kinds = [
      { description: 'ok' },
      { description: 'always-fail' },
      { amount: 13 },
      { description: 'flaky' },
    ];
    const created = await Promise.all(
      Array.from({ length: CONCURRENT_ORDERS }, (_, i) => order(alice.token, kinds[i % kinds.length] ?? {})),
    );
    const refused = created.filter((r) => r.status !== 201);
    assert.deepEqual(
      refused.map((r) => `${r.status} ${r.headers.get('retry-after')} ${r.text}`),
      [],
      'every create answered 201',
    );
    // One paginated listing per poll rather than one poller per order.
    const ids = new Set(created.map((r) => r.body.id as string));
    const done = await waitFor('every order to end', async () => {
      const mine = (await listAllOrders(a, alice.token)).filter((o) => ids.has(o.id));
      return mine.length === ids.size && mine.every((o) => TERMINAL.includes(o.status)) ? mine : undefined;
    });
    const completed = done.filter((o) => o.status === 'completed').length;
    assert.equal(completed, CONCURRENT_ORDERS / 2);
    assert.equal(done.filter((o) => o.status === 'failed').length, CONCURRENT_ORDERS / 2);
    const audit = await a.call('GET', '/v1/ledger/audit', { token: admin });
    assert.equal(audit.status, 200);
    assert.equal(
      audit.body.ok,
      true,
      JSON.stringify(audit.body.checks.filter((c: { ok: boolean }) => !c.ok)),
    );
    const acc = await a.call('GET', `/v1/accounts/${aliceAcc}`, { token: alice.token });
    assert.equal(acc.body.held, 0, 'no order holds money');
  });
});
