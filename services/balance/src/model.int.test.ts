import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

/**
 * Model-based test (issue 3): random sequences of account openings, transfers, holds, posts, voids,
 * expiries, retries with the same key and concurrent bursts, run against the real service on PostgreSQL
 * and against a plain in-memory model. After every step every account and transfer must match the
 * model, and the ledger audit must pass.
 */
interface MAccount {
  readonly id: string;
  readonly owner: number;
  balance: number;
  held: number;
}
interface MTransfer {
  readonly id: string;
  readonly from: MAccount;
  readonly to: MAccount;
  readonly amount: number;
  readonly creator: number;
  readonly expiresAtMs: number;
  status: 'posted' | 'pending' | 'voided' | 'expired';
  posted: number;
}
interface Sent {
  readonly caller: number;
  readonly url: string;
  readonly body: unknown;
  readonly key: string;
  readonly status: number;
  readonly text: string;
}
interface Model {
  readonly accounts: MAccount[];
  readonly transfers: MTransfer[];
  readonly sent: Sent[];
}
interface Real {
  readonly users: Caller[];
  readonly service: Caller;
  readonly funding: string;
}
type Cmd = fc.AsyncCommand<Model, Real>;

const USERS = 3;
let h: Harness;
let admin: Caller;

before(async () => {
  h = await startBalance();
  admin = await h.caller('usr_admin', ['admin']);
});
after(async () => {
  await h.close();
});

const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length] as T;
const available = (a: MAccount) => a.balance - a.held;

async function send(m: Model, r: Real, caller: number, url: string, body: unknown) {
  const key = randomUUID();
  const res = await (r.users[caller] as Caller).post(url, body, key);
  m.sent.push({ caller, url, body, key, status: res.status, text: res.body });
  return res;
}

function expireDue(m: Model): void {
  const now = h.clock.now().getTime();
  for (const t of m.transfers) {
    if (t.status === 'pending' && t.expiresAtMs <= now) {
      t.status = 'expired';
      t.from.held -= t.amount;
    }
  }
}

/** Every account and transfer of the model, as the service shows them, and the audit. */
async function verify(m: Model, r: Real): Promise<void> {
  for (const a of m.accounts) {
    const got = (await (r.users[a.owner] as Caller).get(`/v1/accounts/${a.id}`)).json();
    assert.deepEqual(
      [got.balance, got.held, got.available],
      [a.balance, a.held, available(a)],
      `account ${a.id}`,
    );
  }
  for (const t of m.transfers) {
    const got = (await r.service.get(`/v1/transfers/${t.id}`)).json();
    assert.deepEqual([got.status, got.postedAmount], [t.status, t.posted], `transfer ${t.id}`);
  }
  const audit = (await admin.get('/v1/ledger/audit')).json();
  assert.equal(audit.ok, true, JSON.stringify(audit.checks.filter((c: { ok: boolean }) => !c.ok)));
}

const command = (name: string, check: (m: Readonly<Model>) => boolean, run: Cmd['run']): Cmd => ({
  check,
  run: async (m, r) => {
    await run(m, r);
    await verify(m, r);
  },
  toString: () => name,
});

const open = fc.nat(USERS - 1).map((owner) =>
  command(
    `open(${owner})`,
    () => true,
    async (m, r) => {
      const res = await send(m, r, owner, '/v1/accounts', { currency: 'EUR' });
      assert.equal(res.status, 201, res.body);
      m.accounts.push({ id: res.json().id, owner, balance: 0, held: 0 });
    },
  ),
);

const fund = fc.record({ n: fc.nat(), amount: fc.integer({ min: 1, max: 500 }) }).map(({ n, amount }) =>
  command(
    `fund(${n}, ${amount})`,
    (m) => m.accounts.length > 0,
    async (m, r) => {
      const a = pick(m.accounts, n);
      assert.equal((await transfer(r.service, r.funding, a.id, amount)).status, 201);
      a.balance += amount;
    },
  ),
);

const create = fc
  .record({
    from: fc.nat(),
    to: fc.nat(),
    amount: fc.integer({ min: 1, max: 300 }),
    pending: fc.boolean(),
    timeout: fc.integer({ min: 1, max: 120 }),
    asOwner: fc.boolean(),
  })
  .map((c) =>
    command(
      `transfer(${JSON.stringify(c)})`,
      (m) => m.accounts.length > 0,
      async (m, r) => {
        const from = pick(m.accounts, c.from);
        const to = pick(m.accounts, c.to);
        const caller = c.asOwner ? from.owner : (from.owner + 1) % USERS;
        const body = {
          debitAccountId: from.id,
          creditAccountId: to.id,
          amount: c.amount,
          currency: 'EUR',
          ...(c.pending ? { pending: true, timeoutSeconds: c.timeout } : {}),
        };
        const res = await send(m, r, caller, '/v1/transfers', body);
        const expected =
          from === to
            ? 'same_account'
            : caller !== from.owner
              ? 'account_not_found'
              : available(from) < c.amount
                ? 'insufficient_funds'
                : 'ok';
        assert.equal(res.status === 201 ? 'ok' : res.json().code, expected, res.body);
        if (expected !== 'ok') return;
        const t: MTransfer = {
          id: res.json().id,
          from,
          to,
          amount: c.amount,
          creator: caller,
          expiresAtMs: h.clock.now().getTime() + c.timeout * 1000,
          status: c.pending ? 'pending' : 'posted',
          posted: c.pending ? 0 : c.amount,
        };
        if (c.pending) from.held += c.amount;
        else {
          from.balance -= c.amount;
          to.balance += c.amount;
        }
        m.transfers.push(t);
      },
    ),
  );

