/**
 * End to end with faults: a cancel while the processor is down, the processor killed mid-processing and
 * restarted, and balance down for a while. Services are killed with SIGKILL (no clean shutdown) and
 * restarted as the same command on the same port (the gateway and orders hold their URLs, as a
 * deployment's would).
 *
 * Nothing here races the clock. The processor is killed mid-step through a stall word
 * (PROCESSOR_STALL_DESCRIPTIONS: the first attempt of such an order never finishes), not by landing a kill
 * inside a step's duration; and balance is down before the processor can finish, because the processor
 * only runs the order once balance has been killed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunningSystem } from '../../scripts/system.ts';
import {
  type Api,
  account,
  api,
  available,
  fund,
  ROOT,
  SUITE_TIMEOUT_MS,
  SYSTEM_START_TIMEOUT_MS,
  startOrdersSystem,
  user,
  waitFor,
  waitForOrder,
} from './orders-support.ts';

let system: RunningSystem;
let admin: string;
const a: Api = api(() => system.urls.gateway);
let alice: { token: string; id: string };
let aliceAcc: string;
let merchantAcc: string;
const restarted = new Map<string, ChildProcess>();
const STALL_WORD = 'stall-until-killed';
/** Each test restarts services and waits on sagas, every wait bounded by POLL_TIMEOUT_MS: room for several. */
const BOUNDED = { timeout: 300_000 };

/** Kept so that after() also stops a system whose start outlived before()'s bound. */
let starting: ReturnType<typeof startOrdersSystem> | undefined;

before(
  async () => {
    starting = startOrdersSystem({
      // An order with this word in its description is in hand until its processor dies; the lease (well
      // above a normal step) then gives it to the restarted processor as the next attempt.
      PROCESSOR_STALL_DESCRIPTIONS: STALL_WORD,
      PROCESSOR_DURATION_MS: '10',
      PROCESSOR_LEASE_MS: '3000',
      ORDERS_RESUME_AFTER_MS: '300',
    });
    ({ system, adminToken: admin } = await starting);
    const funding = await account(a, admin, { allowNegative: true });
    alice = await user(a, 'alice');
    const merchant = await user(a, 'merchant');
    aliceAcc = await account(a, alice.token);
    merchantAcc = await account(a, merchant.token);
    await fund(a, admin, funding, aliceAcc, 100_000);
  },
  { timeout: SYSTEM_START_TIMEOUT_MS },
);
after(async () => {
  const started = await starting?.catch(() => undefined);
  for (const child of restarted.values()) {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await started?.system.stop();
  await started?.db.drop();
});

/** Kills the service with SIGKILL and waits until its process is gone. */
async function kill(name: 'processor' | 'balance'): Promise<void> {
  const current = restarted.get(name);
  const pid = current?.pid ?? system.pids[name];
  assert.ok(pid);
  process.kill(pid, 'SIGKILL');
  // Every service is a child of this process, so once it is reaped its pid is gone (and its port closed).
  await waitFor(`${name} to be gone`, async () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  });
}

/** Starts the service again exactly as scripts/system.ts does, on the port it had. */
async function restart(name: 'processor' | 'balance'): Promise<void> {
  // Exactly the environment startSystem gave it: same ports, database, credentials and broker vhost.
  const env = { ...system.env };
  const child = spawn(process.execPath, [resolve(ROOT, 'services', name, 'src', 'main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  restarted.set(name, child);
  const url = system.urls[name] as string;
  await waitFor(`${name} to be ready`, async () => {
    // Should another process have taken the port meanwhile (rarely), the restart exits: say so at once.
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} on restart`);
    try {
      return (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2_000) })).ok ? true : undefined;
    } catch {
      return undefined;
    }
  });
}

const order = (body: Record<string, unknown> = {}) =>
  a.call('POST', '/v1/orders', {
    token: alice.token,
    key: randomUUID(),
    body: { accountId: aliceAcc, merchantAccountId: merchantAcc, amount: 700, currency: 'EUR', ...body },
  });

const processing = async (orderId: string) =>
  (await a.call('GET', `/v1/processing/${orderId}`, { token: admin })).body;

describe('orders under faults', { timeout: SUITE_TIMEOUT_MS }, () => {
  it('cancel before processing starts: the hold is voided and the order is cancelled', BOUNDED, async () => {
    await kill('processor');
    const before = await available(a, alice.token, aliceAcc);
    const created = await order();
    await waitForOrder(a, alice.token, created.body.id, (o) => o.status === 'reserved');
    assert.equal(await available(a, alice.token, aliceAcc), before - 700, 'the hold is in place');
    const cancel = await a.call('POST', `/v1/orders/${created.body.id}/cancel`, {
      token: alice.token,
      key: randomUUID(),
    });
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal(cancel.body.status, 'cancelled');
    assert.equal(await available(a, alice.token, aliceAcc), before);
    const hold = await a.call('GET', `/v1/transfers/${cancel.body.holdTransferId}`, { token: admin });
    assert.equal(hold.body.status, 'voided');
    await restart('processor');
    const late = await waitForOrder(a, alice.token, created.body.id);
    assert.equal(late.status, 'cancelled', 'whatever the processor does later, the order stays cancelled');
  });

  it(
    'the processor killed mid-processing and restarted: the order completes, processed once',
    BOUNDED,
    async () => {
      const before = await available(a, alice.token, aliceAcc);
      const created = await order({ description: `a parcel, ${STALL_WORD}` });
      // The first attempt is in hand and stays there: the kill certainly lands mid-step.
      await waitFor('processing to start', async () =>
        (await processing(created.body.id))?.status === 'processing' ? true : undefined,
      );
      await kill('processor');
      await restart('processor');
      const done = await waitForOrder(a, alice.token, created.body.id);
      assert.equal(done.status, 'completed');
      const record = await processing(created.body.id);
      assert.equal(record.status, 'completed');
      assert.ok(record.attempts >= 2, 'the lease ran out and another attempt finished it');
      assert.equal(await available(a, alice.token, aliceAcc), before - 700, 'captured exactly once');
    },
  );

  it('balance down for a while: the order waits, then completes once balance is back', BOUNDED, async () => {
    const before = await available(a, alice.token, aliceAcc);
    // The processor is down while the order is reserved, and balance is down before the processor comes
    // back: whatever the machine's speed, the processor finishes while balance is away.
    await kill('processor');
    const created = await order();
    await waitForOrder(a, alice.token, created.body.id, (o) => o.status === 'reserved');
    await kill('balance');
    await restart('processor');
    await waitFor('the processor to finish', async () =>
      (await processing(created.body.id))?.status === 'completed' ? true : undefined,
    );
    const waiting = await waitForOrder(a, alice.token, created.body.id, (o) => o.status !== 'reserved');
    assert.equal(waiting.status, 'processing', 'the capture waits for balance');
    await restart('balance');
    const done = await waitForOrder(a, alice.token, created.body.id);
    assert.equal(done.status, 'completed');
    assert.equal(await available(a, alice.token, aliceAcc), before - 700);
    const audit = await a.call('GET', '/v1/ledger/audit', { token: admin });
    assert.equal(audit.body.ok, true);
  });
});
