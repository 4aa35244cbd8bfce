import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { test } from 'node:test';

/**
 * `npm ci` refuses a lockfile that names an optional dependency (a platform build such as Biome's
 * cli-win32-x64) without an entry of its own, which happens when the lockfile was written from a registry
 * that did not serve that platform. This finds the same gap before CI does.
 */
interface LockEntry {
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** Where npm looks for `name` from the package at `key`: its own node_modules, then each one above it. */
function candidates(key: string, name: string): string[] {
  const out: string[] = [];
  let at = key;
  for (;;) {
    out.push(at === '' ? `node_modules/${name}` : `${at}/node_modules/${name}`);
    if (at === '') return out;
    const cut = at.lastIndexOf('/node_modules/');
    at = cut === -1 ? '' : at.slice(0, cut);
  }
}

type Lock = { readonly packages: Readonly<Record<string, LockEntry>> };

/** Every `package → optional dependency` pair the lockfile names without an entry npm would find. */
function missingOptionals(lock: Lock): string[] {
  const missing: string[] = [];
  for (const [key, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!candidates(key, name).some((c) => c in lock.packages))
        missing.push(`${key || '(root)'} → ${name}`);
    }
  }
  return missing;
}

test('the lockfile has an entry for every optional dependency it names, so npm ci accepts it', async () => {
  const lock = JSON.parse(
    await readFile(resolve(import.meta.dirname, '..', 'package-lock.json'), 'utf8'),
  ) as Lock;
  const biome = lock.packages['node_modules/@biomejs/biome'];
  assert.ok(Object.keys(biome?.optionalDependencies ?? {}).length > 0, 'Biome names its platform builds');
  assert.deepEqual(missingOptionals(lock), []);
});

test('a lockfile without some platform build is caught, wherever npm would look for it', () => {
  const biome = {
    optionalDependencies: { '@biomejs/cli-linux-x64': '2.6.8', '@biomejs/cli-win32-x64': '2.6.8' },
  };
  assert.deepEqual(
    missingOptionals({
      packages: { 'node_modules/@biomejs/biome': biome, 'node_modules/@biomejs/cli-linux-x64': {} },
    }),
    ['node_modules/@biomejs/biome → @biomejs/cli-win32-x64'],
  );
  // Nested under its parent, or hoisted to a workspace's or the root's node_modules: all are found.
  assert.deepEqual(
    missingOptionals({
      packages: {
        'packages/lib/node_modules/a': { optionalDependencies: { b: '1', c: '1', d: '1' } },
        'packages/lib/node_modules/a/node_modules/b': {},
        'packages/lib/node_modules/c': {},
        'node_modules/d': {},
      },
    }),
    [],
  );
});
