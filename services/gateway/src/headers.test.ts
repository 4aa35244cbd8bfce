import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FORWARDED_SIGNATURE_HEADER, forwardedForSigned, signForwardedFor } from '@strongbox/http';
import { forwardedForSigner, forwardHeaders, returnHeaders, SIGNED_ADDRESSES_MAX } from './headers.ts';

const ctx = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01',
  clientIp: '10.0.0.7',
  protocol: 'https',
  host: 'api.example.com',
  sign: undefined,
};

describe('forwardHeaders', () => {
  it('keeps Authorization and sets the trace and forwarding headers from the gateway', () => {
    const out = forwardHeaders(
      {
        authorization: 'Bearer abc',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-2222222222222222-01',
        tracestate: 'vendor=1',
        'x-forwarded-for': '6.6.6.6',
        forwarded: 'for=6.6.6.6',
        'idempotency-key': 'k-1',
      },
      ctx,
    );
    assert.equal(out.authorization, 'Bearer abc');
    assert.equal(out['idempotency-key'], 'k-1');
    assert.equal(out['x-trace-id'], ctx.traceId);
    assert.equal(out.traceparent, ctx.traceparent);
    assert.equal(out.tracestate, 'vendor=1');
    assert.equal(out['x-forwarded-for'], '10.0.0.7');
    assert.equal(out['x-forwarded-proto'], 'https');
    assert.equal(out['x-forwarded-host'], 'api.example.com');
    assert.equal(out.forwarded, undefined);
  });

  it('signs the forwarded address with the forwarding secret, and never passes on a caller signature', () => {
    const secret = 'a-forwarding-secret-of-32-characters-at-least';
    const forged = { 'x-forwarded-for': '6.6.6.6', [FORWARDED_SIGNATURE_HEADER]: 'forged' };
    const out = forwardHeaders(forged, { ...ctx, sign: forwardedForSigner(secret) });
    assert.equal(out['x-forwarded-for'], '10.0.0.7');
    assert.notEqual(out[FORWARDED_SIGNATURE_HEADER], 'forged');
    assert.ok(forwardedForSigned(out, [secret]), 'the upstream believes the address the gateway saw');
    const unsigned = forwardHeaders(forged, ctx);
    assert.equal(unsigned[FORWARDED_SIGNATURE_HEADER], undefined, 'without a secret nothing is signed');
  });

  it('sends no traceparent for a custom trace id, so upstreams keep that id', () => {
    const out = forwardHeaders(
      { traceparent: 'x', tracestate: 'vendor=1' },
      { ...ctx, traceId: 'client-trace-0001' },
    );
    assert.equal(out['x-trace-id'], 'client-trace-0001');
    assert.equal(out.traceparent, undefined);
    assert.equal(out.tracestate, undefined);
  });

  it('repeats no header of its own that the caller also sent, whatever its case in the raw request', () => {
    const out = forwardHeaders(
      { 'x-trace-id': 'caller', 'x-forwarded-proto': 'gopher', 'x-forwarded-host': 'evil.example' },
      { ...ctx, host: undefined },
    );
    assert.equal(out['x-trace-id'], ctx.traceId);
    assert.equal(out['x-forwarded-proto'], 'https');
    assert.equal(out['x-forwarded-host'], undefined, 'no host seen: none is claimed');
  });
});

describe('forwardedForSigner', () => {
  it('gives the signature signForwardedFor gives, for each address, the same when asked again', () => {
    const secret = 'a-forwarding-secret-of-32-characters-at-least';
    const sign = forwardedForSigner(secret);
    for (const ip of ['10.0.0.7', '10.0.0.8', '10.0.0.7', '::1']) {
      assert.equal(sign(ip), signForwardedFor(secret, ip), ip);
    }
  });

  it('keeps giving correct signatures past the number of addresses it remembers', () => {
    const secret = 'a-forwarding-secret-of-32-characters-at-least';
    const sign = forwardedForSigner(secret);
    const ips = Array.from(
      { length: SIGNED_ADDRESSES_MAX + 5 },
      (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
    );
    for (const ip of ips) sign(ip);
    for (const ip of [ips[0], ips[3], ips.at(-1)] as string[])
      assert.equal(sign(ip), signForwardedFor(secret, ip));
  });
});

describe('forwardHeaders and hop-by-hop headers', () => {
  it("drops the caller's hop-by-hop headers (Expect above all, which the upstream client refuses)", () => {
    const out = forwardHeaders(
      {
        expect: '100-continue',
        'keep-alive': 'timeout=5',
        upgrade: 'websocket',
        te: 'trailers',
        accept: '*/*',
      },
      ctx,
    );
    for (const name of ['expect', 'keep-alive', 'upgrade', 'te']) assert.equal(out[name], undefined, name);
    assert.equal(out.accept, '*/*');
  });

  it('drops Connection and the headers it names, and leaves Host and Content-Length to the upstream client', () => {
    const out = forwardHeaders(
      {
        connection: 'keep-alive, X-Hop',
        'x-hop': 'caller-to-gateway only',
        host: 'api.example.com',
        'content-length': '12',
        'transfer-encoding': 'chunked',
        'idempotency-key': 'k-1',
      },
      { ...ctx, host: 'api.example.com' },
    );
    for (const name of ['connection', 'x-hop', 'host', 'content-length', 'transfer-encoding'])
      assert.equal(out[name], undefined, name);
    assert.equal(out['idempotency-key'], 'k-1');
    assert.equal(
      out['x-forwarded-host'],
      'api.example.com',
      'the host the caller asked for goes as X-Forwarded-Host',
    );
  });
});

describe('returnHeaders', () => {
  it("drops the upstream's trace headers and keeps the rest", () => {
    const out = returnHeaders({ 'x-trace-id': 'up', traceparent: 'up', 'content-type': 'application/json' });
    assert.deepEqual(out, { 'content-type': 'application/json' });
  });
});
