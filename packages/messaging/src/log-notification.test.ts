import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logNotification, notifiedTypes } from './postgres-log.ts';

describe('log notifications', () => {
  it('given a batch of events, when notified, then the payload names the source and each type once', () => {
    const payload = logNotification('balance', [
      'balance.transfer.created',
      'balance.transfer.created',
      'x.y',
    ]);
    assert.deepEqual(JSON.parse(payload), { source: 'balance', types: ['balance.transfer.created', 'x.y'] });
    assert.deepEqual(notifiedTypes(payload), ['balance.transfer.created', 'x.y']);
  });

  it('given more types than a payload holds, when notified, then it names none and every consumer wakes', () => {
    const types = Array.from({ length: 1_000 }, (_, i) => `service.entity.event_${i}`);
    const payload = logNotification('balance', types);
    assert.ok(Buffer.byteLength(payload) < 8_000);
    assert.equal(notifiedTypes(payload), undefined);
  });

  it('given a payload that is not ours (a bare source name, bad JSON, odd types), then every consumer wakes', () => {
    assert.equal(notifiedTypes('balance'), undefined);
    assert.equal(notifiedTypes('{"source":"balance","types":[1]}'), undefined);
    assert.equal(notifiedTypes('{"source":"balance"}'), undefined);
  });
});
