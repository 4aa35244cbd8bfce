/**
 * End to end: deals as `npm start` runs it, behind the gateway, on a database of its own. A payout
 * profile, a deal drafted by an agent and seen only by its parties, and a bank notification that reaches
 * deals through the gateway's public path byte for byte, with no token.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { adminToken, as, call, startDealsSystem, stopDealsSystem, user } from './deals-support.ts';

/** The development secret deals and the bank sandbox share when BANK_NOTIFICATION_SECRET is unset. */
const DEVELOPMENT_NOTIFICATION_SECRET = 'sandbox-notification-secret';

before(() => startDealsSystem('e2edeals'), { timeout: 600_000 });
after(() => stopDealsSystem());

describe('deals through the gateway', () => {
  it('an agent drafts a deal paying their own payout profile; the payer sees it, a stranger gets 404', async () => {
    const agent = await user('agent', true);
    const payer = await user('payer');
    const stranger = await user('stranger');
    const profile = await call('POST', '/v1/recipients', {
      headers: as(agent.token),
      body: {
        legalType: 'individual',
        name: 'Agent',
        inn: '500100732259',
        bankDetails: { accountNumber: '40702810500000000001', bik: '044525974' },
      },
    });
    assert.equal(profile.status, 201, profile.text);
    const created = await call('POST', '/v1/deals', {
      headers: as(agent.token),
      body: {
        title: 'Flat',
        // By email: deals asks identity with the service client npm start provisioned for it.
        payerEmail: payer.email,
        milestones: [
          {
            title: 'Keys',
            amount: 100_000,
            release: { kind: 'payer_confirms' },
            recipients: [{ recipientId: profile.body.id, share: { percentBp: 10_000 } }],
          },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    const seen = await call('GET', `/v1/deals/${created.body.id}`, { headers: as(payer.token) });
    assert.deepEqual(
      [seen.status, seen.body.amount, seen.body.status, seen.body.payerId],
      [200, 100_000, 'draft', payer.id],
    );
    const hidden = await call('GET', `/v1/deals/${created.body.id}`, { headers: as(stranger.token) });
    assert.equal(hidden.status, 404);
    const anonymous = await call('GET', `/v1/deals/${created.body.id}`);
    assert.equal(anonymous.status, 401);
  });

  it('a signed bank notification needs no token and is stored once; an unsigned one is 401', async () => {
    const raw = '{"notificationId":"ntf_e2e_1","type":"DEAL_ACCEPTED","data":{"amount":1234.56}}';
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', DEVELOPMENT_NOTIFICATION_SECRET)
      .update(`${ts}.${raw}`)
      .digest('hex');
    const headers = { 'x-timestamp': ts, 'x-signature': signature };
    const first = await call('POST', '/v1/bank/notifications', { body: raw, headers });
    assert.deepEqual([first.status, first.body], [200, { received: true, duplicate: false }]);
    const again = await call('POST', '/v1/bank/notifications', { body: raw, headers });
    assert.deepEqual([again.status, again.body.duplicate], [200, true]);
    const unsigned = await call('POST', '/v1/bank/notifications', { body: raw });
    assert.deepEqual([unsigned.status, unsigned.body.code], [401, 'signature_missing']);
  });

  it("the gateway's merged API document includes the deals routes", async () => {
    const doc = await call('GET', '/openapi.json');
    assert.equal(doc.status, 200);
    assert.ok(doc.body.paths['/v1/deals'], Object.keys(doc.body.paths).join(', '));
    assert.ok(doc.body.paths['/v1/bank/notifications']);
    assert.ok(doc.body.paths['/v1/admin/reconciliation']);
  });

  it("reconciliation's findings are open to staff through the gateway, and to nobody else", async () => {
    const findings = await call('GET', '/v1/admin/reconciliation?status=open', { headers: as(adminToken) });
    assert.equal(findings.status, 200, findings.text);
    assert.ok(Array.isArray(findings.body.data));
    const customer = await user('curious');
    const refused = await call('GET', '/v1/admin/reconciliation', { headers: as(customer.token) });
    assert.equal(refused.status, 403, refused.text);
  });
});
