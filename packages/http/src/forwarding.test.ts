import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import {
  FORWARDED_SIGNATURE_HEADER,
  forwarding,
  SIGNED_PAIRS_REMEMBERED_MAX,
  signForwardedFor,
} from './forwarding.ts';

const SECRET = 'service-test-forwarding-secret-of-32-chars';

/** What admit leaves of a request's forwarded headers. */
function admitted(admit: (raw: IncomingMessage) => void, forwardedFor: string, signature: string) {
  const raw = { headers: { 'x-forwarded-for': forwardedFor, [FORWARDED_SIGNATURE_HEADER]: signature } };
  admit(raw as unknown as IncomingMessage);
  return raw.headers['x-forwarded-for'];
}

describe('forwarding: gateway, remembering proven pairs', () => {
  it('given a pair proven once, then it is believed again, and a changed signature of that address is not', () => {
    const { admit } = forwarding({ kind: 'gateway', secrets: [SECRET] });
    const good = signForwardedFor(SECRET, '10.0.0.7');
    assert.equal(admitted(admit, '10.0.0.7', good), '10.0.0.7');
    assert.equal(admitted(admit, '10.0.0.7', good), '10.0.0.7', 'remembered');
    const tampered = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(admitted(admit, '10.0.0.7', tampered), undefined);
    assert.equal(admitted(admit, '10.0.0.8', good), undefined, 'a signature belongs to its own address');
  });

  it('given more proven pairs than it remembers, then each is still believed and forgeries still are not', () => {
    const { admit } = forwarding({ kind: 'gateway', secrets: [SECRET] });
    const ips = Array.from(
      { length: SIGNED_PAIRS_REMEMBERED_MAX + 3 },
      (_, i) => `10.1.${i >> 8}.${i & 255}`,
    );
    for (const ip of ips) assert.equal(admitted(admit, ip, signForwardedFor(SECRET, ip)), ip);
    for (const ip of [ips[0], ips.at(-1)] as string[]) {
      assert.equal(admitted(admit, ip, signForwardedFor(SECRET, ip)), ip);
      assert.equal(
        admitted(admit, ip, signForwardedFor('another-secret-of-thirty-two-chars!', ip)),
        undefined,
      );
    }
  });
});
