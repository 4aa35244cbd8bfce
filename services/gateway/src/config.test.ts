import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@strongbox/kernel';
import { loadConfig, ROUTES, SANDBOX_SIM_PREFIX } from './config.ts';

describe('loadConfig', () => {
  it('has working local defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.upstreams.identity, 'http://127.0.0.1:3001');
    assert.equal(config.jwksUrl, 'http://127.0.0.1:3001/.well-known/jwks.json');
    assert.equal(config.issuer, 'strongbox-identity');
    assert.equal(config.audience, 'strongbox');
    assert.equal(config.routes, ROUTES);
  });

  it('derives the JWKS URL from IDENTITY_URL unless given, without a doubled slash', () => {
    assert.equal(
      loadConfig({ IDENTITY_URL: 'http://identity:3001/' }).jwksUrl,
      'http://identity:3001/.well-known/jwks.json',
    );
    const explicit = loadConfig({
      IDENTITY_URL: 'http://identity:3001',
      IDENTITY_JWKS_URL: 'https://keys.example/jwks',
    });
    assert.equal(explicit.jwksUrl, 'https://keys.example/jwks');
  });

  it('names the variable that is wrong', () => {
    assert.throws(
      () => loadConfig({ GATEWAY_PORT: 'eighty' }),
      (e) => e instanceof ConfigError && e.variable === 'GATEWAY_PORT',
    );
    assert.throws(
      () => loadConfig({ IDENTITY_URL: 'ftp://x' }),
      (e) => e instanceof ConfigError && e.variable === 'IDENTITY_URL',
    );
  });

  it('signs with the first forwarding secret, and refuses production without one', () => {
    const [one, two] = ['a'.repeat(32), 'b'.repeat(32)];
    assert.deepEqual(loadConfig({}).forwardingSecrets, []);
    assert.deepEqual(loadConfig({ GATEWAY_FORWARDING_SECRET: `${one},${two}` }).forwardingSecrets, [
      one,
      two,
    ]);
    assert.deepEqual(
      loadConfig({ NODE_ENV: 'production', GATEWAY_FORWARDING_SECRET: one }).forwardingSecrets,
      [one],
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (e) => e instanceof ConfigError && e.variable === 'GATEWAY_FORWARDING_SECRET',
    );
  });

  it('routes the bank sandbox controls only when told to, for admins, with the bank token', () => {
    assert.equal(
      loadConfig({}).routes.find((r) => r.prefix === SANDBOX_SIM_PREFIX),
      undefined,
    );
    const on = loadConfig({ GATEWAY_EXPOSE_BANK_SANDBOX: 'true', BANK_URL: 'http://sandbox:3006/' });
    const entry = on.routes.find((r) => r.prefix === SANDBOX_SIM_PREFIX);
    assert.deepEqual(entry?.roles, ['admin']);
    assert.equal(entry?.upstreamBearer, 'sandbox', "the sandbox's development token by default");
    assert.equal(on.upstreams.bankSandbox, 'http://sandbox:3006');
    assert.throws(
      () =>
        loadConfig({
          GATEWAY_EXPOSE_BANK_SANDBOX: 'true',
          NODE_ENV: 'production',
          // Production also needs the forwarding secret; given, the missing bank token is what is refused.
          GATEWAY_FORWARDING_SECRET: 'x'.repeat(32),
        }),
      (e) => e instanceof ConfigError && e.variable === 'BANK_API_TOKEN',
    );
    assert.throws(
      () => loadConfig({ GATEWAY_EXPOSE_BANK_SANDBOX: 'yes' }),
      (e) => e instanceof ConfigError && e.variable === 'GATEWAY_EXPOSE_BANK_SANDBOX',
    );
  });
});
