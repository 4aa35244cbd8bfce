import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENT_TYPE_PATTERN, PARTIES_MAX, partiesOf, patternsSelecting, selects } from './event-types.ts';

describe('event type subscriptions', () => {
  it('an event is selected by its type, each dotted prefix wildcard, and *', () => {
    assert.deepEqual(patternsSelecting('balance.transfer.posted'), [
      '*',
      'balance.*',
      'balance.transfer.*',
      'balance.transfer.posted',
    ]);
    assert.ok(selects(['balance.*'], 'balance.transfer.posted'));
    assert.ok(selects(['orders.order.created', 'balance.transfer.posted'], 'balance.transfer.posted'));
    assert.ok(!selects(['balance.transfer.posted'], 'balance.transfer.reversed'));
    assert.ok(!selects(['balance.transfer'], 'balance.transfer.posted'));
    assert.ok(!selects(['bal*'], 'balance.transfer.posted'));
  });

  it('accepts types, prefix wildcards and *, and nothing else', () => {
    const re = new RegExp(EVENT_TYPE_PATTERN);
    for (const ok of ['*', 'balance.*', 'balance.transfer.posted', 'deals.deal_payout.sent'])
      assert.ok(re.test(ok), ok);
    for (const bad of ['', '.', 'balance.', 'Balance.x', 'balance.*.posted', 'bal*', '*.posted', 'a..b'])
      assert.ok(!re.test(bad), bad);
  });
});

describe('parties', () => {
  it('splits the comma-separated extension, trims, drops empties and duplicates', () => {
    assert.deepEqual(partiesOf({ parties: 'usr_a, usr_b,,usr_a' }), ['usr_a', 'usr_b']);
    assert.deepEqual(partiesOf({}), []);
  });

  it('is bounded', () => {
    const many = Array.from({ length: PARTIES_MAX + 5 }, (_, i) => `usr_${i}`).join(',');
    assert.equal(partiesOf({ parties: many }).length, PARTIES_MAX);
  });
});
