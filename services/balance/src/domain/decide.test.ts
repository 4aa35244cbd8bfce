import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actor } from './access.ts';
import { type Decision, decide, type LedgerCommand, type LedgerState, type NewTransfer } from './decide.ts';
import { ACCOUNT_TOTAL_MAX, type Account, type Transfer } from './ledger.ts';

const at = new Date('2026-05-01T10:00:00Z');
const alice: Actor = { sub: 'usr_alice', privileged: false };
const bob: Actor = { sub: 'usr_bob', privileged: false };
const ops: Actor = { sub: 'cli_orders', privileged: true };

const account = (id: string, over: Partial<Account> = {}): Account => ({
  id,
  ownerId: 'usr_alice',
  currency: 'EUR',
  allowNegative: false,
  postedDebits: 0n,
  postedCredits: 100n,
  pendingDebits: 0n,
  version: 1n,
  ...over,
});

const pendingTransfer = (over: Partial<Transfer> = {}): Transfer => ({
  id: 'tr_1',
  debitAccountId: 'acc_a',
  creditAccountId: 'acc_b',
  amount: 40n,
  currency: 'EUR',
  status: 'pending',
  postedAmount: 0n,
  description: null,
  metadata: {},
  traceId: 'trace-1',
  createdBy: 'usr_alice',
  createdAt: at,
  expiresAt: new Date(at.getTime() + 60_000),
  ...over,
});

function given(accounts: Account[], transfers: Transfer[] = []): LedgerState {
  const a = new Map(accounts.map((x) => [x.id, x]));
  const t = new Map(transfers.map((x) => [x.id, x]));
  return { account: (id) => a.get(id), transfer: (id) => t.get(id) };
}

const newTransfer = (over: Partial<NewTransfer> = {}): NewTransfer => ({
  id: 'tr_new',
  debitAccountId: 'acc_a',
  creditAccountId: 'acc_b',
  amount: 30n,
  currency: 'EUR',
  pending: false,
  timeoutSeconds: null,
  description: 'rent',
  metadata: { k: 'v' },
  traceId: 'trace-2',
  ...over,
});

const create = (over: Partial<NewTransfer> = {}, actor: Actor = alice): LedgerCommand => ({
  kind: 'create',
  transfer: newTransfer(over),
  actor,
});

function rejected(d: Decision): string {
  assert.equal(d.ok, false, 'expected a rejection');
  return d.ok ? '' : d.rejection.code;
}

function accepted(d: Decision) {
  assert.ok(d.ok, d.ok ? '' : `expected acceptance, got ${d.rejection.code}`);
  assert.equal(d.events.length, 1);
  return d.events[0] as NonNullable<(typeof d.events)[0]>;
}

const two = () => given([account('acc_a'), account('acc_b', { ownerId: 'usr_bob', postedCredits: 0n })]);

