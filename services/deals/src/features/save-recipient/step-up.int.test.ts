/** Changing where a profile's payouts go needs a fresh TOTP code (ADR 0026); creating it does not. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withControlKey } from '@strongbox/kernel';
import { ACCOUNT, BIK, COMPANY_INN, type Harness, startDeals } from '../../test-support.ts';

let h: Harness;
before(async () => {
  h = await startDeals({ staffTotpRequired: true });
});
after(async () => {
  await h?.close();
});

const OTHER_ACCOUNT = withControlKey('40702810000000000077', BIK);
const nowS = () => Math.floor(Date.now() / 1000);
const profile = (accountNumber = ACCOUNT, name = 'Horns and Hooves LLC') => ({
  legalType: 'company',
  name,
  inn: COMPANY_INN,
  bankDetails: { accountNumber, bik: BIK },
});
/** Saves as usr_owner with a token carrying `claims` (a code given at `otp_at`), under `key`. */
const save = async (payload: unknown, claims: Record<string, unknown> = {}, key?: string) =>
  h.as('usr_owner', ['customer'], {
    method: 'POST',
    url: '/v1/recipients',
    payload,
    headers: {
      authorization: `Bearer ${await h.token('usr_owner', ['customer'], claims)}`,
      ...(key ? { 'idempotency-key': key } : {}),
    },
  });
const accountOnFile = async () =>
  (await h.as('usr_owner', ['customer'], { method: 'GET', url: '/v1/recipients/me' })).json().bankDetails
    .accountNumber;

describe('POST /v1/recipients with the second-factor rules on', () => {
  it('given no profile yet, then it is created without a code; a change of name alone needs none either', async () => {
    assert.equal((await save(profile())).statusCode, 201);
    const renamed = await save(profile(ACCOUNT, 'Horns and Hooves JSC'));
    assert.equal(renamed.statusCode, 200, renamed.body);
  });

  it('given new bank details without a fresh code, then 403 step_up_required and nothing changes', async () => {
    for (const claims of [{}, { totp: true }, { totp: true, otp_at: nowS() - 6 * 60 }]) {
      const refused = await save(profile(OTHER_ACCOUNT), claims, 'change-account');
      assert.deepEqual([refused.statusCode, refused.json().code], [403, 'step_up_required'], refused.body);
    }
    assert.equal(await accountOnFile(), ACCOUNT);
  });

  it('given a code given a minute ago, then the bank details change (the refused key is free to retry)', async () => {
    const accepted = await save(
      profile(OTHER_ACCOUNT),
      { totp: true, otp_at: nowS() - 60 },
      'change-account',
    );
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().bankDetails.accountNumber, OTHER_ACCOUNT);
    assert.equal(await accountOnFile(), OTHER_ACCOUNT);
  });
});
