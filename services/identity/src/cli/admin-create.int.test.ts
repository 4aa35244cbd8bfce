import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { verifyPassword } from '../infra/passwords.ts';

const CLI = resolve(import.meta.dirname, 'admin-create.ts');
const PASSWORD = 'a long unique passphrase';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command as an operator would, with `stdin` piped in (its standard input is not a terminal). */
function adminCreate(db: TestDatabase, args: string[], stdin: string): Promise<Outcome> {
  const running = promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: db.url },
  });
  running.child.stdin?.end(stdin);
  return running.then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: Outcome) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('admin:create', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('admin_cli');
  });
  after(async () => await db.drop());

  async function storedUser(email: string): Promise<{ roles: string[]; password_hash: string } | undefined> {
    const pool = db.pool('identity');
    const { rows } = await pool.query<{ roles: string[]; password_hash: string }>(
      'select roles, password_hash from users where email_normalized = $1',
      [email],
    );
    return rows[0];
  }

  it('given the password piped on standard input, then it creates an admin with that password', async () => {
    const out = await adminCreate(db, ['--email', 'Ops@Example.com', '--name', 'Ops'], `${PASSWORD}\n`);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^admin:create: Ops@Example\.com \(usr_[^)]+\) has roles admin\n$/);
    const user = await storedUser('ops@example.com');
    assert.deepEqual(user?.roles, ['admin']);
    assert.equal(await verifyPassword(PASSWORD, user?.password_hash ?? ''), true);
  });

  it('given a last line without a newline or with a carriage return, then the password is the line alone', async () => {
    for (const [email, input] of [
      ['bare@example.com', PASSWORD],
      ['crlf@example.com', `${PASSWORD}\r\nsecond line\n`],
    ] as const) {
      const out = await adminCreate(db, ['--email', email], input);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(await verifyPassword(PASSWORD, (await storedUser(email))?.password_hash ?? ''), true);
    }
  });

  it('given --password on the command line, then it refuses in one line and creates nobody', async () => {
    for (const args of [
      ['--email', 'argv@example.com', '--password', PASSWORD],
      ['--email', 'argv@example.com', `--password=${PASSWORD}`],
    ]) {
      const out = await adminCreate(db, args, `${PASSWORD}\n`);
      assert.equal(out.code, 2);
      assert.equal(
        out.stderr,
        'admin:create: --password is not accepted: a password on the command line is visible to every user of the machine; type it when asked, or pipe it on standard input (and change the one just used)\n',
      );
      assert.doesNotMatch(out.stderr, new RegExp(PASSWORD));
    }
    assert.equal(await storedUser('argv@example.com'), undefined);
  });

  it('given nothing, or a weak password, on standard input, then it refuses in one line', async () => {
    const empty = await adminCreate(db, ['--email', 'empty@example.com'], '');
    assert.deepEqual([empty.code, empty.stderr], [2, 'admin:create: no password on standard input\n']);
    const weak = await adminCreate(db, ['--email', 'weak@example.com'], 'short\n');
    assert.equal(weak.code, 2);
    assert.match(weak.stderr, /^admin:create: the password must be at least 10 characters\n$/);
    const unknown = await adminCreate(db, ['--email', 'x@example.com', '--role', 'admin'], `${PASSWORD}\n`);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^admin:create: Unknown option '--role'.*; usage: npm run admin:create/);
  });
});
