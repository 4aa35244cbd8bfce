import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, fixedClock, newSecretsKey, parseSecretsKeys, type SecretKeys } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { jwtVerify, SignJWT } from 'jose';
import { MIGRATIONS, SERVICE } from '../app.ts';
import { identityConfig } from '../config.ts';
import { type KeyRing, loadKeyRing } from './signing-keys.ts';

const MAIN = resolve(import.meta.dirname, '..', 'main.ts');
const START_TIMEOUT_MS = 30_000;
const ring = (raw: string): SecretKeys => parseSecretsKeys(raw) as SecretKeys;
const OLD = newSecretsKey('k1');
const NEW = newSecretsKey('k2');

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date());

before(async () => {
  db = await createTestDatabase('identity');
  pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await db.drop();
});

async function stored() {
  const { rows } = await pool.query<{ kid: string; plain: string | null; sealed: string | null }>(
    'select kid, private_jwk::text as plain, private_jwk_sealed as sealed from signing_keys',
  );
  return rows;
}

/** The ring's key still signs tokens its published key verifies. */
async function signsAndVerifies(r: KeyRing): Promise<void> {
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: r.current.kid })
    .sign(r.current.privateKey);
  const published = r.published.find((k) => k.kid === r.current.kid);
  assert.ok(published);
  await jwtVerify(token, published);
}

/** identity's main.ts as a container runs it, until it listens or exits: its exit code and stderr. */
function start(
  env: Record<string, string>,
): Promise<{ code: number | null; listened: boolean; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: db.url, IDENTITY_PORT: '0', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let listened = false;
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`identity neither started nor exited within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    // Listening means it started: stop it and report the start as a success.
    child.on('message', () => {
      listened = true;
      child.kill('SIGTERM');
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, listened, stderr });
    });
  });
}

describe('signing keys at rest', () => {
  it('given a key written as plain text before encryption, when identity starts with SECRETS_KEY, then it is sealed', async () => {
    const before = await loadKeyRing(pool, clock);
    const [legacy] = await stored();
    assert.ok(legacy?.plain?.includes('"d"'), 'written without a key, the private key is plain JSON');
    const after = await loadKeyRing(pool, clock, ring(OLD));
    assert.equal(after.current.kid, before.current.kid, 'the same key, not a new one');
    const [row] = await stored();
    assert.equal(row?.plain, null);
    assert.match(row?.sealed ?? '', /^v1\.k1\./);
    const d = (JSON.parse(legacy?.plain ?? '{}') as { d: string }).d;
    assert.ok(!row?.sealed?.includes(d), 'the private key cannot be read in the database');
    await signsAndVerifies(after);
  });

  it('when the key rotates (new and old configured), then everything reads and is sealed again under the new one', async () => {
    const before = await loadKeyRing(pool, clock, ring(OLD));
    const rotated = await loadKeyRing(pool, clock, ring(`${NEW},${OLD}`));
    assert.equal(rotated.current.kid, before.current.kid);
    assert.deepEqual(rotated.published, before.published);
    assert.match((await stored())[0]?.sealed ?? '', /^v1\.k2\./);
    // The old key can now be removed from SECRETS_KEY.
    await signsAndVerifies(await loadKeyRing(pool, clock, ring(NEW)));
  });

  it('a sealed key does not open in another row', async () => {
    const [row] = await stored();
    await pool.query(
      `insert into signing_keys (kid, private_jwk_sealed, public_jwk, created_at)
       select 'key_copied', private_jwk_sealed, public_jwk, now() from signing_keys where kid = $1`,
      [row?.kid],
    );
    await assert.rejects(loadKeyRing(pool, clock, ring(NEW)), { name: 'SecretDecryptError' });
    await pool.query(`delete from signing_keys where kid = 'key_copied'`);
  });

  it('with a key that cannot open what is stored, identity refuses to start with one clear line', async () => {
    for (const wrong of [OLD, newSecretsKey('k2')]) {
      const { code, listened, stderr } = await start({ SECRETS_KEY: wrong });
      assert.equal(code, 1);
      assert.ok(!listened);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] ?? '', /^identity: cannot start: a stored secret .*key "k[12]".*SECRETS_KEY/);
    }
    const { listened, stderr } = await start({ SECRETS_KEY: NEW });
    assert.ok(listened, `the right key starts it: ${stderr}`);
  });

  it('in production, refuses to start without SECRETS_KEY', () => {
    assert.throws(
      () => identityConfig({ NODE_ENV: 'production' }),
      (e) => e instanceof ConfigError && e.variable === 'SECRETS_KEY',
    );
    assert.throws(
      () => identityConfig({ SECRETS_KEY: 'k1:short' }),
      (e) => e instanceof ConfigError && e.variable === 'SECRETS_KEY' && !e.message.includes('short'),
    );
  });
});
