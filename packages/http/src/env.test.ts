import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseSecretsKeys } from '@strongbox/kernel';
import { developmentSecretsKey } from './env.ts';

describe('developmentSecretsKey', () => {
  it('makes a key on the first start, readable by its owner only, and gives the same one afterwards', () => {
    const root = mkdtempSync(join(tmpdir(), 'strongbox-home-'));
    try {
      const home = join(root, 'home');
      const first = developmentSecretsKey(home);
      assert.ok(parseSecretsKeys(first), first.slice(0, 5));
      assert.equal(statSync(join(home, 'secrets-key')).mode & 0o777, 0o600);
      assert.equal(developmentSecretsKey(home), first);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