describe('decide: create a transfer', () => {
  it('given funds on the own debit account, when a transfer is created, then it is posted at once', () => {
    const e = accepted(decide(create(), two(), at));
    assert.equal(e.type, 'transfer_posted');
    assert.deepEqual(
      [e.transfer.status, e.transfer.postedAmount, e.transfer.createdBy, e.transfer.expiresAt],
      ['posted', 30n, 'usr_alice', null],
    );
    assert.equal(e.transfer.createdAt, at);
  });

  it('given exactly the available amount, when all of it is sent, then it is accepted', () => {
    accepted(decide(create({ amount: 100n }), two(), at));
  });

  it('given a pending transfer request, when created, then it holds the amount until at + timeout', () => {
    const e = accepted(decide(create({ pending: true, timeoutSeconds: 90 }), two(), at));
    assert.equal(e.type, 'transfer_pending');
    assert.equal(e.transfer.postedAmount, 0n);
    assert.equal(e.transfer.expiresAt?.getTime(), at.getTime() + 90_000);
  });

  it('given the same account on both sides, then it is same_account', () => {
    assert.equal(rejected(decide(create({ creditAccountId: 'acc_a' }), two(), at)), 'same_account');
  });

  it('given no debit account, then it is account_not_found', () => {
    assert.equal(rejected(decide(create({ debitAccountId: 'acc_x' }), two(), at)), 'account_not_found');
  });

  it("given another user's debit account, when a customer debits it, then it is account_not_found", () => {
    assert.equal(rejected(decide(create({}, bob), two(), at)), 'account_not_found');
  });

  it("given another user's debit account, when a service debits it, then it is accepted", () => {
    accepted(decide(create({}, ops), two(), at));
  });

  it('given no credit account, then it is account_not_found', () => {
    assert.equal(rejected(decide(create({ creditAccountId: 'acc_x' }), two(), at)), 'account_not_found');
  });

  it('given accounts in another currency than the transfer, then it is currency_mismatch', () => {
    assert.equal(rejected(decide(create({ currency: 'USD' }), two(), at)), 'currency_mismatch');
    const mixed = given([account('acc_a'), account('acc_b', { currency: 'USD' })]);
    assert.equal(rejected(decide(create(), mixed, at)), 'currency_mismatch');
  });

  it("given another user's credit account in another currency, then the rejection does not name its currency", () => {
    const bobs = given([
      account('acc_a', { currency: 'USD' }),
      account('acc_b', { ownerId: 'usr_bob', currency: 'JPY' }),
    ]);
    for (const transfer of [{}, { currency: 'USD' }]) {
      const d = decide(create(transfer), bobs, at);
      assert.equal(rejected(d), 'currency_mismatch');
      assert.ok(!d.ok && !d.rejection.detail.includes('JPY'), !d.ok ? d.rejection.detail : '');
    }
    const own = decide(
      create({ currency: 'USD' }),
      given([account('acc_a', { currency: 'USD' }), account('acc_b', { currency: 'JPY' })]),
      at,
    );
    assert.ok(!own.ok && own.rejection.detail.includes('JPY'), 'the owner of both accounts is told');
  });

  it('given less available than the amount, then it is insufficient_funds', () => {
    assert.equal(rejected(decide(create({ amount: 101n }), two(), at)), 'insufficient_funds');
  });

  it('given money held by a pending transfer, then only the rest is available', () => {
    const s = given([account('acc_a', { pendingDebits: 80n }), account('acc_b')]);
    assert.equal(rejected(decide(create({ amount: 21n }), s, at)), 'insufficient_funds');
    accepted(decide(create({ amount: 20n }), s, at));
  });

  it('given an account that may go negative, when it sends more than it has, then it is accepted', () => {
    const s = given([account('acc_a', { allowNegative: true, postedCredits: 0n }), account('acc_b')]);
    accepted(decide(create({ amount: 1_000n }), s, at));
  });

  it('given totals near 2^53 - 1, when a transfer would pass it, then it is amount_overflow', () => {
    const big = ACCOUNT_TOTAL_MAX - 10n;
    const debitFull = given([
      account('acc_a', { allowNegative: true, postedCredits: 0n, postedDebits: big }),
      account('acc_b'),
    ]);
    assert.equal(rejected(decide(create({ amount: 11n }), debitFull, at)), 'amount_overflow');
    const creditFull = given([account('acc_a'), account('acc_b', { postedCredits: big })]);
    assert.equal(rejected(decide(create({ amount: 11n }), creditFull, at)), 'amount_overflow');
    accepted(decide(create({ amount: 10n }), creditFull, at));
  });
});

