import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requestRaw } from '@strongbox/http/testing';
import { type Harness, startWebhooks } from '../test-support.ts';

/** The shared HTTP edge as the webhook routes meet it: list cursors and the Idempotency-Key. */
let h: Harness;
let alice: string;
let endpointId: string;

/** A number beyond bigint, not base64url, padded, stray bits, not UTF-8, and an id of no webhook kind. */
const MALFORMED = [
  'OTk5OTk5OTk5OTk5OTk5OTk5OQ',
  '!!',
  'NDI=',
  'NDJ',
  '_w',
  Buffer.from('acc_1').toString('base64url'),
];

before(async () => {
  h = await startWebhooks();
  alice = await h.token('usr_alice');
  const res = await h.app.inject({
    method: 'POST',
    url: '/v1/webhooks/endpoints',
    headers: { authorization: `Bearer ${alice}`, 'idempotency-key': 'edge-1' },
    payload: { url: 'http://127.0.0.1:9/hook', eventTypes: ['balance.*'] },
  });
  assert.equal(res.statusCode, 201, res.body);
  endpointId = res.json().id;
});
after(async () => {
  await h?.close();
});

describe('list cursors', () => {
  for (const path of ['/v1/webhooks/endpoints', '/v1/webhooks/endpoints/{id}/deliveries']) {
    it(`given a malformed cursor on ${path}, then it is a 400 invalid_cursor problem`, async () => {
      for (const cursor of MALFORMED) {
        const res = await h.app.inject({
          method: 'GET',
          url: `${path.replace('{id}', endpointId)}?cursor=${cursor}`,
          headers: { authorization: `Bearer ${alice}` },
        });
        assert.equal(res.statusCode, 400, `${cursor}: ${res.body}`);
        assert.equal(res.json().code, 'invalid_cursor', cursor);
      }
    });
  }
});

describe('Idempotency-Key over real HTTP', () => {
  it('given the header twice, then registering is refused with 400 idempotency_key_repeated', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as AddressInfo;
    const res = await requestRaw(`http://127.0.0.1:${port}/v1/webhooks/endpoints`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice}`,
        'content-type': 'application/json',
        'idempotency-key': ['edge-2', 'edge-3'],
      },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/other', eventTypes: ['balance.*'] }),
    });
    assert.deepEqual([res.status, JSON.parse(res.text).code], [400, 'idempotency_key_repeated']);
    const { rows } = await h.pool.query<{ n: string }>('select count(*)::text as n from endpoints');
    assert.equal(rows[0]?.n, '1');
  });
});
