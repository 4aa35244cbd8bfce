import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '@strongbox/kernel';
import { closedPortUrl } from './testing.ts';
import { UPSTREAM_CHECK_TTL_MS, upstreamCheck } from './upstream-check.ts';

/** /health answers with whatever the test sets next. */
let next: { status: number; body: string } = { status: 200, body: '{"service":"bank-sandbox"}' };
let hits = 0;
const server: Server = createServer((_req, res) => {
  hits++;
  res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
});
let url: string;
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('upstreamCheck', () => {
  it('recognises the expected service and keeps the answer for its TTL', async () => {
    const clock = fixedClock(new Date('2026-03-01T00:00:00Z'));
    const check = upstreamCheck(url, 'bank-sandbox', clock);
    hits = 0;
    assert.deepEqual(await check.get(), { kind: 'expected' });
    next = { status: 200, body: '{"service":"identity"}' };
    assert.deepEqual(await check.get(), { kind: 'expected' }, 'still within the TTL');
    assert.equal(hits, 1);
    clock.advance(UPSTREAM_CHECK_TTL_MS);
    assert.deepEqual(await check.get(), { kind: 'other', service: 'identity' });
  });

  it('takes a refusal or a body that is not ours for someone else, and a 5xx or no answer for unreachable', async () => {
    const clock = fixedClock(new Date('2026-03-01T00:00:00Z'));
    next = { status: 404, body: 'nope' };
    assert.equal((await upstreamCheck(url, 'bank-sandbox', clock).get()).kind, 'other');
    next = { status: 200, body: '<html>' };
    assert.deepEqual(await upstreamCheck(url, 'bank-sandbox', clock).get(), {
      kind: 'other',
      service: 'unknown',
    });
    next = { status: 503, body: '' };
    const failing = upstreamCheck(url, 'bank-sandbox', clock);
    assert.equal((await failing.get()).kind, 'unreachable');
    next = { status: 200, body: '{"service":"bank-sandbox"}' };
    assert.equal((await failing.get()).kind, 'expected', 'an unreachable answer is asked again at once');
    assert.equal(
      (await upstreamCheck(await closedPortUrl(), 'bank-sandbox', clock).get()).kind,
      'unreachable',
    );
  });
});
