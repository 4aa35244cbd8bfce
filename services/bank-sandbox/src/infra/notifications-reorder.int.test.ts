import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Harness, startReceiver, startSandbox } from '../test-support.ts';

const receiver = await startReceiver();
let h: Harness;
before(async () => {
  h = await startSandbox({ notificationUrl: receiver.url });
});
after(async () => {
  await h.close();
  await receiver.close();
});
beforeEach(async () => {
  await h.call('DELETE', '/_sim/faults');
  await h.tick();
  receiver.received.length = 0;
});

/** Money from outside: one INCOMING_PAYMENT_RECEIVED notification each, named by its operationId. */
const incoming = async () => {
  const res = await h.call('POST', '/_sim/incoming', '{"amount":1,"purpose":"deposit"}');
  assert.equal(res.status, 201, res.text);
  return res.json.operationId as string;
};
const receivedObjects = () => receiver.received.map((r) => JSON.parse(r.body).objectId as string);

describe('reordered notifications', () => {
  it('are held until the set is complete, then sent in reverse, and the rest go out normally', async () => {
    await h.call('PUT', '/_sim/faults', { reorderNotifications: 3, reorderMode: 'reverse' });
    const a = await incoming();
    assert.equal((await h.tick()).delivered, 0, 'the first one is held');
    assert.deepEqual((await h.call('GET', '/_sim/faults')).json.heldNotifications.length, 1);
    const b = await incoming();
    const c = await incoming();
    assert.equal((await h.tick()).delivered, 3);
    assert.deepEqual(receivedObjects(), [c, b, a]);
    const d = await incoming();
    await h.tick();
    assert.deepEqual(receivedObjects(), [c, b, a, d]);
  });

  it('shuffle in the same order from the same seed', async () => {
    const run = async () => {
      receiver.received.length = 0;
      await h.call('PUT', '/_sim/faults', { seed: 11, reorderNotifications: 5, reorderMode: 'shuffle' });
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) sent.push(await incoming());
      await h.tick();
      const got = receivedObjects();
      assert.deepEqual([...got].sort(), [...sent].sort(), 'each is delivered once');
      // The positions each notification took, which the seed alone decides.
      return got.map((id) => sent.indexOf(id));
    };
    const first = await run();
    assert.deepEqual(await run(), first);
    assert.notDeepEqual(first, [0, 1, 2, 3, 4], 'seed 11 does change the order');
  });

  it('held ones are sent in the ordinary way once the faults are cleared', async () => {
    await h.call('PUT', '/_sim/faults', { reorderNotifications: 10 });
    const a = await incoming();
    const b = await incoming();
    await h.tick();
    assert.equal(receiver.received.length, 0);
    await h.call('DELETE', '/_sim/faults');
    await h.tick();
    assert.deepEqual(receivedObjects(), [a, b]);
  });

  it('refuse more held at once than the limit, and a held list set from outside', async () => {
    assert.equal((await h.call('PUT', '/_sim/faults', { reorderNotifications: 1_001 })).status, 400);
    assert.equal((await h.call('PUT', '/_sim/faults', { heldNotifications: [] })).status, 400);
  });
});
