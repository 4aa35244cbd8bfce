import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { checkDependencies } from './check-deps.ts';

// The violating tree sits directly in fixtures/deps; its `clean/` subfolder is outside its own
// packages/ and services/ folders, so it is only scanned when checked as a root of its own.
const fixtures = path.join(import.meta.dirname, 'fixtures', 'deps');

test('reports every rule violation in the fixture tree, and nothing in its clean service', async () => {
  const found = await checkDependencies(fixtures);
  const got = found.map((v) => `${v.rule} ${v.file}:${v.line} ${v.specifier}`).sort();
  assert.deepEqual(got, [
    'bank-behind-port services/alpha/src/features/x/bank.ts:1 @strongbox/bank-client',
    'domain-purity services/alpha/src/domain/rule.ts:2 pg',
    'domain-purity services/alpha/src/domain/rule.ts:5 node:stream',
    'domain-purity services/alpha/src/domain/rule.ts:6 ../infra/db.ts',
    'features-layering services/alpha/src/features/x/handler.ts:1 ../../infra/db.ts',
    'features-layering services/alpha/src/features/x/handler.ts:4 ../../main.ts',
    'packages-no-services packages/lib/src/index.ts:2 @strongbox/alpha',
    'packages-no-services packages/lib/src/index.ts:3 ../../../services/beta/src/app.ts',
    // A package's test may start a service through its test-support.ts, but import nothing else of it.
    'packages-no-services packages/lib/src/lib.int.test.ts:2 @strongbox/beta/app',
    'service-isolation services/alpha/src/app.ts:1 ../../beta/src/app.ts',
    'service-isolation services/alpha/src/app.ts:2 @strongbox/beta',
  ]);
  for (const v of found) assert.ok(v.message.includes(v.specifier), v.message);
});

test('a clean tree reports no violations, despite decoy imports in comments and strings', async () => {
  assert.deepEqual(await checkDependencies(path.join(fixtures, 'clean')), []);
});

test('the repository itself follows the dependency rules', async () => {
  const violations = await checkDependencies(path.resolve(import.meta.dirname, '..'));
  assert.deepEqual(violations, []);
});
