import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteEntry } from './config.ts';
import { mergeOpenApi } from './openapi.ts';

/** The parts of an OpenAPI document these tests read. */
interface DocView {
  info: { title: string; version: string; description: string };
  security?: unknown[];
  tags?: { name: string }[];
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses?: Record<string, { $ref?: string }> }>
  >;
  components: {
    schemas: Record<string, { properties?: Record<string, { $ref?: string }> }>;
    securitySchemes: Record<string, unknown>;
  };
}

// A second service exists only in this test's table; the merge is keyed by name, not by the config's union.
const table = [
  { prefix: '/v1/auth', service: 'identity', public: ['/v1/auth/login'] },
  { prefix: '/v1/me', service: 'identity' },
  { prefix: '/v1/accounts', service: 'balance' },
] as unknown as RouteEntry[];

const bearer = { bearer: { type: 'http', scheme: 'bearer' } };
const identity = {
  components: {
    securitySchemes: bearer,
    schemas: {
      Money: { type: 'integer' },
      Error: { type: 'object', properties: { code: { type: 'string' } } },
    },
  },
  tags: [{ name: 'auth' }],
  paths: {
    '/v1/auth/login': { post: { tags: ['auth'] } },
    '/v1/me': { get: { responses: { '200': { $ref: '#/components/schemas/Error' } } } },
    '/v1/accounts': { get: {} },
    '/admin/keys': { post: {} },
  },
};
const balance = {
  components: {
    securitySchemes: bearer,
    schemas: {
      Money: { type: 'integer' },
      Error: { type: 'object', properties: { reason: { type: 'string' } } },
      Account: {
        type: 'object',
        properties: { err: { $ref: '#/components/schemas/Error/properties/reason' } },
      },
    },
  },
  tags: [{ name: 'auth' }, { name: 'accounts' }],
  paths: { '/v1/accounts': { get: { responses: { '400': { $ref: '#/components/schemas/Error' } } } } },
};

describe('mergeOpenApi', () => {
  const merged = mergeOpenApi(
    [
      { service: 'identity', doc: identity },
      { service: 'balance', doc: balance },
    ],
    table,
    { version: '1.2.3' },
  ) as unknown as DocView;

  it('keeps only the paths the gateway routes to each service', () => {
    assert.deepEqual(Object.keys(merged.paths).sort(), ['/v1/accounts', '/v1/auth/login', '/v1/me']);
    assert.ok(
      merged.paths['/v1/accounts']?.get?.responses,
      "balance's /v1/accounts, not identity's stray one",
    );
    assert.equal(merged.info.title, 'Strongbox API');
    assert.equal(merged.info.version, '1.2.3');
    assert.deepEqual(merged.security, [{ bearer: [] }]);
  });

  it('marks public operations as needing no token', () => {
    assert.deepEqual(merged.paths['/v1/auth/login']?.post?.security, []);
    assert.equal(merged.paths['/v1/me']?.get?.security, undefined);
  });

  it('shares identical schemas and renames conflicting ones with their references', () => {
    const schemas = merged.components.schemas;
    assert.deepEqual(Object.keys(schemas).sort(), ['Account', 'BalanceError', 'Error', 'Money']);
    assert.deepEqual(schemas.Error, identity.components.schemas.Error);
    assert.deepEqual(schemas.BalanceError, balance.components.schemas.Error);
    assert.equal(
      merged.paths['/v1/accounts']?.get?.responses?.['400']?.$ref,
      '#/components/schemas/BalanceError',
    );
    assert.equal(merged.paths['/v1/me']?.get?.responses?.['200']?.$ref, '#/components/schemas/Error');
    assert.equal(
      schemas['Account']?.properties?.['err']?.$ref,
      '#/components/schemas/BalanceError/properties/reason',
    );
    assert.deepEqual(Object.keys(merged.components.securitySchemes), ['bearer']);
    assert.deepEqual(
      merged.tags?.map((t) => t.name),
      ['auth', 'accounts'],
    );
  });

  it('says which services are missing and still builds a document', () => {
    const partial = mergeOpenApi(
      [
        { service: 'identity', doc: identity },
        { service: 'balance', error: 'connection refused' },
      ],
      table,
      { version: '1.2.3' },
    ) as unknown as DocView;
    assert.match(partial.info.description, /could not be reached: balance \(connection refused\)\./);
    assert.deepEqual(Object.keys(partial.paths).sort(), ['/v1/auth/login', '/v1/me']);
  });

  it('tolerates documents with missing or odd sections', () => {
    const odd = mergeOpenApi(
      [{ service: 'identity', doc: { paths: { '/v1/me': 'nope' }, tags: 'x' } }],
      table,
      {
        version: '0',
      },
    ) as unknown as DocView;
    assert.deepEqual(odd.paths, {});
    assert.equal(odd.security, undefined);
  });
});
