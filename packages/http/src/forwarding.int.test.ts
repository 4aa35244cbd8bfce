import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from './app.ts';
import { FORWARDED_SIGNATURE_HEADER, type ForwardingPolicy, signForwardedFor } from './forwarding.ts';
import { createLogger } from './logger.ts';

/** Who a service believes the caller is, over real connections from 127.0.0.1 (ADR 0021). */
const SECRET = 'a-forwarding-secret-of-32-characters-at-least';
const NEXT_SECRET = 'the-next-forwarding-secret-during-a-rotation';
const WRONG_SECRET = 'a-guessed-forwarding-secret-of-enough-length';
const CALLER = '203.0.113.7';

async function serve(policy: ForwardingPolicy | undefined, lines: string[] = []) {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const app = await createHttpApp({
    service: 'test',
    version: '0.0.0',
    logger: createLogger({ service: 'test', level: 'info', destination: sink }),
    ...(policy ? { forwarding: policy } : {}),
  });
  app.get('/who', { config: { auth: 'public' } }, async (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    host: request.host,
    signature: request.headers[FORWARDED_SIGNATURE_HEADER] ?? null,
  }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

const signed = (secret: string, address = CALLER) => ({
  'x-forwarded-for': address,
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'api.example.com',
  [FORWARDED_SIGNATURE_HEADER]: signForwardedFor(secret, address),
});

async function who(url: string, headers: Record<string, string>) {
  const res = await fetch(`${url}/who`, { headers });
  assert.equal(res.status, 200);
  return (await res.json()) as { ip: string; protocol: string; host: string; signature: string | null };
}

describe('a service behind the gateway (forwarding: gateway)', () => {
  let app: FastifyInstance;
  let url: string;
  const lines: string[] = [];
  before(async () => {
    ({ app, url } = await serve({ kind: 'gateway', secrets: [SECRET, NEXT_SECRET] }, lines));
  });
  after(async () => {
    await app.close();
  });

  it('given X-Forwarded-For without a signature, then it is ignored and the socket address is the caller', async () => {
    const got = await who(url, { 'x-forwarded-for': CALLER, 'x-forwarded-proto': 'https' });
    assert.equal(got.ip, '127.0.0.1');
    assert.equal(got.protocol, 'http', 'no other forwarded header is believed either');
  });

  it('given a signature under the wrong secret, then X-Forwarded-For is ignored', async () => {
    const got = await who(url, signed(WRONG_SECRET));
    assert.deepEqual(got, { ip: '127.0.0.1', protocol: 'http', host: new URL(url).host, signature: null });
  });

  it('given a valid signature of another address, then the address it is sent with is not believed', async () => {
    const got = await who(url, {
      ...signed(SECRET, '198.51.100.1'),
      'x-forwarded-for': CALLER,
    });
    assert.equal(got.ip, '127.0.0.1');
  });

  it('given a signature that is not one, then X-Forwarded-For is ignored', async () => {
    for (const signature of [
      '',
      'x',
      signForwardedFor(SECRET, CALLER).slice(1),
      `${signForwardedFor(SECRET, CALLER)}=`,
    ]) {
      const got = await who(url, { 'x-forwarded-for': CALLER, [FORWARDED_SIGNATURE_HEADER]: signature });
      assert.equal(got.ip, '127.0.0.1', JSON.stringify(signature));
    }
  });

  it('given the gateway signature under the secret, then the forwarded address is the caller', async () => {
    const got = await who(url, signed(SECRET));
    assert.deepEqual(got, { ip: CALLER, protocol: 'https', host: 'api.example.com', signature: null });
  });

  it('given a signature under the second secret of a rotation, then it is believed too', async () => {
    assert.equal((await who(url, signed(NEXT_SECRET))).ip, CALLER);
  });

  it('given a forged X-Forwarded-For, then the request log names the socket address, not the forged one', async () => {
    lines.length = 0;
    await who(url, { 'x-forwarded-for': '192.0.2.99', 'x-trace-id': 'forged-forwarding-01' });
    const incoming = lines
      .map((l) => JSON.parse(l) as { msg: string; traceId?: string; req?: { remoteAddress?: string } })
      .find((l) => l.msg === 'incoming request' && l.traceId === 'forged-forwarding-01');
    assert.equal(incoming?.req?.remoteAddress, '127.0.0.1');
    assert.ok(!lines.join('').includes('192.0.2.99'));
  });
});

describe('a service with no forwarding policy', () => {
  it('given even a validly signed X-Forwarded-For, then the socket address is the caller', async () => {
    const { app, url } = await serve(undefined);
    try {
      assert.equal((await who(url, signed(SECRET))).ip, '127.0.0.1');
    } finally {
      await app.close();
    }
  });
});

describe('the edge behind load balancers (forwarding: proxies)', () => {
  it('believes X-Forwarded-For from a listed address, and from no other', async () => {
    const listed = await serve({ kind: 'proxies', addresses: ['127.0.0.1'] });
    const other = await serve({ kind: 'proxies', addresses: ['10.0.0.1'] });
    try {
      assert.equal((await who(listed.url, { 'x-forwarded-for': CALLER })).ip, CALLER);
      assert.equal((await who(other.url, { 'x-forwarded-for': CALLER })).ip, '127.0.0.1');
    } finally {
      await listed.app.close();
      await other.app.close();
    }
  });
});
