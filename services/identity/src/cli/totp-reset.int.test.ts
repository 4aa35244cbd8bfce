import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { enrollTotp, type Harness, login, register, startIdentity } from '../test-support.ts';

const run = promisify(execFile);
const SCRIPT = new URL('./totp-reset.ts', import.meta.url).pathname;

let h: Harness;
before(async () => {
  h = await startIdentity();
});
after(async () => {
  await h.close();
});

const reset = async (...args: string[]) => {
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, ...args], {
      env: { ...process.env, DATABASE_URL: h.db.url },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stdout: e.stderr };
  }
};

describe('npm run user:totp-reset', () => {
  it('given a user who lost device and codes, then login asks for the password only again', async () => {
    await register(h, 'lost-device@example.com');
    await enrollTotp(h, (await login(h, 'lost-device@example.com')).json().accessToken);
    assert.equal((await login(h, 'lost-device@example.com')).json().code, 'totp_required');
    const done = await reset('--email', 'Lost-Device@example.com');
    assert.equal(done.code, 0, done.stdout);
    assert.equal((await login(h, 'lost-device@example.com')).statusCode, 200);
  });

  it('given an unknown email or none, then it exits 1 or 2', async () => {
    assert.equal((await reset('--email', 'nobody@example.com')).code, 1);
    assert.equal((await reset()).code, 2);
  });
});
