/**
 * ADR 0040: a consumer's round on a log is one statement that persists its checkpoint, renews its lease and
 * reads, and it reads once half its slots are free, so a burst costs about one statement per `concurrency`
 * events on the log path; an idle holder's rounds read without writing. The statements are counted on the
 * consumer transport's own pool, and the real database answers them. The lag probe looks at a bounded
 * window of rows after a checkpoint and counts every row beyond it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { quoteIdent } from '@strongbox/postgres';
import { logLag } from './postgres-log.ts';
import { MESSAGING_SCHEMA, PG_LEASE_MS } from './postgres-transport.ts';
import { append, events, waitFor } from './testing.ts';
import {
  checkpoint,
  type LogDatabase,
  type LogService,
  logConsumer,
  logDatabase,
  logService,
} from './testing-log.ts';

const BURST = 96;
const CONCURRENCY = 8;
/**
 * Statements beyond one per CONCURRENCY events: the round that finds the burst before half the slots are
 * free again, the rounds that persist the last checkpoints, and polls that come during the burst.
 */
const STATEMENTS_EXTRA_MAX = 6;
/** Idle rounds watched for a write of the checkpoint row. */
const IDLE_ROUNDS = 5;

/** The statements of a consumer's log path: its rounds, checkpoint listing and release. */
const onLogPath = (text: string) => text.includes('log_checkpoints') || text.includes('outbox_published');

let ldb: LogDatabase;
before(async () => {
  ldb = await logDatabase('msg_log_rounds');
});
after(async () => {
  await ldb.close();
});

async function checkpointRow(svc: LogService, consumer: string) {
  const { rows } = await svc.pool.query<{ holder: string | null; version: string }>(
    `select holder, xmin::text as version from messaging.log_checkpoints
      where consumer = $1 and source = $2`,
    [consumer, svc.schema],
  );
  return rows[0];
}

describe('a consumer round on a log', () => {
  it('given a burst of events, then one consumer handles them with about one statement per `concurrency` events on its log path', async (t) => {
    const svc = await logService(ldb.db.url);
    const statements = { counting: false, log: 0, all: 0 };
    // The lease of production, so that no renewal falls in the burst; the relay has a transport of its own.
    const transport = ldb.transport({
      leaseMs: PG_LEASE_MS,
      onQuery(text) {
        if (!statements.counting) return;
        statements.all++;
        if (onLogPath(text)) statements.log++;
      },
    });
    const c = await logConsumer(svc, transport, { concurrency: CONCURRENCY });
    await svc.startRelay(ldb.transport());
    try {
      await waitFor(
        'the consumer to hold its lease',
        async () => (await checkpointRow(svc, c.name))?.holder != null,
      );
      statements.counting = true;
      const burst = events(svc.type, BURST);
      await append(svc.pool, burst);
      await waitFor('the burst handled', async () => (await c.handled()).length === BURST);
      const [last] = await svc.logPositions([burst.at(-1)!.id]);
      await waitFor(
        'the checkpoint at the last event',
        async () => (await checkpoint(svc.pool, c.name, svc.schema)) === last,
      );
      statements.counting = false;
      t.diagnostic(
        `${statements.log} statements on the log path (${statements.all} in all) for ${BURST} events`,
      );
      assert.ok(
        statements.log <= BURST / CONCURRENCY + STATEMENTS_EXTRA_MAX,
        `${statements.log} statements on the log path for ${BURST} events at concurrency ${CONCURRENCY}`,
      );
      assert.equal(await c.results('duplicate'), 0, 'no event read twice');
    } finally {
      await c.stop();
      await svc.stop();
    }
  });

  it('given a holder with nothing to read, then its rounds read without writing its checkpoint row', async () => {
    const svc = await logService(ldb.db.url);
    let rounds = 0;
    const transport = ldb.transport({
      leaseMs: PG_LEASE_MS,
      onQuery(text) {
        if (onLogPath(text)) rounds++;
      },
    });
    const c = await logConsumer(svc, transport);
    await svc.startRelay(ldb.transport());
    try {
      const [e] = events(svc.type, 1);
      await append(svc.pool, [e!]);
      await waitFor('handled', async () => (await c.handled()).length === 1);
      const [position] = await svc.logPositions([e!.id]);
      await waitFor(
        'checkpointed',
        async () => (await checkpoint(svc.pool, c.name, svc.schema)) === position,
      );
      const idle = await checkpointRow(svc, c.name);
      const from = rounds;
      await waitFor(`${IDLE_ROUNDS} idle rounds`, async () => rounds >= from + IDLE_ROUNDS);
      assert.equal((await checkpointRow(svc, c.name))?.version, idle?.version, 'the row was not written');
    } finally {
      await c.stop();
      await svc.stop();
    }
  });
});

describe('the lag probe on a log', () => {
  it('given a consumer further behind than the rows it looks at, then its lag counts every row beyond them: an upper bound', async () => {
    const svc = await logService(ldb.db.url);
    const transport = ldb.transport();
    const other = await logConsumer(svc, transport, { eventTypes: [svc.type, 'other.#'] });
    const behind = await logConsumer(svc, transport);
    await behind.stop();
    await svc.startRelay(transport);
    try {
      const mine = events(svc.type, 3);
      const theirs = events('other.thing.happened', 2);
      // In the log: other, mine, other, mine, mine.
      await append(svc.pool, [theirs[0]!, mine[0]!, theirs[1]!, mine[1]!, mine[2]!]);
      await waitFor(
        'all five handled by the other consumer',
        async () => (await other.handled()).length === 5,
      );
      const lag = (scanMax: number) => logLag(svc.pool, quoteIdent(MESSAGING_SCHEMA), behind.name, scanMax);
      assert.equal(await lag(5), 3, 'exact within the window');
      assert.equal(await lag(2), 1 + 3, 'one of its own among the first two, and the three rows after them');
    } finally {
      await other.stop();
      await svc.stop();
    }
  });
});
