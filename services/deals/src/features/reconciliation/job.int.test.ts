/**
 * One reconciliation run against real PostgreSQL, the bank played by a table of its answers (the sandbox's
 * part is in sandbox.int.test.ts): findings recorded once, seen again, closed when gone, published through
 * the outbox; deals paged under a batch limit; never two runs at once, even from two pools.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Logger } from '@strongbox/kernel';
import type { BankDealAnswer } from '../../domain/reconciliation.ts';
import { type Harness, startDeals } from '../../test-support.ts';
import { dealStore, reconciliationLock, reconciliationStore } from '../../wiring.ts';
import { type ReconciliationDeps, reconcileOnce } from './job.ts';
import type { ReconciliationBank } from './ports.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;
const MINUTE = 60_000;

let h: Harness;
let n = 0;
/** What the bank answers, by its deal id; a deal missing here is one the bank does not know. */
const atBank = new Map<string, BankDealAnswer>();
const payerAccounts = new Map<string, { amount: bigint; amountOnHold: bigint }>();
const escrows = new Map<string, bigint>();
let bankCalls = 0;

const bank: ReconciliationBank = {
  async deal(id) {
    bankCalls++;
    return atBank.get(id);
  },
  async virtualAccount(id) {
    bankCalls++;
    return payerAccounts.get(id);
  },
};

function deps(over: Partial<ReconciliationDeps> = {}): ReconciliationDeps {
  return {
    lock: reconciliationLock(h.pool),
    store: reconciliationStore(h.pool, h.clock),
    bank,
    ledger: { escrowOf: async (dealId) => escrows.get(dealId) ?? 0n },
    deals: dealStore(h.pool, h.clock),
    followStep: async () => 0,
    clock: h.clock,
    logger: silent,
    afterMs: 10 * MINUTE,
    batchMax: 1_000,
    ...over,
  };
}

const held = (amount: bigint): BankDealAnswer => ({
  status: 'ACCEPTED',
  steps: [{ status: 'NEW', deponents: [{ amount }] }],
});

