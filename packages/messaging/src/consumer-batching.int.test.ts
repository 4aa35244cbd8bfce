/**
 * The consumer handles the events that arrive together in one transaction (`handlerBatches` in
 * consumer.ts): one inbox INSERT for the batch, each new event's handler in turn, and on a handler error a
 * rollback and a split in halves until the failing event is alone. These tests push bursts through the
 * real PostgreSQL transport (a messaging schema of the test's own) into a consumer of concurrency 32 and
 * check, from the database alone, that every event takes effect exactly once whatever was rolled back and
 * run again.
 *
 * Why bursts batch here: the transport publishes a list in one statement, the subscriber claims 32 rows at
 * once and hands each to the consumer in the same tick, so the first event of a claim is flushed alone
 * (nothing was running) and the other 31 queue behind it as one batch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CloudEvent, systemClock } from '@strongbox/kernel';
import { createPool, type Pool, type PoolClient, quoteIdent } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { Registry } from 'prom-client';
import { CONSUMER_BATCH_MAX, type RunningConsumer, startConsumer } from './consumer.ts';
import { encodeEvent } from './envelope.ts';
import { createMessagingMetrics } from './metrics.ts';
import { postgresTransport } from './postgres-transport.ts';
import { events, serviceSchema, silent, unique, waitFor } from './testing.ts';
import { counter, FAST_BACKOFF } from './testing-suite.ts';
import type { Transport } from './transport.ts';

const CONCURRENCY = 32;
/** Generous bound for a burst to settle on a loaded CI machine; a test that never settles fails here. */
const SETTLE_MS = 60_000;
/**
 * No test here kills a consumer, so no claim may ever run out: with the usual test lease (1 s) a batch that
 * a loaded machine takes longer than that to commit is claimed again, and the counts below would then
 * depend on the machine's speed (an extra duplicate, an extra attempt toward the dead letter). With this
 * lease each delivery is claimed once per attempt, whatever the machine, and every count is exact.
 */
const BATCH_LEASE_MS = 10 * 60_000;

type Fail = (tx: PoolClient, e: CloudEvent, call: number) => Promise<void> | void;

interface Scenario {
  readonly pool: Pool;
  readonly name: string;
  readonly type: string;
  readonly registry: Registry;
  /** Handler invocations per event id, whether their transaction committed or was rolled back. */
  readonly calls: Map<string, number>;
  /** After-commit callbacks that ran, per event id (each handler registers one before it may fail). */
  readonly afterCommits: Map<string, number>;
  /** The same registrations' `ifNotCommitted` callbacks that ran instead, per event id. */
  readonly notCommitted: Map<string, number>;
  /** Starts one more instance of the consumer (as another process would) on its own pool and transport. */
  addInstance(transport: Transport): Promise<void>;
  result(r: 'handled' | 'duplicate' | 'retried' | 'dead_lettered'): Promise<number>;
  stop(): Promise<void>;
}

