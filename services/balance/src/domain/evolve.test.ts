import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Actor } from './access.ts';
import { decide, type LedgerCommand, type LedgerState } from './decide.ts';
import { evolve } from './evolve.ts';
import { type Account, availableOf, balanceOf, type Transfer } from './ledger.ts';

const at = new Date('2026-05-01T10:00:00Z');
const service: Actor = { sub: 'cli_test', privileged: true };

const account = (id: string, over: Partial<Account> = {}): Account => ({
  id,
  ownerId: 'usr_a',
  currency: 'EUR',
  allowNegative: false,
  postedDebits: 0n,
  postedCredits: 100n,
  pendingDebits: 0n,
  version: 3n,
  ...over,
});

/** A tiny in-memory ledger that applies accepted decisions through `evolve`, as the group commit does. */
function ledger(accounts: Account[]) {
  const a = new Map(accounts.map((x) => [x.id, x]));
  const t = new Map<string, Transfer>();
  const state: LedgerState = { account: (id) => a.get(id), transfer: (id) => t.get(id) };
  const entries: Array<{ accountId: string; direction: string; amount: bigint; balanceAfter: bigint }> = [];
  return {
    a,
    t,
    entries,
    run(command: LedgerCommand, when: Date = at) {
      const d = decide(command, state, when);
      if (!d.ok) return d;
      for (const e of d.events) {
        const change = evolve(state, e);
        for (const x of change.accounts) a.set(x.id, x);
        t.set(change.transfer.id, change.transfer);
        entries.push(...change.entries);
      }
      return d;
    },
  };
}

const create = (
  id: string,
  amount: bigint,
  pending = false,
  from = 'acc_a',
  to = 'acc_b',
): LedgerCommand => ({
  kind: 'create',
  actor: service,
  transfer: {
    id,
    debitAccountId: from,
    creditAccountId: to,
    amount,
    currency: 'EUR',
    pending,
    timeoutSeconds: pending ? 60 : null,
    description: null,
    metadata: {},
    traceId: null,
  },
});

describe('evolve', () => {
  it('given a posted transfer, then debit and credit move by the amount with balanced entries', () => {
    const l = ledger([account('acc_a'), account('acc_b', { postedCredits: 0n })]);
    l.run(create('tr_1', 30n));
    const [a, b] = [l.a.get('acc_a') as Account, l.a.get('acc_b') as Account];
    assert.deepEqual([balanceOf(a), balanceOf(b), a.version, b.version], [70n, 30n, 4n, 4n]);
    assert.deepEqual(l.entries, [
      {
        accountId: 'acc_a',
        transferId: 'tr_1',
        direction: 'debit',
        amount: 30n,
        balanceAfter: 70n,
        version: 4n,
      },
      {
        accountId: 'acc_b',
        transferId: 'tr_1',
        direction: 'credit',
        amount: 30n,
        balanceAfter: 30n,
        version: 4n,
      },
    ]);
  });

  it('given a pending transfer, then only the debit account holds it, and no entry is written', () => {
    const l = ledger([account('acc_a'), account('acc_b', { postedCredits: 0n })]);
    l.run(create('tr_1', 30n, true));
    const a = l.a.get('acc_a') as Account;
    assert.deepEqual([balanceOf(a), a.pendingDebits, availableOf(a)], [100n, 30n, 70n]);
    assert.equal((l.a.get('acc_b') as Account).version, 3n);
    assert.equal(l.entries.length, 0);
  });

  it('given a hold posted in part, then the part moves and the rest is released', () => {
    const l = ledger([account('acc_a'), account('acc_b', { postedCredits: 0n })]);
    l.run(create('tr_1', 30n, true));
    l.run({ kind: 'post', transferId: 'tr_1', amount: 10n, actor: service });
    const [a, b] = [l.a.get('acc_a') as Account, l.a.get('acc_b') as Account];
    assert.deepEqual([balanceOf(a), a.pendingDebits, balanceOf(b)], [90n, 0n, 10n]);
    assert.deepEqual(
      l.entries.map((e) => [e.direction, e.amount]),
      [
        ['debit', 10n],
        ['credit', 10n],
      ],
    );
  });

  it('given a hold voided or expired, then all of it is released and nothing moves', () => {
    const l = ledger([account('acc_a'), account('acc_b')]);
    l.run(create('tr_1', 30n, true));
    l.run(create('tr_2', 20n, true));
    l.run({ kind: 'void', transferId: 'tr_1', actor: service });
    l.run({ kind: 'expire', transferId: 'tr_2' }, new Date(at.getTime() + 60_000));
    const a = l.a.get('acc_a') as Account;
    assert.deepEqual([balanceOf(a), a.pendingDebits, a.version], [100n, 0n, 7n]);
  });

  it('never lets a non-negative account go below zero, and keeps every currency summing to zero', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('create' as const),
        amount: fc.bigInt(1n, 150n),
        pending: fc.boolean(),
        from: fc.constantFrom('acc_a', 'acc_b', 'acc_f'),
        to: fc.constantFrom('acc_a', 'acc_b', 'acc_f'),
      }),
      fc.record({
        kind: fc.constant('post' as const),
        n: fc.nat(20),
        amount: fc.option(fc.bigInt(1n, 150n)),
      }),
      fc.record({ kind: fc.constant('void' as const), n: fc.nat(20) }),
      fc.record({ kind: fc.constant('expire' as const), n: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        // acc_f is a funding account: it may go negative and carries the other side of every balance.
        const l = ledger([
          account('acc_a', { postedCredits: 100n }),
          account('acc_b', { postedCredits: 0n, postedDebits: 0n }),
          account('acc_f', { allowNegative: true, postedCredits: 0n, postedDebits: 100n }),
        ]);
        const ids: string[] = [];
        ops.forEach((o, i) => {
          const id = () => ids[(o as { n: number }).n % Math.max(1, ids.length)] ?? 'tr_x';
          if (o.kind === 'create') {
            const c = create(`tr_${i}`, o.amount, o.pending, o.from, o.to);
            if (l.run(c).ok) ids.push(`tr_${i}`);
          } else if (o.kind === 'post')
            l.run({ kind: 'post', transferId: id(), amount: o.amount, actor: service });
          else if (o.kind === 'void') l.run({ kind: 'void', transferId: id(), actor: service });
          else l.run({ kind: 'expire', transferId: id() }, new Date(at.getTime() + 60_000));
          const accounts = [...l.a.values()];
          for (const x of accounts)
            if (!x.allowNegative) assert.ok(availableOf(x) >= 0n, `${x.id} is negative`);
          assert.equal(
            accounts.reduce((s, x) => s + balanceOf(x), 0n),
            0n,
          );
          for (const x of accounts) {
            const held = [...l.t.values()]
              .filter((t) => t.status === 'pending' && t.debitAccountId === x.id)
              .reduce((s, t) => s + t.amount, 0n);
            assert.equal(x.pendingDebits, held);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