/** A deal registered at the bank as `bank_<n>`, funded when asked, with every task it caused done. */
async function dealAtBank(opts: { funded?: boolean } = {}): Promise<{ id: string; bankDealId: string }> {
  const tag = ++n;
  const rcp = await h.recipient(`usr_r${tag}`);
  const { id } = await h.draft('usr_agent', `usr_payer${tag}`, rcp);
  await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/submit` });
  const bankDealId = `bank_${tag}`;
  await h.bank(id, { kind: 'registered_at_bank', bankDealId });
  await h.pool.query('insert into bank_payers (user_id, beneficiary_id, created_at) values ($1, $2, now())', [
    `usr_payer${tag}`,
    `ben_payer${tag}`,
  ]);
  if (opts.funded) {
    await h.bank(id, { kind: 'fund', incomingTransactionId: `op_${tag}`, amount: 100_000n });
    atBank.set(bankDealId, held(100_000n));
    escrows.set(id, 100_000n);
    payerAccounts.set(`ben_payer${tag}`, { amount: 0n, amountOnHold: 100_000n });
  } else atBank.set(bankDealId, { status: 'DRAFT', steps: [{ status: 'NEW', deponents: [] }] });
  await settleTasks();
  return { id, bankDealId };
}

async function settleTasks() {
  await h.pool.query("update bank_tasks set status = 'done', done_at = now() where status = 'pending'");
  await h.pool.query("update ledger_tasks set status = 'done', done_at = now() where status = 'pending'");
}

const findings = async (subject: string) =>
  (
    await h.pool.query(
      `select kind, ours_status, bank_status, ours_amount, bank_amount, resolved_at is null as open
       from reconciliation_findings where subject = $1 order by seq`,
      [subject],
    )
  ).rows;

before(async () => {
  h = await startDeals();
});
beforeEach(async () => {
  // Every earlier test's deals are compared and quiet: each test sees only its own.
  h.clock.advance(11 * MINUTE);
  await reconcileOnce(deps());
});
after(async () => {
  await h?.close();
});

describe('a reconciliation run', () => {
  it('records a difference once, sees it again on the next run, and closes it once it is gone', async () => {
    const { id, bankDealId } = await dealAtBank({ funded: true });
    atBank.set(bankDealId, { ...held(100_000n), status: 'CANCELLED' });
    h.clock.advance(11 * MINUTE);
    const first = await reconcileOnce(deps());
    assert.equal(first.ran, true);
    assert.equal(first.recorded, 2, 'the state, and the escrow the bank no longer holds');
    assert.deepEqual(
      (await findings(id)).map((f) => [
        f.kind,
        f.ours_status ?? f.ours_amount,
        f.bank_status ?? f.bank_amount,
      ]),
      [
        ['deal_state', 'funded', 'CANCELLED'],
        ['escrow_balance', 100_000n, 0n],
      ],
    );
    const { rows: events } = await h.pool.query(
      "select type, envelope->'data' as data from outbox where type = 'deals.reconciliation.finding_recorded' and envelope->'data'->>'dealId' = $1",
      [id],
    );
    assert.equal(events.length, 2, 'each finding is published once');
    assert.deepEqual(events.map((e) => e.data.kind).sort(), ['deal_state', 'escrow_balance']);

    h.clock.advance(6 * MINUTE);
    const again = await reconcileOnce(deps());
    assert.equal(again.recorded, 0, 'the same difference is not recorded twice');
    assert.equal((await findings(id)).length, 2);

    atBank.set(bankDealId, held(100_000n));
    h.clock.advance(6 * MINUTE);
    const gone = await reconcileOnce(deps());
    assert.equal(gone.resolved, 2);
    assert.deepEqual(
      (await findings(id)).map((f) => f.open),
      [false, false],
    );
    const { rows: resolved } = await h.pool.query(
      "select count(*)::int as n from outbox where type = 'deals.reconciliation.finding_resolved' and envelope->'data'->>'dealId' = $1",
      [id],
    );
    assert.equal(resolved[0].n, 2);
  });

  it("compares a payer's virtual account with the escrows of their deals", async () => {
    const { id } = await dealAtBank({ funded: true });
    const { rows } = await h.pool.query('select payer_id from deal_views where deal_id = $1', [id]);
    const payer = rows[0].payer_id as string;
    const beneficiary = `ben_${payer.slice(4)}`;
    payerAccounts.set(beneficiary, { amount: 25_000n, amountOnHold: 100_000n });
    h.clock.advance(11 * MINUTE);
    assert.equal((await reconcileOnce(deps())).recorded, 1);
    assert.deepEqual(
      (await findings(`payer:${payer}`)).map((f) => [f.kind, f.ours_amount, f.bank_amount, f.open]),
      [['virtual_account_balance', 100_000n, 125_000n, true]],
    );

    // The deal is cancelled: its escrow goes back, the bank frees the hold, the money stays with the payer.
    const cancelled = await h.as('usr_agent', ['agent'], { method: 'POST', url: `/v1/deals/${id}/cancel` });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    await settleTasks();
    const bankDealId = (
      await h.pool.query('select view->>$2 as b from deal_views where deal_id = $1', [id, 'bankDealId'])
    ).rows[0].b;
    atBank.set(bankDealId, { ...held(100_000n), status: 'CANCELLED' });
    escrows.set(id, 0n);
    payerAccounts.set(beneficiary, { amount: 100_000n, amountOnHold: 0n });
    h.clock.advance(11 * MINUTE);
    const moved = await reconcileOnce(deps());
    assert.deepEqual([moved.recorded, moved.resolved], [1, 1], 'another difference: the old one closes');
    h.clock.advance(6 * MINUTE);
    assert.equal((await reconcileOnce(deps())).recorded, 0, 'the final deal is compared again for its payer');
    // An operator returned the money by hand at the bank.
    payerAccounts.set(beneficiary, { amount: 0n, amountOnHold: 0n });
    h.clock.advance(6 * MINUTE);
    assert.equal((await reconcileOnce(deps())).resolved, 1);
    assert.deepEqual(
      (await findings(`payer:${payer}`)).map((f) => [f.ours_amount, f.bank_amount, f.open]),
      [
        [100_000n, 125_000n, false],
        [0n, 100_000n, false],
      ],
    );
  });

  it('leaves a deal with a task in flight for a later run, and one changed recently too', async () => {
    const { id, bankDealId } = await dealAtBank({ funded: true });
    atBank.set(bankDealId, { ...held(100_000n), status: 'CANCELLED' });
    await h.pool.query(
      `insert into bank_tasks (task_key, subject_id, deal_id, kind, payload, next_attempt_at, created_at)
       values ($1, $2, $2, 'accept_deal', '{}', now(), now())`,
      [`busy-${id}`, id],
    );
    assert.equal((await reconcileOnce(deps())).recorded, 0, 'changed less than 10 minutes ago');
    h.clock.advance(11 * MINUTE);
    const busy = await reconcileOnce(deps());
    assert.equal(busy.recorded, 0);
    assert.ok(busy.busy >= 1);
    await settleTasks();
    h.clock.advance(6 * MINUTE);
    assert.equal((await reconcileOnce(deps())).recorded, 2, 'compared once quiet: its state and its escrow');
  });

  it('pages through waiting deals under its batch limit, the least recently compared first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await dealAtBank()).id);
    h.clock.advance(11 * MINUTE);
    const seen = async () =>
      (
        await h.pool.query(
          'select subject from reconciliation_checks where subject = any($1) and checked_at = $2',
          [ids, h.clock.now()],
        )
      ).rows.map((r) => r.subject as string);
    const first = await reconcileOnce(deps({ batchMax: 2 }));
    assert.equal(first.deals, 2, 'stopped at the batch limit');
    const firstSeen = await seen();
    assert.equal(firstSeen.length, 2);
    h.clock.advance(1_000);
    await reconcileOnce(deps({ batchMax: 2 }));
    const secondSeen = await seen();
    assert.ok(
      secondSeen.includes(ids.find((i) => !firstSeen.includes(i)) as string),
      'the next run starts with the deal the last one did not reach',
    );
  });

  it('stops after the subject in hand once the process is stopping', async () => {
    const { id } = await dealAtBank();
    h.clock.advance(11 * MINUTE);
    const stopping = new AbortController();
    stopping.abort();
    const r = await reconcileOnce(deps({ signal: stopping.signal }));
    assert.deepEqual([r.ran, r.deals], [true, 0]);
    await reconcileOnce(deps());
    const { rows } = await h.pool.query('select checked_at from reconciliation_checks where subject = $1', [
      id,
    ]);
    assert.deepEqual(
      rows.map((x) => x.checked_at.getTime()),
      [h.clock.now().getTime()],
      'the next run compares it',
    );
  });

  it('paces its bank calls evenly, never two closer than paceMs, so the bank keeps tokens to spare', async () => {
    await dealAtBank();
    await dealAtBank();
    h.clock.advance(11 * MINUTE);
    const seen: string[] = [];
    const watched: ReconciliationBank = {
      deal: async (id) => {
        seen.push('call');
        return bank.deal(id);
      },
      virtualAccount: async (id) => {
        seen.push('call');
        return bank.virtualAccount(id);
      },
    };
    // The test's clock stands still, so each call after the first waits the whole pace.
    const wait = async (ms: number) => {
      seen.push(`wait ${ms}`);
    };
    const r = await reconcileOnce(deps({ bank: watched, paceMs: 100, wait }));
    // These two deals and their two payers' virtual accounts at least (earlier tests' open deals too).
    assert.ok(r.deals >= 2);
    const calls = seen.filter((s) => s === 'call').length;
    assert.ok(calls >= 4);
    const expected = Array.from({ length: calls * 2 - 1 }, (_, i) => (i % 2 === 0 ? 'call' : 'wait 100'));
    assert.deepEqual(seen, expected, 'the first call goes at once, each later one a whole pace after it');

    seen.length = 0;
    h.clock.advance(11 * MINUTE);
    await reconcileOnce(deps({ bank: watched, wait }));
    assert.ok(!seen.some((s) => s.startsWith('wait')), 'without paceMs nothing waits');
  });

  it('never runs twice at once: a second runner on another pool skips while the first holds the lock', async () => {
    // Another process's pool (the test database closes it).
    const other = h.db.pool('deals');
    let release!: () => void;
    const holding = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const first = reconciliationLock(h.pool).run(async () => {
      entered();
      await holding;
      return 'first';
    });
    await inside;
    const calls = bankCalls;
    const second = await reconcileOnce(deps({ lock: reconciliationLock(other) }));
    assert.equal(second.ran, false);
    assert.equal(bankCalls, calls, 'the skipped run asked the bank nothing');
    release();
    assert.deepEqual(await first, { ran: true, value: 'first' });
    assert.equal((await reconcileOnce(deps({ lock: reconciliationLock(other) }))).ran, true);
  });
});
