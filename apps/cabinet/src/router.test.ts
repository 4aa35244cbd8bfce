import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CABINET_ROUTES } from '../../../services/gateway/src/cabinet.ts';
import { parseRoute } from './router.ts';

describe('the client router', () => {
  it('reads each screen from its path', () => {
    assert.deepEqual(parseRoute('/'), { name: 'accounts' });
    assert.deepEqual(parseRoute('/accounts/acc_1'), { name: 'account', id: 'acc_1' });
    assert.deepEqual(parseRoute('/orders/ord_%2F1'), { name: 'order', id: 'ord_/1' });
    assert.deepEqual(parseRoute('/pay', '?from=acc_2'), { name: 'pay', from: 'acc_2' });
    assert.deepEqual(parseRoute('/pay'), { name: 'pay' });
    assert.deepEqual(parseRoute('/accounts/a/b'), { name: 'notFound' });
    assert.deepEqual(parseRoute('/v1/accounts'), { name: 'notFound' });
    assert.deepEqual(parseRoute('/deals'), { name: 'deals' });
    assert.deepEqual(parseRoute('/deals/new'), { name: 'dealNew' });
    assert.deepEqual(parseRoute('/deals/dl_1'), { name: 'deal', id: 'dl_1' });
    assert.deepEqual(parseRoute('/deals/dl_1/events'), { name: 'dealEvents', id: 'dl_1' });
    assert.deepEqual(parseRoute('/deals/dl_1/other'), { name: 'notFound' });
    assert.deepEqual(parseRoute('/dead-letters'), { name: 'deadLetters' });
    assert.deepEqual(parseRoute('/reconciliation'), { name: 'reconciliation' });
    assert.deepEqual(parseRoute('/profile/x'), { name: 'notFound' });
    assert.deepEqual(parseRoute('/security'), { name: 'security' });
  });

  it('knows every path the gateway answers with index.html, and only those', () => {
    for (const pattern of CABINET_ROUTES) {
      const path = pattern.replace(':id', 'x_1');
      assert.notEqual(parseRoute(path).name, 'notFound', `${pattern} is served but not routed`);
    }
    // The other way round: a screen the router knows must be one the gateway serves on a reload.
    const served = (path: string) =>
      CABINET_ROUTES.some((p) => new RegExp(`^${p.replace(':id', '[^/]+')}$`).test(path));
    for (const path of [
      '/',
      '/login',
      '/register',
      '/pay',
      '/accounts',
      '/accounts/x',
      '/orders',
      '/orders/x',
      '/deals',
      '/deals/new',
      '/deals/x',
      '/deals/x/events',
      '/profile',
      '/security',
      '/operator',
      '/dead-letters',
      '/reconciliation',
      '/users',
    ])
      assert.ok(served(path), `${path} is routed but not served`);
  });
});