const resolve = fc
  .record({
    n: fc.nat(),
    action: fc.constantFrom('post', 'void'),
    part: fc.option(fc.integer({ min: 1, max: 300 })),
  })
  .map(({ n, action, part }) =>
    command(
      `${action}(${n}, ${part})`,
      (m) => m.transfers.length > 0,
      async (m, r) => {
        const t = pick(m.transfers, n);
        const body = action === 'post' && part !== null ? { amount: part } : {};
        const res = await send(m, r, t.creator, `/v1/transfers/${t.id}/${action}`, body);
        // A post or void after the deadline expires that hold first (the sweeper may not have run yet).
        if (t.status === 'pending' && t.expiresAtMs <= h.clock.now().getTime()) {
          t.status = 'expired';
          t.from.held -= t.amount;
        }
        const amount = action === 'post' ? (part ?? t.amount) : 0;
        const expected =
          t.status !== 'pending'
            ? 'transfer_not_pending'
            : amount > t.amount
              ? 'amount_exceeds_pending'
              : 'ok';
        assert.equal(res.status === 200 ? 'ok' : res.json().code, expected, res.body);
        if (expected !== 'ok') return;
        t.from.held -= t.amount;
        if (action === 'post') {
          t.status = 'posted';
          t.posted = amount;
          t.from.balance -= amount;
          t.to.balance += amount;
        } else t.status = 'voided';
      },
    ),
  );

const expire = fc.integer({ min: 1, max: 150 }).map((seconds) =>
  command(
    `expire(+${seconds}s)`,
    () => true,
    async (m) => {
      h.clock.advance(seconds * 1000);
      await h.balance.jobs.expireDue();
      expireDue(m);
    },
  ),
);

const retry = fc.nat().map((n) =>
  command(
    `retry(${n})`,
    (m) => m.sent.length > 0,
    async (m, r) => {
      const s = pick(m.sent, n);
      const res = await (r.users[s.caller] as Caller).post(s.url, s.body, s.key);
      assert.deepEqual(
        [res.status, res.body, res.headers['idempotent-replayed']],
        [s.status, s.text, 'true'],
      );
    },
  ),
);

const burst = fc
  .record({
    from: fc.nat(),
    to: fc.nat(),
    amounts: fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 2, maxLength: 8 }),
  })
  .map(({ from: f, to: t, amounts }) =>
    command(
      `burst(${f}, ${t}, ${amounts})`,
      (m) => m.accounts.length > 1,
      async (m, r) => {
        const from = pick(m.accounts, f);
        const others = m.accounts.filter((a) => a !== from);
        const to = pick(others, t);
        const answers = await Promise.all(
          amounts.map((amount) =>
            send(m, r, from.owner, '/v1/transfers', {
              debitAccountId: from.id,
              creditAccountId: to.id,
              amount,
              currency: 'EUR',
            }),
          ),
        );
        answers.forEach((res, i) => {
          if (res.status !== 201) return;
          const amount = amounts[i] as number;
          from.balance -= amount;
          to.balance += amount;
          m.transfers.push({
            id: res.json().id,
            from,
            to,
            amount,
            creator: from.owner,
            expiresAtMs: 0,
            status: 'posted',
            posted: amount,
          });
        });
        // Only debits raced, so what was available only fell: any refused amount exceeds what is left.
        answers.forEach((res, i) => {
          if (res.status === 201) return;
          assert.equal(res.json().code, 'insufficient_funds', res.body);
          assert.ok((amounts[i] as number) > available(from), 'a refused transfer would have fitted');
        });
      },
    ),
  );

describe('the ledger against a model', () => {
  it('agrees with the model after every step of random sequences, with retries and concurrency', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.commands([open, fund, create, create, resolve, resolve, expire, retry, burst], {
          maxCommands: 12,
        }),
        async (cmds) => {
          run += 1;
          const service = await h.caller('cli_model', ['service']);
          const users = await Promise.all(
            Array.from({ length: USERS }, (_, i) => h.caller(`usr_model_${run}_${i}`, ['customer'])),
          );
          const funding = await openAccount(service, 'cli_model', { allowNegative: true });
          await fc.asyncModelRun(
            () => ({ model: { accounts: [], transfers: [], sent: [] }, real: { users, service, funding } }),
            cmds,
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
