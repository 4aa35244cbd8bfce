/** GET /v1/ledger/audit: operators only. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Caller, type Harness, startFunded } from '../../test-support.ts';

let h: Harness;
let alice: Caller;

before(async () => {
  ({ h, alice } = await startFunded());
});
after(async () => {
  await h.close();
});

describe('the ledger audit route', () => {
  it('audits the ledger: operators only', async () => {
    const op = await h.caller('usr_op', ['operator']);
    const report = (await op.get('/v1/ledger/audit')).json();
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal((await alice.get('/v1/ledger/audit')).status, 403);
  });
});
