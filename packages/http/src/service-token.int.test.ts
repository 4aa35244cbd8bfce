import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serviceTokens, TOKEN_REFRESH_EARLY_MS, TokenUnavailable } from './service-token.ts';

let server: Server;
let url: string;
let fetches = 0;

before(async () => {
  // A stand-in for identity's token endpoint over real HTTP: one token per fetch, 60 s to live.
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const { clientSecret } = JSON.parse(body) as { clientSecret: string };
      if (clientSecret !== 'right') {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"code":"invalid_client"}');
        return;
      }
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accessToken: `tok${fetches}`, expiresIn: 60, tokenType: 'Bearer' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('serviceTokens', () => {
  it('shares one fetch between concurrent callers and keeps the token until shortly before it expires', async () => {
    let nowMs = 1_000_000;
    const tokens = serviceTokens({
      identityUrl: `${url}/`,
      clientId: 'svc',
      clientSecret: 'right',
      now: () => nowMs,
    });
    const start = fetches;
    const got = await Promise.all([tokens.get(), tokens.get(), tokens.get()]);
    assert.equal(new Set(got).size, 1);
    assert.equal(fetches - start, 1);
    nowMs += 60_000 - TOKEN_REFRESH_EARLY_MS - 1;
    assert.equal(await tokens.get(), got[0], 'still cached');
    nowMs += 1;
    assert.notEqual(await tokens.get(), got[0], 'fetched again before it expires');
  });

  it('fetches a new token after invalidate', async () => {
    const tokens = serviceTokens({ identityUrl: url, clientId: 'svc', clientSecret: 'right' });
    const first = await tokens.get();
    tokens.invalidate();
    assert.notEqual(await tokens.get(), first);
  });

  it('answers TokenUnavailable for refused credentials and for an identity that is not there', async () => {
    const refused = serviceTokens({ identityUrl: url, clientId: 'svc', clientSecret: 'wrong' });
    await assert.rejects(refused.get(), (e) => e instanceof TokenUnavailable && /401/.test(e.message));
    const gone = serviceTokens({ identityUrl: 'http://127.0.0.1:9', clientId: 'svc', clientSecret: 'right' });
    await assert.rejects(gone.get(), TokenUnavailable);
  });
});
