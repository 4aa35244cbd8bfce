import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withControlKey } from '@strongbox/kernel';
import { ACCOUNT, BIK, COMPANY_INN, type Harness, PERSON_INN, startDeals } from '../../test-support.ts';

let h: Harness;

before(async () => {
  h = await startDeals();
});
after(async () => {
  await h?.close();
});

const profile = (over: Record<string, unknown> = {}) => ({
  legalType: 'company',
  name: 'Horns and Hooves LLC',
  inn: COMPANY_INN,
  bankDetails: { accountNumber: ACCOUNT, bik: BIK },
  ...over,
});
const save = (sub: string, payload: unknown, key?: string) =>
  h.as(sub, ['customer'], {
    method: 'POST',
    url: '/v1/recipients',
    payload,
    headers: key ? { 'idempotency-key': key } : {},
  });

describe('POST /v1/recipients', () => {
  it('given valid details, then the profile is created (201); saved again, its details are replaced, its id kept (200)', async () => {
    const first = await save('usr_a', profile());
    assert.equal(first.statusCode, 201, first.body);
    const created = first.json();
    assert.match(created.id, /^rcp_/);
    assert.deepEqual(
      [created.userId, created.inn, created.bankDetails],
      ['usr_a', COMPANY_INN, { accountNumber: ACCOUNT, bik: BIK }],
    );
    const other = withControlKey('40702810000000000077', BIK);
    const second = await save('usr_a', profile({ bankDetails: { accountNumber: other, bik: BIK } }));
    assert.equal(second.statusCode, 200, second.body);
    assert.deepEqual([second.json().id, second.json().bankDetails.accountNumber], [created.id, other]);
    const me = await h.as('usr_a', ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.deepEqual(me.json(), second.json());
  });

  it('given the same key again, then the first answer is replayed; concurrent first saves make one profile', async () => {
    const first = await save('usr_b', profile(), 'rcp-1');
    const again = await save('usr_b', profile(), 'rcp-1');
    assert.deepEqual(
      [again.statusCode, again.headers['idempotent-replayed'], again.body],
      [201, 'true', first.body],
    );
    const racing = await Promise.all(
      Array.from({ length: 4 }, (_, i) => save('usr_c', profile(), `race-${i}`)),
    );
    assert.ok(
      racing.every((r) => r.statusCode < 300),
      racing.map((r) => r.body).join('\n'),
    );
    assert.equal(new Set(racing.map((r) => r.json().id)).size, 1);
  });

  it('given a role, then the profile has it (agent by default, kept when omitted); the platform fee role is refused', async () => {
    const first = await save('usr_e', profile());
    assert.equal(first.json().role, 'agent');
    const agency = await save('usr_e', profile({ role: 'agency' }));
    assert.deepEqual([agency.statusCode, agency.json().role], [200, 'agency']);
    const again = await save('usr_e', profile({ name: 'Horns and Hooves JSC' }));
    assert.equal(again.json().role, 'agency');
    const lead = await save('usr_f', profile({ role: 'lead' }));
    assert.deepEqual([lead.statusCode, lead.json().role], [201, 'lead']);
    const reserved = await save('usr_g', profile({ role: 'platform_fee' }));
    assert.deepEqual([reserved.statusCode, reserved.json().code], [422, 'recipient_role_reserved']);
    const unknown = await save('usr_g', profile({ role: 'notary' }));
    assert.deepEqual([unknown.statusCode, unknown.json().code], [400, 'validation_failed']);
    const none = await h.as('usr_g', ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.equal(none.statusCode, 404);
  });

  it('refuses bad check digits, the wrong INN length for the legal type, and malformed input', async () => {
    const cases: Array<[unknown, number, string]> = [
      [profile({ inn: '7707083894' }), 422, 'recipient_invalid_inn'],
      [profile({ legalType: 'individual' }), 422, 'recipient_invalid_inn'],
      [
        profile({
          legalType: 'individual',
          inn: PERSON_INN,
          bankDetails: { accountNumber: '40702810500000000002', bik: BIK },
        }),
        422,
        'recipient_invalid_account',
      ],
      [profile({ inn: '77070838' }), 400, 'validation_failed'],
      [profile({ legalType: 'trust' }), 400, 'validation_failed'],
      [profile({ name: '' }), 400, 'validation_failed'],
      [profile({ extra: true }), 400, 'validation_failed'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await save('usr_d', payload);
      assert.deepEqual([res.statusCode, res.json().code], [status, code], JSON.stringify(payload));
    }
    const none = await h.as('usr_d', ['customer'], { method: 'GET', url: '/v1/recipients/me' });
    assert.deepEqual([none.statusCode, none.json().code], [404, 'recipient_profile_not_found']);
  });
});
