/** An account allowed to go negative is opened by staff only with a fresh TOTP code (ADR 0026). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Harness, startBalance } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startBalance({ staffTotpRequired: true });
});
after(async () => {
  await h.close();
});

const nowS = () => Math.floor(Date.now() / 1000);
const open = async (token: string, allowNegative: boolean) =>
  await h.balance.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
    payload: { currency: 'EUR', ownerId: 'usr_alice', allowNegative },
  });

describe('opening a negative-allowed account, with the staff TOTP rules on', () => {
  it('given an operator without TOTP, then staff powers are withheld', async () => {
    const token = await h.keys.sign('usr_op', ['operator']);
    const res = await open(token, false);
    assert.equal(res.statusCode, 403);
  });

  it('given an enrolled operator without a fresh code, then step-up is required', async () => {
    const token = await h.keys.sign('usr_op', ['operator'], { totp: true });
    assert.equal((await open(token, false)).statusCode, 201);
    const res = await open(token, true);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().code, 'step_up_required');
    const stale = await h.keys.sign('usr_op', ['operator'], { totp: true, otp_at: nowS() - 6 * 60 });
    assert.equal((await open(stale, true)).json().code, 'step_up_required');
  });

  it('given a code given a minute ago, then it opens the account', async () => {
    const token = await h.keys.sign('usr_op', ['operator'], { totp: true, otp_at: nowS() - 60 });
    const res = await open(token, true);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().allowNegative, true);
  });

  it('given a service, then no code is asked of it', async () => {
    const token = await h.keys.sign('cli_orders', ['service']);
    assert.equal((await open(token, true)).statusCode, 201);
  });
});
