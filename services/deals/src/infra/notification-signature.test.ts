import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { type SignatureDeps, verifySignature } from './notification-signature.ts';

const nowMs = Date.parse('2026-12-01T10:00:00Z');
const ts = String(nowMs / 1000);
const body = Buffer.from('{"id":"ntf_1","type":"deal.accepted","amount":1234.56}');
const sign = (secret: string, timestamp = ts, raw = body) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex');
const deps = (secrets: string[], at = nowMs): SignatureDeps => ({ secrets, nowMs: at });
const verdict = (
  timestamp: string | undefined,
  signature: string | undefined,
  d: SignatureDeps,
  raw = body,
) => {
  const v = verifySignature({ timestamp, signature, rawBody: raw }, d);
  return v.ok ? 'ok' : v.code;
};

describe('bank notification signatures', () => {
  it('given a body signed with the secret, then it is accepted; with another secret or another body, refused', () => {
    assert.equal(verdict(ts, sign('s1'), deps(['s1'])), 'ok');
    assert.equal(verdict(ts, sign('s2'), deps(['s1'])), 'signature_mismatch');
    assert.equal(verdict(ts, sign('s1'), deps(['s1']), Buffer.from(`${body} `)), 'signature_mismatch');
  });

  it('given a rotation, then a signature under either secret is accepted, and a pair of signatures too', () => {
    assert.equal(verdict(ts, sign('old'), deps(['old', 'new'])), 'ok');
    assert.equal(verdict(ts, sign('new'), deps(['old', 'new'])), 'ok');
    assert.equal(verdict(ts, `${sign('old')},${sign('new')}`, deps(['new'])), 'ok');
  });

  it('given a timestamp more than five minutes away, then it is stale; inside the window it is fresh', () => {
    const old = String(nowMs / 1000 - 301);
    assert.equal(verdict(old, sign('s1', old), deps(['s1'])), 'signature_stale');
    const edge = String(nowMs / 1000 - 300);
    assert.equal(verdict(edge, sign('s1', edge), deps(['s1'])), 'ok');
    const future = String(nowMs / 1000 + 301);
    assert.equal(verdict(future, sign('s1', future), deps(['s1'])), 'signature_stale');
  });

  it('given a signature replayed with another timestamp, then it does not match', () => {
    const later = String(nowMs / 1000 + 10);
    assert.equal(verdict(later, sign('s1'), deps(['s1'])), 'signature_mismatch');
  });

  it('refuses missing and malformed headers without computing anything', () => {
    assert.equal(verdict(undefined, sign('s1'), deps(['s1'])), 'signature_missing');
    assert.equal(verdict(ts, undefined, deps(['s1'])), 'signature_missing');
    assert.equal(verdict('12.5', sign('s1'), deps(['s1'])), 'signature_malformed');
    assert.equal(verdict(ts, 'zz', deps(['s1'])), 'signature_malformed');
    assert.equal(
      verdict(ts, [sign('a'), sign('b'), sign('s1')].join(','), deps(['s1'])),
      'signature_malformed',
    );
  });
});
