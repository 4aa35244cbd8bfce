import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { IdentityUnavailable, identityClient } from './identity-client.ts';

/** A real HTTP identity on 127.0.0.1 answering the two calls deals makes, counting them. */
let server: Server;
let url: string;
const calls = { token: 0, lookup: 0 };
let tokenSeq = 0;
let revoked = new Set<string>();

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/v1/auth/token') {
        calls.token++;
        const b = JSON.parse(Buffer.concat(chunks).toString()) as { clientSecret: string };
        if (b.clientSecret !== 'right') return send(401, { code: 'invalid_client' });
        return send(200, { accessToken: `tok${++tokenSeq}`, expiresIn: 900 });
      }
      calls.lookup++;
      const token = (req.headers.authorization ?? '').replace('Bearer ', '');
      if (revoked.has(token)) return send(401, { code: 'invalid_token' });
      const email = new URL(req.url ?? '', 'http://x').searchParams.get('email');
      if (email === 'payer@example.com') return send(200, { id: 'usr_payer', email });
      if (email === 'boom@example.com') return send(500, { code: 'internal' });
      return send(404, { code: 'user_not_found' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('identity client', () => {
  it('given two lookups, then one token serves both; a user is found, an unknown email is undefined', async () => {
    const client = identityClient({ identityUrl: url, clientId: 'deals', clientSecret: 'right' });
    const before = calls.token;
    assert.equal(await client.userIdByEmail('payer@example.com', 't1'), 'usr_payer');
    assert.equal(await client.userIdByEmail('nobody@example.com', 't2'), undefined);
    assert.equal(calls.token - before, 1);
  });

  it('given a revoked token, then a new one is fetched once and the lookup answered', async () => {
    const client = identityClient({ identityUrl: url, clientId: 'deals', clientSecret: 'right' });
    await client.userIdByEmail('payer@example.com', 't3');
    revoked = new Set([`tok${tokenSeq}`]);
    assert.equal(await client.userIdByEmail('payer@example.com', 't4'), 'usr_payer');
    revoked = new Set();
  });

  it('answers IdentityUnavailable for refused credentials, a 5xx, and an identity that is not there', async () => {
    const wrong = identityClient({ identityUrl: url, clientId: 'deals', clientSecret: 'wrong' });
    await assert.rejects(wrong.userIdByEmail('payer@example.com', 't5'), IdentityUnavailable);
    const client = identityClient({ identityUrl: url, clientId: 'deals', clientSecret: 'right' });
    await assert.rejects(client.userIdByEmail('boom@example.com', 't6'), IdentityUnavailable);
    const gone = identityClient({
      identityUrl: 'http://127.0.0.1:9',
      clientId: 'deals',
      clientSecret: 'right',
    });
    await assert.rejects(gone.userIdByEmail('payer@example.com', 't7'), IdentityUnavailable);
  });
});
