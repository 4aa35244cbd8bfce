import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, openAccount, startBalance, transfer } from './test-support.ts';

const CLI = resolve(import.meta.dirname, 'cli/audit.ts');

let h: Harness;
let op: Caller;
let service: Caller;

before(async () => {
  h = await startBalance();
  op = await h.caller('usr_op', ['operator']);
  service = await h.caller('cli_orders', ['service']);
});
after(async () => {
  await h.close();
});

/** `npm run audit` as an operator runs it: its exit code and output. */
function cli(url: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI], {
      env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'production' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => done({ code, out }));
  });
}

const failed = async () =>
  Object.fromEntries(
    (await op.get('/v1/ledger/audit'))
      .json()
      .checks.filter((c: { ok: boolean }) => !c.ok)
      .map((c: { name: string; offending: string[] }) => [c.name, c.offending]),
  );

describe('the ledger audit', () => {
  it('given a sound ledger, then every check passes and the CLI exits 0', async () => {
    const funding = await openAccount(service, 'cli_orders', { allowNegative: true });
    const a = await openAccount(service, 'usr_a');
    await transfer(service, funding, a, 100);
    await transfer(service, a, funding, 30, { pending: true });
    assert.deepEqual(await failed(), {});
    const run = await cli(h.db.url);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /the ledger holds/);
  });

  it('given tampered rows, then each broken invariant names its offenders, and the CLI exits 1', async () => {
    const funding = await openAccount(service, 'cli_orders', { allowNegative: true });
    const a = await openAccount(service, 'usr_b');
    const b = await openAccount(service, 'usr_c');
    await transfer(service, funding, a, 100);
    const t = (await transfer(service, a, b, 10)).json();
    await transfer(service, a, b, 20, { pending: true });
    // Bypass the service, as a bad migration or a manual fix might.
    await h.pool.query('update accounts set posted_credits = posted_credits + 5 where id = $1', [b]);
    await h.pool.query('update accounts set pending_debits = 0 where id = $1', [a]);
    await h.pool.query(`delete from entries where transfer_id = $1 and direction = 'credit'`, [t.id]);
    const broken = await failed();
    assert.deepEqual(broken['zero_sum_per_currency'], ['EUR']);
    assert.deepEqual(broken['balances_match_entries'], [b]);
    assert.deepEqual(broken['held_matches_pending'], [a]);
    assert.deepEqual(broken['transfers_balanced'], [t.id]);
    const run = await cli(h.db.url);
    assert.equal(run.code, 1, run.out);
    assert.match(run.out, /FAIL held_matches_pending/);
    assert.match(run.out, new RegExp(a));
  });
});
