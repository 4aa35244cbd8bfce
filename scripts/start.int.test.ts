import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dataDirOf } from '@strongbox/postgres/embedded-root';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

describe('npm start where the embedded PostgreSQL cannot start', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp('/tmp/strongbox-start-');
    await chmod(root, 0o755);
  });
  after(async () => await rm(root, { recursive: true, force: true }));

  it('given a data directory the server refuses, then it stops with one line that says why and what to do', async () => {
    const home = join(root, 'home');
    const dataDir = await dataDirOf(home);
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'PG_VERSION'), '99\n');
    await writeFile(join(home, 'pg.json'), JSON.stringify({ port: 1, password: 'x', ownerPid: 1 }));
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', STRONGBOX_HOME: home };
    const outcome = await run(process.execPath, ['scripts/start.ts'], { cwd: ROOT, env }).then(
      () => assert.fail('npm start started on a broken data directory'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(outcome.code, 1);
    const lines = outcome.stderr.trim().split('\n');
    assert.equal(lines.length, 1, outcome.stderr);
    assert.match(
      lines[0] ?? '',
      /^strongbox: the embedded PostgreSQL could not start: postgres: .+; set DATABASE_URL to a PostgreSQL server/,
    );
  });
});
