import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvariantError } from '@strongbox/kernel';
import fc from 'fast-check';
import { ROUTES, type RouteEntry, sandboxRoute } from './config.ts';
import {
  canonicalAsUrl,
  expandRoutes,
  isCanonicalTarget,
  isPublicPath,
  matchRoute,
  upstreamTarget,
  validateRoutes,
} from './routes.ts';

describe('matchRoute', () => {
  it('matches a prefix on segment boundaries only', () => {
    assert.equal(matchRoute(ROUTES, '/v1/me')?.prefix, '/v1/me');
    assert.equal(matchRoute(ROUTES, '/v1/me/sessions/1')?.prefix, '/v1/me');
    assert.equal(matchRoute(ROUTES, '/v1/meow'), undefined);
    assert.equal(matchRoute(ROUTES, '/v1'), undefined);
    assert.equal(matchRoute(ROUTES, '/.well-known/jwks.json')?.service, 'identity');
  });

  it('prefers the longest prefix whatever the table order', () => {
    const table: RouteEntry[] = [
      { prefix: '/v1/accounts', service: 'identity' },
      { prefix: '/v1/accounts/special', service: 'identity', public: true },
    ];
    assert.equal(matchRoute(table, '/v1/accounts/special/1')?.prefix, '/v1/accounts/special');
    assert.equal(matchRoute([...table].reverse(), '/v1/accounts/special')?.prefix, '/v1/accounts/special');
    assert.equal(matchRoute(table, '/v1/accounts/specialist')?.prefix, '/v1/accounts');
  });
});

describe('public paths', () => {
  it('opens only the bank notifications path of deals; every other deals path needs a token', () => {
    const bank = matchRoute(ROUTES, '/v1/bank/notifications');
    assert.equal(bank?.service, 'deals');
    assert.ok(bank);
    assert.equal(isPublicPath(bank, '/v1/bank/notifications'), true);
    assert.equal(isPublicPath(bank, '/v1/bank/other'), false);
    assert.equal(matchRoute(ROUTES, '/v1/admin/users/lookup')?.service, 'identity');
    for (const path of [
      '/v1/deals',
      '/v1/deals/deal_1/events',
      '/v1/recipients/me',
      '/v1/admin/deals/x',
      '/v1/admin/reconciliation',
    ]) {
      const entry = matchRoute(ROUTES, path);
      assert.equal(entry?.service, 'deals', path);
      assert.equal(isPublicPath(entry as RouteEntry, path), false, path);
    }
  });

  it('opens only the listed auth paths and the whole well-known prefix', () => {
    const auth = matchRoute(ROUTES, '/v1/auth/login');
    assert.ok(auth);
    for (const path of [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/v1/auth/logout',
      '/v1/auth/token',
    ]) {
      assert.equal(isPublicPath(auth, path), true, path);
    }
    assert.equal(isPublicPath(auth, '/v1/auth/password'), false);
    assert.equal(isPublicPath(auth, '/v1/auth/login/extra'), false);
    const me = matchRoute(ROUTES, '/v1/me');
    assert.ok(me);
    assert.equal(isPublicPath(me, '/v1/me'), false);
    const wk = matchRoute(ROUTES, '/.well-known/jwks.json');
    assert.ok(wk);
    assert.equal(isPublicPath(wk, '/.well-known/jwks.json'), true);
  });

  it('expands a partly public prefix into exact public routes and a protected wildcard', () => {
    const specs = expandRoutes(ROUTES).map((s) => `${s.url} ${s.public ? 'public' : 'token'}`);
    assert.ok(specs.includes('/v1/auth/* token'));
    assert.ok(specs.includes('/v1/auth/login public'));
    assert.ok(specs.includes('/v1/me token'));
    assert.ok(specs.includes('/v1/me/* token'));
    assert.ok(specs.includes('/.well-known/* public'));
  });
});

describe('validateRoutes', () => {
  it('stops on table mistakes', () => {
    const bad: RouteEntry[][] = [
      [{ prefix: '/v1/me/', service: 'identity' }],
      [{ prefix: 'v1/me', service: 'identity' }],
      [
        { prefix: '/v1/me', service: 'identity' },
        { prefix: '/v1/me', service: 'identity' },
      ],
      [{ prefix: '/v1/auth', service: 'identity', public: ['/v1/other/login'] }],
      [{ prefix: '/v1/auth', service: 'identity', public: ['/v1/auth'] }],
      [{ prefix: '/v1/me', service: 'identity', timeoutMs: 0 }],
    ];
    for (const table of bad)
      assert.throws(() => validateRoutes(table), InvariantError, JSON.stringify(table));
    assert.doesNotThrow(() => validateRoutes(ROUTES));
  });
});

describe('isCanonicalTarget', () => {
  it('accepts ordinary paths and queries', () => {
    assert.equal(isCanonicalTarget('/v1/me'), true);
    assert.equal(isCanonicalTarget('/v1/me?cursor=abc%3D&limit=5'), true);
    assert.equal(isCanonicalTarget('/v1/files/[...slug]'), true);
  });

  it('refuses dot segments, encoded or not, and malformed escapes', () => {
    for (const target of [
      '/.well-known/../v1/me',
      '/.well-known/%2e%2e/v1/me',
      '/.well-known/%2E%2E%2Fv1/me',
      '/v1/me/./x',
      '/v1/me/%zz',
      '/v1/me\\..\\admin',
    ]) {
      assert.equal(isCanonicalTarget(target), false, target);
    }
  });

  it('decides every target as the full URL check does, without parsing the plain ones', () => {
    const piece = fc.constantFrom(
      '/',
      '.',
      '..',
      '%',
      '%2e',
      '%2F',
      '?',
      '\\',
      'a',
      'Z',
      '9',
      '-',
      '_',
      '~',
      '@',
      ':',
      '!',
      '[',
      '|',
      '^',
      '`',
      ' ',
      '"',
      '{',
      'é',
      '#',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const target = `/${pieces.join('')}`;
        assert.equal(isCanonicalTarget(target), canonicalAsUrl(target), target);
      }),
      { numRuns: 5_000 },
    );
    for (const target of ['/', '//v1/me', '/v1//me', '/v1/me/.', '/v1/.x', '/.well-known/jwks.json'])
      assert.equal(isCanonicalTarget(target), canonicalAsUrl(target), target);
  });
});

describe('a prefix rewritten upstream', () => {
  it('replaces the prefix and keeps the rest of the target, the query included', () => {
    const entry = sandboxRoute('t');
    assert.equal(upstreamTarget(entry, '/v1/sandbox/_sim/faults?x=1'), '/_sim/faults?x=1');
    assert.equal(upstreamTarget(entry, '/v1/sandbox/_sim'), '/_sim');
    assert.equal(upstreamTarget(ROUTES[1] as RouteEntry, '/v1/me/x'), '/v1/me/x');
  });

  it('is refused when it would be public, or names no role', () => {
    const entry = sandboxRoute('t');
    assert.throws(() => validateRoutes([{ ...entry, public: true }]), InvariantError);
    assert.throws(() => validateRoutes([{ ...entry, roles: [] }]), InvariantError);
    assert.throws(() => validateRoutes([{ ...entry, upstreamPrefix: '/_sim/' }]), InvariantError);
  });
});
