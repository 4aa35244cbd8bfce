import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { othersMayReach } from './embedded-root.ts';

describe('othersMayReach (can the postgres user enter a path of root’s)', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp('/tmp/strongbox-reach-');
    await chmod(root, 0o755);
  });
  after(async () => await rm(root, { recursive: true, force: true }));

  it('given every directory on the way open to others, then yes, also for a path not created yet', async () => {
    await mkdir(join(root, 'open', 'inner'), { recursive: true, mode: 0o755 });
    assert.equal(await othersMayReach(join(root, 'open', 'inner')), true);
    assert.equal(await othersMayReach(join(root, 'open', 'inner', 'not-yet', 'pg')), true);
  });

  it('given one directory on the way closed to others (a clone in /root, mode 700), then no', async () => {
    await mkdir(join(root, 'closed', 'checkout'), { recursive: true, mode: 0o755 });
    await chmod(join(root, 'closed'), 0o700);
    assert.equal(await othersMayReach(join(root, 'closed', 'checkout')), false);
    assert.equal(await othersMayReach(join(root, 'closed', 'checkout', 'not-yet')), false);
  });

  it('given a file others may not execute, then no', async () => {
    const bin = join(root, 'postgres');
    await writeFile(bin, '', { mode: 0o750 });
    await chmod(bin, 0o750);
    assert.equal(await othersMayReach(bin), false);
    await chmod(bin, 0o755);
    assert.equal(await othersMayReach(bin), true);
  });
});