describe('consumer batching (postgres)', () => {
  let db: TestDatabase;
  let transportPools: Pool[] = [];
  let transports: Transport[] = [];
  let messagingSchema: string;
  /** The transport the tests publish through and the first instance of each consumer subscribes with. */
  let transport: Transport;

  const newTransport = (): Transport => {
    const pool = createPool({ url: db.url, sizeMax: 4, onError: () => undefined });
    transportPools.push(pool);
    const t = postgresTransport({
      pool,
      messagingSchema,
      leaseMs: BATCH_LEASE_MS,
      pollMs: 200,
      logger: silent,
    });
    transports.push(t);
    return t;
  };

  before(async () => {
    db = await createTestDatabase('msg_batch');
    messagingSchema = unique('msgq_');
    transport = newTransport();
  });
  after(async () => {
    for (const t of transports) await t.close();
    for (const p of transportPools) await p.end();
    transports = [];
    transportPools = [];
    await db?.drop();
  });

  /**
   * A service schema (inbox, dead_letters) with a table of the test's own, `handled`, where the handler
   * writes one row per event inside `tx`, with the id of the transaction it ran in. No unique key: a
   * second effect of an event would show as a second row.
   */
  async function scenario(opts: { fail?: Fail; attemptsMax?: number; inbox?: boolean }): Promise<Scenario> {
    const svc = await serviceSchema(db.url);
    await svc.pool.query(
      `create table handled (seq bigint generated always as identity, event_id text not null,
                             txid bigint not null)`,
    );
    const name = unique('c-batch-');
    const type = `${unique('t')}.thing.happened`;
    const registry = new Registry();
    const metrics = createMessagingMetrics(registry);
    const calls = new Map<string, number>();
    const afterCommits = new Map<string, number>();
    const notCommitted = new Map<string, number>();
    const running: RunningConsumer[] = [];
    const extraPools: Pool[] = [];
    const start = async (pool: Pool, transport: Transport) => {
      running.push(
        await startConsumer(
          {
            name,
            eventTypes: [type],
            concurrency: CONCURRENCY,
            attemptsMax: opts.attemptsMax ?? 3,
            backoff: FAST_BACKOFF,
            ...(opts.inbox === undefined ? {} : { inbox: opts.inbox }),
            async handle(tx, e, afterCommit) {
              const call = (calls.get(e.id) ?? 0) + 1;
              calls.set(e.id, call);
              afterCommit(
                () => afterCommits.set(e.id, (afterCommits.get(e.id) ?? 0) + 1),
                () => notCommitted.set(e.id, (notCommitted.get(e.id) ?? 0) + 1),
              );
              await tx.query('insert into handled (event_id, txid) values ($1, txid_current())', [e.id]);
              await opts.fail?.(tx, e, call);
            },
          },
          { pool, transport, logger: silent, clock: systemClock, metrics },
        ),
      );
    };
    await start(svc.pool, transport);
    return {
      pool: svc.pool,
      name,
      type,
      registry,
      calls,
      afterCommits,
      notCommitted,
      async addInstance(transport) {
        const pool = createPool({ url: db.url, schema: svc.schema, sizeMax: 5, onError: () => undefined });
        extraPools.push(pool);
        await start(pool, transport);
      },
      result: (result) => counter(registry, 'strongbox_consumer_messages_total', { consumer: name, result }),
      async stop() {
        for (const c of running) await c.stop();
        for (const p of extraPools) await p.end();
        await svc.pool.end();
      },
    };
  }

  async function publish(list: readonly CloudEvent[]): Promise<void> {
    const outcome = await transport.publish(list.map(encodeEvent));
    assert.equal(outcome.confirmed, list.length, 'the transport confirmed the whole burst');
  }

  /** Rows of `handled` per event id. */
  async function effectCounts(s: Scenario): Promise<Map<string, number>> {
    const { rows } = await s.pool.query<{ event_id: string; n: number }>(
      'select event_id, count(*)::int as n from handled group by event_id',
    );
    return new Map(rows.map((r) => [r.event_id, r.n]));
  }

  /** The transaction each committed effect ran in. */
  async function txids(s: Scenario): Promise<Map<string, string>> {
    const { rows } = await s.pool.query<{ event_id: string; txid: string }>(
      'select event_id, txid::text from handled',
    );
    return new Map(rows.map((r) => [r.event_id, r.txid]));
  }

  async function inboxIds(s: Scenario): Promise<string[]> {
    const { rows } = await s.pool.query<{ event_id: string }>(
      'select event_id from inbox where consumer = $1 order by event_id',
      [s.name],
    );
    return rows.map((r) => r.event_id);
  }

  async function deadLetters(s: Scenario) {
    const { rows } = await s.pool.query<{
      event_id: string;
      reason: string;
      error: string;
      attempts: number;
      state: string;
    }>('select event_id, reason, error, attempts, state from dead_letters where consumer = $1', [s.name]);
    return rows;
  }

  /** Deliveries still waiting or in hand for the consumer, read from the transport's own table. */
  async function depth(s: Scenario): Promise<number> {
    const { rows } = await s.pool.query<{ n: number }>(
      `select count(*)::int as n from ${quoteIdent(messagingSchema)}.deliveries where consumer = $1`,
      [s.name],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Waits until `done` holds and the queue is empty: every delivery then has its outcome (an ack comes
   * after the effect, the dead letter and the metrics), so nothing counted below can still change.
   */
  async function settle(s: Scenario, what: string, done: () => Promise<boolean>): Promise<void> {
    await waitFor(what, async () => (await done()) && (await depth(s)) === 0, SETTLE_MS);
  }

  /** Each of `ids` took effect exactly once and is in the inbox once; nothing else took effect. */
  async function assertExactlyOnce(s: Scenario, ids: readonly string[]): Promise<void> {
    const counts = await effectCounts(s);
    const twice = [...counts].filter(([, n]) => n !== 1);
    assert.deepEqual(twice, [], 'no event took effect more than once');
    assert.deepEqual([...counts.keys()].sort(), [...ids].sort(), 'exactly the expected events took effect');
    assert.deepEqual(await inboxIds(s), [...ids].sort(), 'the inbox holds each handled event once');
  }

  const idsOf = (list: readonly CloudEvent[]) => list.map((e) => e.id);

  /** Every run of a handler settled its registration once: committed, or not (the events' indexes otherwise). */
  const unsettled = (s: Scenario, list: readonly CloudEvent[]) =>
    list
      .filter(
        (e) => (s.calls.get(e.id) ?? 0) !== (s.afterCommits.get(e.id) ?? 0) + (s.notCommitted.get(e.id) ?? 0),
      )
      .map((e) => list.indexOf(e));

  it('given 200 events published at once to a consumer of concurrency 32, when they are consumed, then each takes effect exactly once and many share one transaction', async () => {
    const s = await scenario({});
    try {
      const list = events(s.type, 200);
      await publish(list);
      await settle(s, 'all 200 events handled', async () => (await effectCounts(s)).size === 200);

      await assertExactlyOnce(s, idsOf(list));
      assert.deepEqual(
        list.filter((e) => s.calls.get(e.id) !== 1).map((e) => e.id),
        [],
        'every handler ran once: no batch was rolled back',
      );
      assert.deepEqual([...s.notCommitted], [], 'every registration was committed');
      const perTx = new Map<string, number>();
      for (const txid of (await txids(s)).values()) perTx.set(txid, (perTx.get(txid) ?? 0) + 1);
      assert.ok(
        perTx.size < list.length,
        `events were handled in fewer transactions than events (${perTx.size} for ${list.length})`,
      );
      const largest = Math.max(...perTx.values());
      assert.ok(largest > 1, 'at least one transaction handled several events');
      assert.ok(
        largest <= Math.min(CONCURRENCY, CONSUMER_BATCH_MAX),
        `no batch exceeds the prefetch (largest: ${largest})`,
      );
      assert.equal(await s.result('handled'), 200);
      assert.equal(await s.result('duplicate'), 0);
      assert.equal(await s.result('retried'), 0);
      assert.deepEqual(await deadLetters(s), []);
    } finally {
      await s.stop();
    }
  });

  it('given one poison event among 200 that always throws, when the burst is consumed, then every other event takes effect once and the poison is dead-lettered once after its attempts', async () => {
    let poisonId = '';
    const s = await scenario({
      attemptsMax: 3,
      fail: (_tx, e) => {
        // The poison's own row is written before it throws: the rollback must take it away every time.
        if (e.id === poisonId) throw new Error(`poison: cannot handle ${e.id}`);
      },
    });
    try {
      const list = events(s.type, 200);
      // Index 20 sits inside the first 31-event batch, so its first failure rolls back 30 other events.
      const poison = list[20]!;
      poisonId = poison.id;
      const others = list.filter((e) => e.id !== poison.id);
      await publish(list);
      await settle(
        s,
        'the others handled and the poison dead-lettered',
        async () => (await effectCounts(s)).size === 199 && (await deadLetters(s)).length === 1,
      );

      await assertExactlyOnce(s, idsOf(others));
      const letters = await deadLetters(s);
      assert.equal(letters.length, 1, 'one dead letter');
      assert.equal(letters[0]?.event_id, poison.id);
      assert.equal(letters[0]?.reason, 'handler_failed');
      assert.equal(letters[0]?.attempts, 3);
      assert.equal(letters[0]?.state, 'dead');
      assert.match(letters[0]?.error ?? '', /poison: cannot handle/);
      assert.ok((s.calls.get(poison.id) ?? 0) >= 3, 'the poison ran at least once per attempt');
      assert.ok(
        others.some((e) => (s.calls.get(e.id) ?? 0) > 1),
        'the poison rolled back events that were then handled again (the split really happened)',
      );
      assert.equal(await s.result('retried'), 2, 'only the poison was retried, once per failed attempt');
      assert.deepEqual(
        others.filter((e) => s.afterCommits.get(e.id) !== 1).map((e) => list.indexOf(e)),
        [],
        'after-commit work ran once for every committed event, however often its batch was rolled back',
      );
      assert.equal(s.afterCommits.get(poison.id), undefined, 'and never for the event that never committed');
      assert.deepEqual(unsettled(s, list), [], 'each run was settled once, as committed or as not');
      assert.equal(
        s.notCommitted.get(poison.id),
        s.calls.get(poison.id),
        "the poison's runs never committed",
      );
      assert.equal(await s.result('dead_lettered'), 1);
      assert.equal(await s.result('handled'), 199);
      assert.equal(await s.result('duplicate'), 0);
    } finally {
      await s.stop();
    }
  });

  it('given several poison events at the edges of a batch and side by side, when the burst is consumed, then each is dead-lettered once and every other event takes effect once', async () => {
    const poisonIds = new Set<string>();
    const s = await scenario({
      attemptsMax: 2,
      fail: (_tx, e) => {
        if (poisonIds.has(e.id)) throw new Error(`poison: ${e.id}`);
      },
    });
    try {
      const list = events(s.type, 100);
      // 0 is flushed alone; 1..31 is the first batch (1 and 31 its ends, 16 and 17 straddle its split).
      const poisons = [0, 1, 16, 17, 31, 99].map((i) => list[i]!);
      for (const p of poisons) poisonIds.add(p.id);
      const others = list.filter((e) => !poisonIds.has(e.id));
      await publish(list);
      await settle(
        s,
        'the others handled and every poison dead-lettered',
        async () => (await effectCounts(s)).size === others.length && (await deadLetters(s)).length === 6,
      );

      await assertExactlyOnce(s, idsOf(others));
      const letters = await deadLetters(s);
      assert.deepEqual(letters.map((l) => l.event_id).sort(), [...poisonIds].sort());
      for (const l of letters) {
        assert.equal(l.reason, 'handler_failed');
        assert.equal(l.attempts, 2);
      }
      assert.equal(await s.result('retried'), poisons.length, 'each poison retried once, nothing else');
      assert.equal(await s.result('dead_lettered'), poisons.length);
      assert.equal(await s.result('handled'), others.length);
    } finally {
      await s.stop();
    }
  });

  it('given the same event delivered twice in one burst (published twice and redelivered), when it is consumed, then it takes effect once and nothing is rolled back', async () => {
    const s = await scenario({});
    try {
      const list = events(s.type, 40);
      const [e2, e3, e4, e7, e20] = [list[2]!, list[3]!, list[4]!, list[7]!, list[20]!];
      // e3's copies are adjacent, inside the first 31-event batch: one INSERT sees the id twice. e20's
      // second copy comes in a later batch, after the first committed. e7 is redelivered on its own.
      const burst = [...list.slice(0, 4), e3, ...list.slice(4), e20];
      await publish(burst);
      await transport.redeliver(s.name, encodeEvent(e7));
      await settle(s, 'all 40 events handled', async () => (await effectCounts(s)).size === 40);

      await assertExactlyOnce(s, idsOf(list));
      assert.deepEqual(
        list.filter((e) => s.calls.get(e.id) !== 1).map((e) => e.id),
        [],
        'every handler ran once: a duplicate never failed or rolled back its batch',
      );
      const tx = await txids(s);
      assert.equal(tx.get(e3.id), tx.get(e2.id), 'e3 was handled in the batch its copy arrived in');
      assert.equal(tx.get(e3.id), tx.get(e4.id), 'e3 was handled in the batch its copy arrived in');
      assert.equal(await s.result('duplicate'), 3, 'the second copies of e3, e20 and e7');
      assert.equal(await s.result('handled'), 40);
      assert.equal(await s.result('retried'), 0);
    } finally {
      await s.stop();
    }
  });

  it('given a consumer that keeps no inbox (inbox: false), when an event comes twice in one batch and once again later, then it is handled once per batch it is in and no inbox row is written', async () => {
    const s = await scenario({ inbox: false });
    try {
      const list = events(s.type, 40);
      const [e3, e7] = [list[3]!, list[7]!];
      await publish([...list.slice(0, 4), e3, ...list.slice(4)]);
      await settle(s, 'all 40 events handled', async () => (await effectCounts(s)).size === 40);
      await transport.redeliver(s.name, encodeEvent(e7));
      await settle(s, 'the redelivered event handled', async () => (await effectCounts(s)).get(e7.id) === 2);

      const counts = await effectCounts(s);
      assert.equal(counts.get(e3.id), 1, 'the copy in the same batch was a duplicate');
      assert.equal(
        counts.get(e7.id),
        2,
        'a later delivery reaches the handler, whose own key must absorb it',
      );
      assert.deepEqual(
        list.filter((e) => e.id !== e7.id && counts.get(e.id) !== 1).map((e) => e.id),
        [],
        'every other event took effect once',
      );
      assert.deepEqual(await inboxIds(s), [], 'no inbox row was written');
    } finally {
      await s.stop();
    }
  });

  it('given handlers that fail transiently, when the burst is consumed, then each takes effect once in the end and the others are unaffected', async () => {
    let flaky = '';
    let stubborn = '';
    const holder: { s?: Scenario } = {};
    const s = await scenario({
      attemptsMax: 3,
      fail: async (_tx, e, call) => {
        // Fails on its first run only: the split runs it again at once, in a smaller batch.
        if (e.id === flaky && call === 1) throw new Error('flaky: first run fails');
        // Fails on every run of its first delivery, splits included, so it must go through a real retry.
        if (e.id === stubborn && (await holder.s?.result('retried')) === 0)
          throw new Error('stubborn: fails until retried');
      },
    });
    holder.s = s;
    try {
      const list = events(s.type, 64);
      flaky = list[10]!.id;
      stubborn = list[20]!.id;
      await publish(list);
      await settle(s, 'all 64 events handled', async () => (await effectCounts(s)).size === 64);

      await assertExactlyOnce(s, idsOf(list));
      assert.equal(s.calls.get(flaky), 2, 'the flaky handler failed once and succeeded once');
      assert.ok((s.calls.get(stubborn) ?? 0) >= 2);
      assert.equal(await s.result('retried'), 1, 'only the stubborn event needed a retry');
      assert.equal(await s.result('handled'), 64);
      assert.deepEqual(await deadLetters(s), [], 'nothing was dead-lettered');
    } finally {
      await s.stop();
    }
  });

  it('given a batch that meets a serialization failure, when the transaction is run again, then the callbacks of the run that did not commit are settled as not committed and the others once committed', async () => {
    let conflicted = '';
    const s = await scenario({
      fail: (_tx, e, call) => {
        // A serialization failure is the transaction's: withTransaction runs the whole batch again, unsplit.
        if (e.id === conflicted && call === 1)
          throw Object.assign(new Error('could not serialize access'), { code: '40001' });
      },
    });
    try {
      const list = events(s.type, 40);
      // Inside the first 31-event batch: the events handled before it in that batch ran twice.
      conflicted = list[10]!.id;
      await publish(list);
      await settle(s, 'all 40 events handled', async () => (await effectCounts(s)).size === 40);

      await assertExactlyOnce(s, idsOf(list));
      assert.equal(s.calls.get(conflicted), 2);
      assert.deepEqual(
        list.filter((e) => s.afterCommits.get(e.id) !== 1).map((e) => list.indexOf(e)),
        [],
        'after-commit work ran once per event',
      );
      assert.equal(s.notCommitted.get(conflicted), 1, 'the run that met the failure was settled as such');
      assert.ok(
        list.some((e) => e.id !== conflicted && s.notCommitted.get(e.id) === 1),
        'and so were the runs of the events before it in its batch',
      );
      assert.deepEqual(unsettled(s, list), [], 'each run was settled once, as committed or as not');
      assert.equal(await s.result('retried'), 0, 'no event was retried: the transaction was');
    } finally {
      await s.stop();
    }
  });

  it('given two instances of the consumer and every event published twice, when both consume the copies at once, then each event takes effect once', async () => {
    const s = await scenario({});
    try {
      // A second process: its own pool and transport on the same messaging schema, the same consumer name.
      await s.addInstance(newTransport());
      const list = events(s.type, 120);
      // The copies of an event are far apart, so they are claimed by either instance, in batches that
      // commit concurrently and race on the same inbox rows.
      await publish([...list, ...list]);
      await settle(s, 'all 120 events handled', async () => (await effectCounts(s)).size === 120);

      await assertExactlyOnce(s, idsOf(list));
      assert.equal(await s.result('handled'), 120);
      assert.equal(await s.result('duplicate'), 120);
      assert.deepEqual(await deadLetters(s), []);
    } finally {
      await s.stop();
    }
  });

  it('given a handler that swallows its own SQL error (the "ignore a unique violation" idiom) at the end of a batch, when the burst is consumed, then the other events of its batch still take effect', {}, async () => {
    let swallower = '';
    const s = await scenario({
      fail: async (tx, e) => {
        if (e.id !== swallower) return;
        try {
          await tx.query(`insert into taken (k) values ('k')`);
        } catch (err) {
          if ((err as { code?: string }).code !== '23505') throw err;
        }
      },
    });
    try {
      await s.pool.query(`create table taken (k text primary key); insert into taken values ('k')`);
      const list = events(s.type, 40);
      // The last event of the first 31-event batch: no later handler in it trips over the aborted state.
      swallower = list[31]!.id;
      const others = list.filter((e) => e.id !== swallower);
      await publish(list);
      await settle(s, 'every delivery acknowledged', async () => (await s.result('handled')) >= 39);
      const counts = await effectCounts(s);
      assert.deepEqual(
        others.filter((e) => counts.get(e.id) !== 1).map((e) => list.indexOf(e)),
        [],
        'events acknowledged as handled but without their effect (their indexes)',
      );
    } finally {
      await s.stop();
    }
  });

  it('given a poison handler whose error carries a socket code (a failed call to another service), when the burst is consumed, then only the poison is retried and dead-lettered', {}, async () => {
    let poisonId = '';
    const s = await scenario({
      attemptsMax: 2,
      fail: (_tx, e) => {
        if (e.id === poisonId)
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:443 (a provider)'), {
            code: 'ECONNREFUSED',
          });
      },
    });
    try {
      const list = events(s.type, 64);
      poisonId = list[10]!.id;
      await publish(list);
      await settle(s, 'the poison dead-lettered', async () =>
        (await deadLetters(s)).some((l) => l.event_id === poisonId),
      );
      assert.deepEqual(
        (await deadLetters(s)).map((l) => l.event_id),
        [poisonId],
        'no innocent event is dead-lettered with the poison',
      );
      assert.equal(await s.result('retried'), 1, 'only the poison was retried');
      assert.equal((await effectCounts(s)).size, 63);
    } finally {
      await s.stop();
    }
  });
});
