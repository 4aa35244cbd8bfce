import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatRubles, parseRubles } from '@strongbox/kernel';
import type { BackgroundWorker } from '@strongbox/service';
import { tickWorker } from './parts.ts';
import {
  API,
  fund,
  type Harness,
  NOMINAL,
  PAYMENT_STEP_MS,
  PERSON_INN,
  type Received,
  SCORING_DELAY_MS,
  startReceiver,
  startSandbox,
} from './test-support.ts';

/** Rounds as often as the configuration allows; nothing here waits for a round by time. */
const TICK_MS = 10;
const WAIT_MS = 30_000;
const receiver = await startReceiver();
let h: Harness;
let worker: BackgroundWorker | undefined;
before(async () => {
  h = await startSandbox({ notificationUrl: receiver.url });
});
after(async () => {
  await worker?.stop();
  await h.close();
  await receiver.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const one = async <T>(sql: string, args: unknown[]) =>
  (await h.pool.query(sql, args)).rows[0] as T | undefined;
const scoringOf = async (id: string) =>
  (await one<{ s: string }>('select scoring_status as s from beneficiaries where id = $1', [id]))?.s;
const delivered = (type: string, objectId: string) =>
  receiver.received.find((r: Received) => {
    const b = JSON.parse(r.body);
    return b.type === type && b.objectId === objectId;
  });
const statuses = async (ids: readonly string[]) =>
  (
    await h.pool.query<{ status: string }>(
      'select status from payments where id = any($1::uuid[]) order by id',
      [[...ids]],
    )
  ).rows.map((r) => r.status);
const stopWorker = async () => {
  await worker?.stop();
  worker = undefined;
};
const startWorker = () => {
  worker = tickWorker(h.deps, TICK_MS);
  worker.start();
};

/** A beneficiary whose scoring runs its course (nothing set by hand). */
async function beneficiary(): Promise<string> {
  const res = await h.create(`${API}/beneficiaries`, {
    type: 'FL_RESIDENT',
    inn: PERSON_INN,
    firstName: 'Oleg',
    lastName: 'Sidorov',
  });
  assert.equal(res.status, 201, res.text);
  return res.json.beneficiaryId;
}

/** An accepted deal of `steps` steps, each paying `rubles` from `buyer` to each of `sellers`' virtual accounts. */
async function acceptedDeal(buyer: string, sellers: readonly string[], steps: number, rubles: string) {
  const dealId = (await h.create(`${API}/deals`, { accountNumber: NOMINAL })).json.dealId as string;
  const stepIds: string[] = [];
  for (let i = 0; i < steps; i++) {
    const stepId = (await h.create(`${API}/deals/${dealId}/steps`, { description: `Stage ${i + 1}` })).json
      .stepId as string;
    const base = `${API}/deals/${dealId}/steps/${stepId}`;
    const each = parseRubles(rubles);
    assert.ok(each.ok, rubles);
    const total = formatRubles(each.kopecks * BigInt(sellers.length));
    assert.equal((await h.call('PUT', `${base}/deponents/${buyer}`, `{"amount":${total}}`)).status, 200);
    for (const s of sellers) {
      const r = await h.create(
        `${base}/recipients`,
        `{"beneficiaryId":"${s}","amount":${rubles},"purpose":"Stage","keepOnVirtualAccount":true}`,
      );
      assert.equal(r.status, 201, r.text);
    }
    stepIds.push(stepId);
  }
  const accepted = await h.call('POST', `${API}/deals/${dealId}/accept`);
  assert.equal(accepted.status, 200, accepted.text);
  return { dealId, stepIds };
}

async function complete(dealId: string, stepId: string): Promise<string[]> {
  const res = await h.create(`${API}/deals/${dealId}/steps/${stepId}/complete`);
  assert.equal(res.status, 200, res.text);
  const { rows } = await h.pool.query<{ id: string }>('select id from payments where step_id = $1', [stepId]);
  return rows.map((r) => r.id);
}

describe('the tick worker', () => {
  it('moves scorings and payments on by the sandbox clock, and only by it', async () => {
    startWorker();
    const id = await beneficiary();
    // A notification due now proves a round ran; that round saw the scoring not yet due.
    const op = (await h.call('POST', '/_sim/incoming', '{"amount":100,"purpose":"top-up"}')).json.operationId;
    await until('a round to deliver', async () => delivered('INCOMING_PAYMENT_RECEIVED', op));
    assert.equal(await scoringOf(id), 'IN_PROGRESS');
    h.sim.clock.advance(SCORING_DELAY_MS);
    await until('the scoring to finish', async () =>
      (await scoringOf(id)) === 'SUCCEEDED' ? true : undefined,
    );

    const seller = await beneficiary();
    h.sim.clock.advance(SCORING_DELAY_MS);
    await until('the seller scored', async () =>
      (await scoringOf(seller)) === 'SUCCEEDED' ? true : undefined,
    );
    const r = await h.create(
      `${API}/incoming-transactions/${op}/identify`,
      `{"amountDistribution":[{"beneficiaryId":"${id}","amount":100}]}`,
    );
    assert.equal(r.status, 200, r.text);
    const deal = await acceptedDeal(id, [seller], 1, '40');
    const [payment] = await complete(deal.dealId, deal.stepIds[0] as string);
    assert.ok(payment);
    // Another round passes (its notification is delivered) and the payment waits for its time.
    const op2 = (await h.call('POST', '/_sim/incoming', '{"amount":1,"purpose":"x"}')).json.operationId;
    await until('another round', async () => delivered('INCOMING_PAYMENT_RECEIVED', op2));
    assert.deepEqual(await statuses([payment]), ['PENDING']);
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await until('IN_PROGRESS', async () =>
      (await statuses([payment]))[0] === 'IN_PROGRESS' ? true : undefined,
    );
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await until('SUCCEEDED', async () => delivered('PAYMENT_SUCCEEDED', payment));
    await stopWorker();
  });

  it('loses nothing across a restart in the middle of payouts, and pays none twice', async () => {
    h.sim.clock.advance(SCORING_DELAY_MS);
    await h.tick();
    const buyer = await beneficiary();
    const sellers = [await beneficiary(), await beneficiary(), await beneficiary()];
    h.sim.clock.advance(SCORING_DELAY_MS);
    await h.tick();
    await fund(h, buyer, '60');
    const deal = await acceptedDeal(buyer, sellers, 2, '10');
    const first = await complete(deal.dealId, deal.stepIds[0] as string);
    h.sim.clock.advance(PAYMENT_STEP_MS / 2);
    const second = await complete(deal.dealId, deal.stepIds[1] as string);
    startWorker();
    // The first step's payouts come due and start; the second's are half a step from their time.
    h.sim.clock.advance(PAYMENT_STEP_MS / 2);
    await until('the first payouts to start', async () =>
      (await statuses(first)).every((s) => s === 'IN_PROGRESS') ? true : undefined,
    );
    await stopWorker();
    assert.deepEqual(await statuses(second), ['PENDING', 'PENDING', 'PENDING']);

    // A new process on the same database: faults and the clock offset are gone, the payments are not.
    h = await h.restart();
    startWorker();
    // Each payment goes on from its stored state: the first step's finish, the second step's start.
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await until('the next state of each', async () =>
      (await statuses(first)).every((s) => s === 'SUCCEEDED') &&
      (await statuses(second)).every((s) => s === 'IN_PROGRESS')
        ? true
        : undefined,
    );
    h.sim.clock.advance(PAYMENT_STEP_MS);
    await until('every payout to succeed', async () =>
      (await statuses(second)).every((s) => s === 'SUCCEEDED') ? true : undefined,
    );
    await until('the deal to complete', async () =>
      (await one<{ s: string }>('select status as s from deals where id = $1', [deal.dealId]))?.s ===
      'COMPLETED'
        ? true
        : undefined,
    );
    await stopWorker();
    for (const s of sellers) {
      const b = await one<{ amount: string }>('select amount::text from balances where beneficiary_id = $1', [
        s,
      ]);
      assert.equal(b?.amount, '2000', 'each seller is paid each stage once');
    }
    const { rows } = await h.pool.query<{ n: number }>(
      `select count(*)::int as n from notifications where type = 'PAYMENT_SUCCEEDED' and body::jsonb->>'objectId' = any($1::text[])`,
      [[...first, ...second]],
    );
    assert.equal(rows[0]?.n, 6, 'one PAYMENT_SUCCEEDED per payout');
    assert.deepEqual(
      await one('select amount::text, amount_on_hold::text from balances where beneficiary_id = $1', [buyer]),
      { amount: '0', amount_on_hold: '0' },
    );
  });
});
