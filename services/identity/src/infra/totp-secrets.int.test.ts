/** TOTP secrets sealed at rest under SECRETS_KEY, and kept readable through a key rotation (ADR 0027). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { fixedClock, newSecretsKey, parseSecretsKeys, type SecretKeys } from '@strongbox/kernel';
import { migrate, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { buildApp, MIGRATIONS, SERVICE } from '../app.ts';
import {
  AUDIENCE,
  codeNow,
  enrollTotp,
  type Harness,
  ISSUER,
  login,
  register,
  TEST_SCRYPT,
} from '../test-support.ts';
import { resealTotpSecrets } from './totp-secrets.ts';

const ring = (raw: string): SecretKeys => parseSecretsKeys(raw) as SecretKeys;
const OLD = newSecretsKey('k1');
const NEW = newSecretsKey('k2');
const logger = createLogger({ service: SERVICE, level: 'silent' });

let db: TestDatabase;
let pool: Pool;
const clock = fixedClock(new Date());
let h: Harness | undefined;

/** Identity as it starts with this SECRETS_KEY, on the one database of this file. */
async function startWith(secrets: SecretKeys | undefined): Promise<Harness> {
  await h?.app.close();
  const { app } = await buildApp({
    pool,
    logger,
    clock,
    issuer: ISSUER,
    audience: AUDIENCE,
    scrypt: TEST_SCRYPT,
    staffTotpRequired: false,
    secrets,
  });
  await app.ready();
  h = { app, db, clock, serviceClient: async () => {}, close: async () => {} };
  return h;
}

async function stored(userId: string) {
  const { rows } = await pool.query<{ plain: string | null; sealed: string | null }>(
    'select secret as plain, secret_sealed as sealed from user_totp where user_id = $1',
    [userId],
  );
  return rows[0];
}

/** Signs in with password and a fresh code; the clock then moves a step on, so the next code is new. */
async function signsInWithCode(app: Harness, email: string, secret: string): Promise<void> {
  const res = await login(app, email, { totpCode: await codeNow(app, secret) });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(
    JSON.parse(Buffer.from(res.json().accessToken.split('.')[1], 'base64url').toString()).amr,
    ['pwd', 'otp'],
  );
  clock.advance(30_000);
}

before(async () => {
  db = await createTestDatabase('identity');
  pool = db.pool(SERVICE);
  await migrate(pool, MIGRATIONS);
});
after(async () => {
  await h?.app.close();
  await db.drop();
});

describe('TOTP secrets at rest', () => {
  let userId: string;
  let secret: string;

  it('given SECRETS_KEY, then an enrolled secret is stored sealed, not as its base32 text', async () => {
    const app = await startWith(ring(OLD));
    userId = await register(app, 'sealed-totp@example.com');
    const token = (await login(app, 'sealed-totp@example.com')).json().accessToken;
    ({ secret } = await enrollTotp(app, token));
    const row = await stored(userId);
    assert.equal(row?.plain, null);
    assert.match(row?.sealed ?? '', /^v1\.k1\./);
    assert.ok(!row?.sealed?.includes(secret), 'the secret cannot be read in the database');
    await signsInWithCode(app, 'sealed-totp@example.com', secret);
  });

  it('when the key rotates (new and old configured), then the secret is sealed again under the new one at start and codes still work', async () => {
    const rotated = await startWith(ring(`${NEW},${OLD}`));
    assert.match((await stored(userId))?.sealed ?? '', /^v1\.k2\./);
    await signsInWithCode(rotated, 'sealed-totp@example.com', secret);
    // A write seals under the newest key.
    const newcomer = await register(rotated, 'newcomer-totp@example.com');
    await enrollTotp(rotated, (await login(rotated, 'newcomer-totp@example.com')).json().accessToken);
    assert.match((await stored(newcomer))?.sealed ?? '', /^v1\.k2\./);
    // The old key can now be removed from SECRETS_KEY.
    await signsInWithCode(await startWith(ring(NEW)), 'sealed-totp@example.com', secret);
  });

  it('given a secret written as plain text before encryption, when identity starts with SECRETS_KEY, then it is sealed and still works', async () => {
    const app = await startWith(ring(NEW));
    const legacyId = await register(app, 'legacy-totp@example.com');
    const legacySecret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    // As 0004 wrote it: the base32 text in `secret`.
    await pool.query(
      'insert into user_totp (user_id, secret, created_at, confirmed_at) values ($1, $2, now(), now())',
      [legacyId, legacySecret],
    );
    await startWith(ring(NEW));
    const row = await stored(legacyId);
    assert.equal(row?.plain, null);
    assert.match(row?.sealed ?? '', /^v1\.k2\./);
    assert.ok(!row?.sealed?.includes(legacySecret));
    await signsInWithCode(h as Harness, 'legacy-totp@example.com', legacySecret);
  });

  it('a key that cannot open a stored secret stops the start; a sealed secret does not open for another user', async () => {
    await assert.rejects(resealTotpSecrets(pool, ring(OLD), logger), { name: 'SecretDecryptError' });
    await assert.rejects(resealTotpSecrets(pool, ring(newSecretsKey('k2')), logger), {
      name: 'SecretDecryptError',
    });
    const other = await register(h as Harness, 'copied-totp@example.com');
    await pool.query(
      `insert into user_totp (user_id, secret_sealed, created_at)
       select $2, secret_sealed, now() from user_totp where user_id = $1`,
      [userId, other],
    );
    await assert.rejects(resealTotpSecrets(pool, ring(`${newSecretsKey('k3')},${NEW}`), logger), {
      name: 'SecretDecryptError',
    });
    await pool.query('delete from user_totp where user_id = $1', [other]);
  });
});
