import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readConfig } from '@strongbox/kernel';
import {
  forwardingPolicyOf,
  jwksUrlOf,
  requireForwardingSecretInProduction,
  SERVICE_CONFIG_FIELDS,
} from './service-config.ts';

describe('SERVICE_CONFIG_FIELDS', () => {
  it('given no environment, then every shared setting has its local default', () => {
    const c = readConfig({}, SERVICE_CONFIG_FIELDS);
    assert.equal(c.DATABASE_URL, undefined);
    assert.equal(c.HOST, '127.0.0.1');
    assert.equal(c.LOG_LEVEL, 'info');
    assert.equal(c.IDENTITY_URL, 'http://127.0.0.1:3001');
    assert.equal(c.DATABASE_POOL_MAX, 10);
    assert.equal(c.AMQP_URL, undefined);
    assert.equal(jwksUrlOf(c), 'http://127.0.0.1:3001/.well-known/jwks.json');
  });

  it('given an explicit key-set URL, then it wins over the one derived from IDENTITY_URL', () => {
    const c = readConfig(
      { IDENTITY_URL: 'http://identity:3001/', IDENTITY_JWKS_URL: 'https://keys.example/jwks.json' },
      SERVICE_CONFIG_FIELDS,
    );
    assert.equal(jwksUrlOf(c), 'https://keys.example/jwks.json');
    assert.equal(
      jwksUrlOf({ ...c, IDENTITY_JWKS_URL: undefined }),
      'http://identity:3001/.well-known/jwks.json',
    );
  });

  it('given a bad value, then reading fails with the variable named', () => {
    assert.throws(() => readConfig({ LOG_LEVEL: 'loud' }, SERVICE_CONFIG_FIELDS), ConfigError);
    assert.throws(() => readConfig({ IDENTITY_URL: 'ftp://identity' }, SERVICE_CONFIG_FIELDS), ConfigError);
    assert.throws(() => readConfig({ DATABASE_POOL_MAX: '1' }, SERVICE_CONFIG_FIELDS), ConfigError);
  });

  it('given no forwarding secret, then no forwarded address is believed, and production refuses to start', () => {
    const c = readConfig({}, SERVICE_CONFIG_FIELDS);
    assert.deepEqual(c.GATEWAY_FORWARDING_SECRET, []);
    assert.deepEqual(forwardingPolicyOf(c.GATEWAY_FORWARDING_SECRET), { kind: 'none' });
    requireForwardingSecretInProduction(c, {});
    assert.throws(
      () => requireForwardingSecretInProduction(c, { NODE_ENV: 'production' }),
      /GATEWAY_FORWARDING_SECRET is missing/,
    );
  });

  it('given one forwarding secret, or two during a rotation, then the gateway signature is believed', () => {
    const one = 'x'.repeat(32);
    const two = 'y'.repeat(40);
    const c = readConfig({ GATEWAY_FORWARDING_SECRET: `${one}, ${two}` }, SERVICE_CONFIG_FIELDS);
    assert.deepEqual(forwardingPolicyOf(c.GATEWAY_FORWARDING_SECRET), {
      kind: 'gateway',
      secrets: [one, two],
    });
    requireForwardingSecretInProduction(c, { NODE_ENV: 'production' });
  });

  it('given a short forwarding secret or three of them, then reading fails without echoing them', () => {
    for (const raw of ['x'.repeat(31), ['a', 'b', 'c'].map((l) => l.repeat(32)).join(',')]) {
      assert.throws(
        () => readConfig({ GATEWAY_FORWARDING_SECRET: raw }, SERVICE_CONFIG_FIELDS),
        (err: Error) =>
          err instanceof ConfigError && err.message.includes('<redacted>') && !err.message.includes('xxx'),
      );
    }
  });
});
