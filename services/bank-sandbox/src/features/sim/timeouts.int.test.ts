import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { API, type Harness, PERSON_INN, startSandbox } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startSandbox();
});
after(async () => {
  await h.close();
});

/** Far beyond any client's timeout: only moving the sandbox's clock ends the hang within a test. */
const HANG_MS = 600_000;
const WAIT_MS = 30_000;
const person = { type: 'FL_RESIDENT', inn: PERSON_INN, firstName: 'Anna', lastName: 'Ivanova' };
const count = async () =>
  (await h.pool.query<{ n: number }>('select count(*)::int as n from beneficiaries')).rows[0]?.n ?? 0;
const faults = async (body: object) => {
  const res = await h.call('PUT', '/_sim/faults', body);
  assert.equal(res.status, 200, res.text);
};

async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A call in flight, and whether it has answered yet. */
function inFlight<T>(p: Promise<T>) {
  const state = { settled: false };
  void p.finally(() => {
    state.settled = true;
  });
  return { answer: p, state };
}

describe('timeouts', () => {
  it('before the effect: the call hangs with nothing done, then answers 504; the retry does it once', async () => {
    await faults({ timeoutNext: 1, timeoutMs: HANG_MS, timeoutWhen: 'before' });
    const before = await count();
    const key = crypto.randomUUID();
    const call = inFlight(h.create(`${API}/beneficiaries`, person, key));
    await until('the call to hang', () => h.sim.faults.timeoutNext === 0);
    assert.equal(call.state.settled, false);
    assert.equal(await count(), before, 'nothing happened while it hangs');
    h.sim.clock.advance(HANG_MS);
    const res = await call.answer;
    assert.equal(res.status, 504);
    assert.equal(res.json.errorCode, 'GATEWAY_TIMEOUT');
    assert.equal(await count(), before);
    const retried = await h.create(`${API}/beneficiaries`, person, key);
    assert.equal(retried.status, 201);
    assert.equal(retried.headers['idempotent-replayed'], undefined);
    assert.equal(await count(), before + 1);
  });

  it('after the effect: the effect commits while the answer hangs; the retry with the same key replays it', async () => {
    await faults({ timeoutNext: 1, timeoutMs: HANG_MS, timeoutWhen: 'after' });
    const before = await count();
    const key = crypto.randomUUID();
    const call = inFlight(h.create(`${API}/beneficiaries`, person, key));
    await until('the effect to commit', async () => (await count()) === before + 1);
    assert.equal(call.state.settled, false, 'the answer is held back');
    const retried = await h.create(`${API}/beneficiaries`, person, key);
    assert.equal(retried.status, 201);
    assert.equal(retried.headers['idempotent-replayed'], 'true');
    h.sim.clock.advance(HANG_MS);
    const late = await call.answer;
    assert.equal(late.status, 201);
    assert.equal(late.json.beneficiaryId, retried.json.beneficiaryId);
    assert.equal(await count(), before + 1);
  });

  it("hangs longer than a real client's timeout over HTTP", async () => {
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    await faults({ timeoutNext: 1, timeoutMs: HANG_MS, timeoutWhen: 'before' });
    const gaveUp = await fetch(`${url}${API}/balances`, {
      headers: { authorization: 'Bearer test-token' },
      signal: AbortSignal.timeout(200),
    }).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    assert.equal(gaveUp, 'TimeoutError');
    h.sim.clock.advance(HANG_MS);
    const res = await fetch(`${url}${API}/balances`, { headers: { authorization: 'Bearer test-token' } });
    assert.equal(res.status, 200, 'the next call is not hung');
    await res.body?.cancel();
  });

  it('hangs the same calls from the same seed at a rate', async () => {
    const run = async () => {
      await faults({ seed: 5, timeoutRate: 0.5, timeoutMs: 1, timeoutWhen: 'before' });
      const out: number[] = [];
      for (let i = 0; i < 8; i++) {
        h.sim.clock.advance(1_000);
        out.push((await h.call('GET', `${API}/balances`)).status);
      }
      return out;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.ok(first.includes(504) && first.includes(200), first.join());
    await h.call('DELETE', '/_sim/faults');
  });
});
