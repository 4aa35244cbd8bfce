import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { BALANCE_RETRIES_MAX, BalanceRefusal, BalanceUnavailable, balanceClient } from './balance-client.ts';

/** A real HTTP server on 127.0.0.1 answering as the test says, recording every request it got. */
let server: Server;
let url: string;
let answer: (path: string) => { status: number; body: unknown };
let seen: Array<{ path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }>;
let invalidated = 0;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '';
      seen.push({ path, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      const a = answer(path);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
  invalidated = 0;
});

const client = () =>
  balanceClient({
    baseUrl: url,
    tokens: {
      get: async () => 'tok_deals',
      invalidate: () => {
        invalidated++;
      },
    },
  });
const transfer = {
  debitAccountId: 'acc_escrow',
  creditAccountId: 'acc_payout',
  amount: 70_000n,
  description: 'Deal deal_1: release payout',
  metadata: { dealId: 'deal_1' },
};

describe("deals' balance client", () => {
  it('sends a transfer in RUB minor units with the service token, its key and the trace id', async () => {
    answer = () => ({ status: 201, body: { id: 'tr_1' } });
    const c = client();
    try {
      assert.equal(await c.transfer(transfer, 'key-1', 'a'.repeat(32)), 'tr_1');
    } finally {
      await c.close();
    }
    const [req] = seen;
    assert.equal(req?.path, '/v1/transfers');
    assert.equal(req?.headers.authorization, 'Bearer tok_deals');
    assert.equal(req?.headers['idempotency-key'], 'key-1');
    assert.equal(req?.headers['x-trace-id'], 'a'.repeat(32));
    assert.deepEqual(req?.body, { ...transfer, amount: 70_000, currency: 'RUB' });
  });

  it("opens an account in RUB and answers balance's id for it", async () => {
    answer = () => ({ status: 201, body: { id: 'acc_1' } });
    const c = client();
    try {
      const account = { name: 'Deal deal_1: escrow', allowNegative: false, metadata: { dealId: 'deal_1' } };
      assert.equal(await c.openAccount(account, 'key-2', 'b'.repeat(32)), 'acc_1');
      assert.deepEqual(seen[0]?.body, { currency: 'RUB', ...account });
    } finally {
      await c.close();
    }
  });

  it("takes a 4xx as balance's final word, tried once", async () => {
    answer = () => ({ status: 422, body: { code: 'insufficient_funds' } });
    const c = client();
    try {
      await assert.rejects(c.transfer(transfer, 'key-3', 'c'.repeat(32)), (err: unknown) => {
        assert.ok(err instanceof BalanceRefusal);
        assert.equal(err.code, 'insufficient_funds');
        return true;
      });
    } finally {
      await c.close();
    }
    assert.equal(seen.length, 1);
  });

  it('retries a 5xx a bounded number of times under the same key, then says balance is unavailable', async () => {
    answer = () => ({ status: 503, body: { code: 'overloaded' } });
    const c = client();
    try {
      await assert.rejects(c.transfer(transfer, 'key-4', 'd'.repeat(32)), BalanceUnavailable);
    } finally {
      await c.close();
    }
    assert.equal(seen.length, 1 + BALANCE_RETRIES_MAX);
    assert.deepEqual(new Set(seen.map((s) => s.headers['idempotency-key'])), new Set(['key-4']));
  });

  it('forgets a refused service token, so the next try fetches a new one', async () => {
    answer = () => ({ status: 401, body: { code: 'invalid_token' } });
    const c = client();
    try {
      await assert.rejects(c.transfer(transfer, 'key-5', 'e'.repeat(32)), BalanceUnavailable);
    } finally {
      await c.close();
    }
    assert.ok(invalidated >= 1);
  });
});
