/**
 * ADR 0040: several instances of one consumer on a log take turns by lease, a dead instance's rows are read
 * again by the next (a duplicate the inbox absorbs, never a loss), and the archive's purge keeps every row
 * a consumer has not passed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { OUTBOX_PURGE_INTERVAL_MS, OUTBOX_RETENTION_MS } from './relay.ts';
import { append, events, waitFor } from './testing.ts';
import { checkpoint, type LogDatabase, logConsumer, logDatabase, logService } from './testing-log.ts';

let ldb: LogDatabase;
before(async () => {
  ldb = await logDatabase('msg_log_leases');
});
after(async () => {
  await ldb.close();
});

describe('instances of a consumer on a log', () => {
  it('given two instances, then only the lease holder reads, and the other goes on once the holder stops', async () => {
    const svc = await logService(ldb.db.url);
    const transport = ldb.transport();
    const a = await logConsumer(svc, transport);
    const b = await logConsumer(svc, ldb.transport(), { name: a.name });
    await svc.startRelay(transport);
    try {
      await append(svc.pool, events(svc.type, 20));
      await waitFor('all twenty handled', async () => (await a.handled()).length === 20);
      const [ha, hb] = [await a.results('handled'), await b.results('handled')];
      assert.deepEqual([ha + hb, await a.results('duplicate'), await b.results('duplicate')], [20, 0, 0]);
      assert.ok(ha === 0 || hb === 0, 'one instance read them all');
      const [holder, follower] = ha > 0 ? [a, b] : [b, a];
      await holder.stop();
      await append(svc.pool, events(svc.type, 5, 20));
      await waitFor(
        'the other instance to handle the next five',
        async () => (await follower.results('handled')) === 5,
      );
      assert.equal(await follower.results('duplicate'), 0, 'the stopped holder left its checkpoint');
      await follower.stop();
    } finally {
      await svc.stop();
    }
  });

  it('given a holder started with fewer patterns than a newer instance subscribed with (a rolling deploy), then the holder still reads the events routed for the newer patterns: it never moves its checkpoint over them', async () => {
    const svc = await logService(ldb.db.url);
    const transport = ldb.transport();
    const added = `${svc.type}.added`;
    const old = await logConsumer(svc, transport, { eventTypes: [svc.type] });
    await svc.startRelay(transport);
    await waitFor(
      'the first instance to hold the lease',
      async () =>
        (await svc.count(
          `select count(*)::int as n from messaging.log_checkpoints
            where consumer = $1 and source = $2 and holder is not null`,
          [old.name, svc.schema],
        )) === 1,
    );
    // The newer instance's subscription is what routing sees from now on; the older one keeps the lease.
    const newer = await logConsumer(svc, ldb.transport(), { name: old.name, eventTypes: [svc.type, added] });
    try {
      const [routed] = events(added, 1);
      const after = events(svc.type, 1, 1);
      await append(svc.pool, [routed!, ...after]);
      await waitFor(
        'both events archived',
        async () => (await svc.logPositions([routed!.id, after[0]!.id])).length === 2,
      );
      const [, last] = await svc.logPositions([routed!.id, after[0]!.id]);
      await waitFor(
        'the checkpoint past both events',
        async () => ((await checkpoint(svc.pool, old.name, svc.schema)) ?? 0n) >= last!,
      );
      assert.ok((await old.handled()).includes(routed!.id), 'the event routed to the consumer was handled');
    } finally {
      await newer.stop();
      await old.stop();
      await svc.stop();
    }
  });

  it('given a holder whose lease another instance took and left expired while a row was in hand, then it takes the lease again and its checkpoint still moves past that row', async () => {
    const svc = await logService(ldb.db.url);
    const transport = ldb.transport();
    let opened!: () => void;
    const gate = new Promise<void>((resolve) => {
      opened = resolve;
    });
    let started = false;
    const [first] = events(svc.type, 1);
    const a = await logConsumer(svc, transport, {
      concurrency: 2,
      async handle(_tx, e) {
        if (e.id !== first!.id || started) return;
        started = true;
        await gate;
      },
    });
    await svc.startRelay(transport);
    try {
      await append(svc.pool, [first!]);
      await waitFor('the first row in hand', async () => started);
      // What another instance leaves when its rounds found this holder's lease expired (its rounds failed
      // for a lease's length), took the lease, and died before it read anything.
      await svc.pool.query(
        `update messaging.log_checkpoints set holder = 'another', leased_until = now() - interval '1 second'
          where consumer = $1 and source = $2`,
        [a.name, svc.schema],
      );
      await waitFor(
        'the holder to take its lease again',
        async () =>
          (await svc.count(
            `select count(*)::int as n from messaging.log_checkpoints
              where consumer = $1 and source = $2 and holder <> 'another'`,
            [a.name, svc.schema],
          )) === 1,
      );
      opened();
      const next = events(svc.type, 1, 1);
      await append(svc.pool, next);
      await waitFor('the next event handled', async () => (await a.handled()).includes(next[0]!.id));
      const [last] = await svc.logPositions([next[0]!.id]);
      await waitFor(
        'the checkpoint past the next event',
        async () => ((await checkpoint(svc.pool, a.name, svc.schema)) ?? 0n) >= last!,
      );
    } finally {
      opened();
      await a.stop();
      await svc.stop();
    }
  });

  it('given an instance that died after handling and before its checkpoint, then the next one takes over when the lease expires and reads it again: a duplicate, never a loss', async () => {
    const svc = await logService(ldb.db.url);
    const transport = ldb.transport();
    const first = await logConsumer(svc, transport);
    await svc.startRelay(transport);
    const [e1, e2] = events(svc.type, 2);
    try {
      await append(svc.pool, [e1!]);
      await waitFor('handled', async () => (await first.handled()).length === 1);
      const [p1] = await svc.logPositions([e1!.id]);
      await waitFor('checkpointed', async () => (await checkpoint(svc.pool, first.name, svc.schema)) === p1);
      await first.stop();
      // What a crash leaves: the row handed out (read_to) and handled, the checkpoint before it, and the
      // lease of an instance that no longer renews it, still current.
      await svc.pool.query(
        `update messaging.log_checkpoints
            set position = $3::bigint - 1, read_to = $3, holder = 'dead', leased_until = now() + interval '1 hour'
          where consumer = $1 and source = $2`,
        [first.name, svc.schema, String(p1)],
      );
      const next = await logConsumer(svc, ldb.transport(), { name: first.name });
      try {
        await append(svc.pool, [e2!]);
        await waitFor('e2 archived', async () => (await svc.logPositions([e2!.id])).length === 1);
        const { rows } = await svc.pool.query(
          'select holder from messaging.log_checkpoints where consumer = $1 and source = $2',
          [first.name, svc.schema],
        );
        assert.equal(rows[0].holder, 'dead', 'a current lease is not taken');
        assert.deepEqual(await next.handled(), [e1!.id]);
        await svc.pool.query(
          `update messaging.log_checkpoints set leased_until = now() - interval '1 second'
            where consumer = $1 and source = $2`,
          [first.name, svc.schema],
        );
        await waitFor('e2 handled by the next instance', async () => (await next.handled()).length === 2);
        assert.deepEqual(await next.handled(), [e1!.id, e2!.id], 'e1 took effect once');
        assert.equal(await next.results('duplicate'), 1, 'e1 was read again');
      } finally {
        await next.stop();
      }
    } finally {
      await svc.stop();
    }
  });
});

describe('the archive purge on a log', () => {
  // A database of its own: every subscription has a checkpoint on every log, and the stopped consumers of
  // the tests above would hold this log's purge too (as a retired consumer does until it is removed).
  let pdb: LogDatabase;
  before(async () => {
    pdb = await logDatabase('msg_log_purge');
  });
  after(async () => {
    await pdb.close();
  });

  it('given a consumer whose checkpoint is behind, then the purge keeps the rows it has not passed', async () => {
    const svc = await logService(pdb.db.url);
    const transport = pdb.transport();
    const clock = fixedClock(new Date());
    const reader = await logConsumer(svc, transport);
    await svc.startRelay(transport, clock);
    try {
      const [e0, e1, e2] = events(svc.type, 3);
      await append(svc.pool, [e0!]);
      await waitFor('e0 handled', async () => (await reader.handled()).length === 1);
      // A consumer that subscribes now (its checkpoint at e0) and stops before anything else arrives.
      const behind = await logConsumer(svc, transport);
      await behind.stop();
      await append(svc.pool, [e1!, e2!]);
      await waitFor('e1, e2 handled by the reader', async () => (await reader.handled()).length === 3);
      const archived = () => svc.count('select count(*)::int as n from outbox_published');
      clock.advance(OUTBOX_RETENTION_MS + OUTBOX_PURGE_INTERVAL_MS);
      await waitFor('e0 purged', async () => (await archived()) === 2);
      assert.equal((await svc.logPositions([e0!.id])).length, 0, 'e0 was passed by every consumer');
      assert.equal((await svc.logPositions([e1!.id, e2!.id])).length, 2, 'e1, e2 kept for the one behind');
      const caughtUp = await logConsumer(svc, transport, { name: behind.name });
      try {
        await waitFor('the consumer behind catches up', async () => (await caughtUp.handled()).length === 2);
        clock.advance(OUTBOX_PURGE_INTERVAL_MS);
        await waitFor('everything purged', async () => (await archived()) === 0);
      } finally {
        await caughtUp.stop();
      }
    } finally {
      await reader.stop();
      await svc.stop();
    }
  });
});