describe('decide: post, void and expire a pending transfer', () => {
  const held = () => given([account('acc_a', { pendingDebits: 40n }), account('acc_b')], [pendingTransfer()]);
  const post = (amount: bigint | null, actor: Actor = alice): LedgerCommand => ({
    kind: 'post',
    transferId: 'tr_1',
    amount,
    actor,
  });

  it('given a pending transfer, when its creator posts it all, then it is posted in full', () => {
    const e = accepted(decide(post(null), held(), at));
    assert.equal(e.type, 'pending_posted');
    assert.deepEqual([e.transfer.status, e.transfer.postedAmount], ['posted', 40n]);
  });

  it('given a pending transfer, when part is posted, then postedAmount is that part', () => {
    assert.equal(accepted(decide(post(15n), held(), at)).transfer.postedAmount, 15n);
  });

  it('given a pending transfer, when more than it holds is posted, then it is amount_exceeds_pending', () => {
    assert.equal(rejected(decide(post(41n), held(), at)), 'amount_exceeds_pending');
  });

  it('given no such transfer, then post and void are transfer_not_found', () => {
    const p: LedgerCommand = { kind: 'post', transferId: 'tr_x', amount: null, actor: alice };
    assert.equal(rejected(decide(p, held(), at)), 'transfer_not_found');
    const v: LedgerCommand = { kind: 'void', transferId: 'tr_x', actor: alice };
    assert.equal(rejected(decide(v, held(), at)), 'transfer_not_found');
  });

  it('given a hold someone else created, when a user posts or voids it, then it is transfer_not_found', () => {
    assert.equal(rejected(decide(post(null, bob), held(), at)), 'transfer_not_found');
    const v: LedgerCommand = { kind: 'void', transferId: 'tr_1', actor: bob };
    assert.equal(rejected(decide(v, held(), at)), 'transfer_not_found');
  });

  it('given a hold a user created, when a service posts it, then it is accepted', () => {
    accepted(decide(post(null, ops), held(), at));
  });

  it('given a resolved transfer, when it is posted or voided, then it is transfer_not_pending', () => {
    for (const status of ['posted', 'voided', 'expired'] as const) {
      const s = given([account('acc_a'), account('acc_b')], [pendingTransfer({ status })]);
      assert.equal(rejected(decide(post(null), s, at)), 'transfer_not_pending');
      assert.equal(
        rejected(decide({ kind: 'void', transferId: 'tr_1', actor: alice }, s, at)),
        'transfer_not_pending',
      );
    }
  });

  it('given a hold past its deadline, when it is posted, then it is transfer_not_pending', () => {
    const late = new Date(at.getTime() + 60_000);
    assert.equal(rejected(decide(post(null), held(), late)), 'transfer_not_pending');
  });

  it('given a credit account near 2^53 - 1, when the hold is posted, then it is amount_overflow', () => {
    const s = given(
      [account('acc_a', { pendingDebits: 40n }), account('acc_b', { postedCredits: ACCOUNT_TOTAL_MAX - 1n })],
      [pendingTransfer()],
    );
    assert.equal(rejected(decide(post(null), s, at)), 'amount_overflow');
  });

  it('given a pending transfer, when it is voided, then it is voided', () => {
    const e = accepted(decide({ kind: 'void', transferId: 'tr_1', actor: alice }, held(), at));
    assert.deepEqual([e.type, e.transfer.status, e.transfer.postedAmount], ['pending_voided', 'voided', 0n]);
  });

  it('given a hold before its deadline, when expiry is asked, then it is transfer_not_expired', () => {
    assert.equal(
      rejected(decide({ kind: 'expire', transferId: 'tr_1' }, held(), at)),
      'transfer_not_expired',
    );
  });

  it('given a hold at its deadline, when expiry is asked, then it expires', () => {
    const due = new Date(at.getTime() + 60_000);
    const e = accepted(decide({ kind: 'expire', transferId: 'tr_1' }, held(), due));
    assert.deepEqual([e.type, e.transfer.status], ['pending_expired', 'expired']);
  });

  it('given a resolved or missing transfer, when expiry is asked, then nothing expires', () => {
    const s = given([account('acc_a'), account('acc_b')], [pendingTransfer({ status: 'voided' })]);
    const due = new Date(at.getTime() + 60_000);
    assert.equal(rejected(decide({ kind: 'expire', transferId: 'tr_1' }, s, due)), 'transfer_not_pending');
    assert.equal(rejected(decide({ kind: 'expire', transferId: 'tr_x' }, s, due)), 'transfer_not_found');
  });
});
