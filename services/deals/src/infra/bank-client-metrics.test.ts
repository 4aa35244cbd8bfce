import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { bankClientMetrics } from './bank-client-metrics.ts';

describe('bankClientMetrics', () => {
  it("counts the client's retries by method and follows its circuit: opened, half open, closed", async () => {
    const registry = new Registry();
    const m = bankClientMetrics();
    m.register(registry);
    const retry = { type: 'retry', attempt: 1, delayMs: 100, message: '500' } as const;
    m.onEvent({ ...retry, method: 'acceptDeal' });
    m.onEvent({ ...retry, method: 'acceptDeal' });
    m.onEvent({ ...retry, method: 'getDeal' });
    m.onEvent({ type: 'breaker', state: 'open' });
    let text = await registry.metrics();
    assert.match(text, /deals_bank_retries_total\{method="acceptDeal"\} 2/);
    assert.match(text, /deals_bank_retries_total\{method="getDeal"\} 1/);
    assert.match(text, /deals_bank_breaker_state 2/);
    assert.match(text, /deals_bank_breaker_opened_total 1/);
    m.onEvent({ type: 'breaker', state: 'half_open' });
    assert.match(await registry.metrics(), /deals_bank_breaker_state 1/);
    m.onEvent({ type: 'breaker', state: 'closed' });
    text = await registry.metrics();
    assert.match(text, /deals_bank_breaker_state 0/);
    assert.match(text, /deals_bank_breaker_opened_total 1/, 'closing is not opening');
  });
});
