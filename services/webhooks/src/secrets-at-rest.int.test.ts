/** Endpoint signing secrets are sealed in the database (ADR 0027), survive a key rotation, and a wrong key stops the start. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '@strongbox/http';
import { ConfigError, newSecretsKey, parseSecretsKeys, type SecretKeys } from '@strongbox/kernel';
import { webhooksConfig } from './config.ts';
import { findEndpoint, insertEndpoint, setSecrets } from './infra/endpoints.ts';
import { resealEndpointSecrets, secretBox } from './infra/secret-box.ts';
import { newSecret } from './infra/signer.ts';
import { endpointRequests, type Harness, startWebhooks, VALID_ENDPOINT } from './test-support.ts';

const MAIN = resolve(import.meta.dirname, 'main.ts');
const START_TIMEOUT_MS = 30_000;
const ring = (raw: string): SecretKeys => parseSecretsKeys(raw) as SecretKeys;
const OLD_RAW = newSecretsKey('k1');
const NEW_RAW = newSecretsKey('k2');
const OLD = ring(OLD_RAW);
const ROTATED = ring(`${NEW_RAW},${OLD_RAW}`);
const log = createLogger({ service: 'webhooks', level: 'silent' });

let h: Harness;
let alice: string;
const { create } = endpointRequests(() => h);

before(async () => {
  h = await startWebhooks({ secrets: OLD });
  alice = await h.token('usr_alice');
});
after(async () => {
  await h.close();
});

async function rowOf(id: string) {
  const { rows } = await h.pool.query<{ secret: string; previous_secret: string | null }>(
    'select secret, previous_secret from endpoints where id = $1',
    [id],
  );
  assert.ok(rows[0]);
  return rows[0];
}

/** webhooks' main.ts as a container runs it, until it listens or exits. */
function start(
  env: Record<string, string>,
): Promise<{ code: number | null; listened: boolean; stderr: string }> {
  return new Promise((done, fail) => {
    const { AMQP_URL: _amqp, ...rest } = process.env;
    const child = spawn(process.execPath, [MAIN], {
      env: { ...rest, DATABASE_URL: h.db.url, WEBHOOKS_PORT: '0', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let listened = false;
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`webhooks neither started nor exited within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
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

describe('webhook secrets at rest', () => {
  let id: string;
  let secret: string;

  it('stores a new endpoint secret sealed, never as the whsec_ the owner was given', async () => {
    const res = await create(alice, VALID_ENDPOINT);
    assert.equal(res.statusCode, 201, res.body);
    ({ id, secret } = res.json() as { id: string; secret: string });
    const row = await rowOf(id);
    assert.match(row.secret, /^v1\.k1\./);
    assert.ok(!row.secret.includes(secret.slice('whsec_'.length)));
    assert.equal((await findEndpoint(h.pool, id, secretBox(OLD)))?.secret, secret);
  });

  it('reads a secret written as plain text before encryption, and seals it at the next start', async () => {
    const legacyId = `${id}-legacy`;
    const e = await findEndpoint(h.pool, id, secretBox(OLD));
    assert.ok(e);
    const plain = newSecret();
    await insertEndpoint(h.pool, { ...e, id: legacyId, secret: plain }, 'trace-legacy', secretBox(undefined));
    assert.equal((await rowOf(legacyId)).secret, plain);
    assert.equal((await findEndpoint(h.pool, legacyId, secretBox(OLD)))?.secret, plain);
    await resealEndpointSecrets(h.pool, OLD, log);
    assert.match((await rowOf(legacyId)).secret, /^v1\.k1\./);
    assert.equal((await findEndpoint(h.pool, legacyId, secretBox(OLD)))?.secret, plain);
  });

  it('with the new key first and the old one kept, reads everything and writes under the new key', async () => {
    const box = secretBox(ROTATED);
    assert.equal((await findEndpoint(h.pool, id, box))?.secret, secret, 'the old key still opens it');
    const fresh = newSecret();
    await setSecrets(
      h.pool,
      id,
      { secret: fresh, previousSecret: secret, previousSecretExpiresAt: h.clock.now() },
      h.clock.now(),
      box,
    );
    const row = await rowOf(id);
    assert.match(row.secret, /^v1\.k2\./, 'a write seals under the newest key');
    assert.match(row.previous_secret ?? '', /^v1\.k2\./);
    // The start seals what is left under the old key, so that the old key can then be removed.
    await resealEndpointSecrets(h.pool, ROTATED, log);
    const { rows } = await h.pool.query<{ n: number }>(
      `select count(*)::int as n from endpoints where secret not like 'v1.k2.%'`,
    );
    assert.equal(rows[0]?.n, 0);
    const only = secretBox(ring(NEW_RAW));
    assert.equal((await findEndpoint(h.pool, id, only))?.secret, fresh);
    assert.equal((await findEndpoint(h.pool, id, only))?.previousSecret, secret);
  });

  it('with a key that cannot open what is stored, the service refuses to start with one clear line', async () => {
    for (const wrong of [OLD_RAW, newSecretsKey('k2')]) {
      const { code, listened, stderr } = await start({ SECRETS_KEY: wrong });
      assert.equal(code, 1);
      assert.ok(!listened);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] ?? '', /^webhooks: cannot start: a stored secret .*key "k[12]".*SECRETS_KEY/);
    }
    const { listened, stderr } = await start({ SECRETS_KEY: NEW_RAW });
    assert.ok(listened, `the right key starts it: ${stderr}`);
  });
});

describe('answers kept for Idempotency-Key replays', () => {
  it('hold the new secret sealed, and replay it opened', async () => {
    const k = 'sealed-answer-1';
    const first = await create(alice, VALID_ENDPOINT, k);
    assert.equal(first.statusCode, 201, first.body);
    const { secret } = first.json() as { secret: string };
    const { rows } = await h.pool.query<{ body: string }>(
      `select response_body::text as body from idempotency_keys where key = $1`,
      [k],
    );
    assert.equal(rows.length, 1);
    assert.ok(!rows[0]?.body.includes(secret.slice('whsec_'.length)), 'the stored answer hides the secret');
    assert.match(rows[0]?.body ?? '', /"secret":\s*"v1\.k1\./);
    const replay = await create(alice, VALID_ENDPOINT, k);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json().secret, secret);
  });
});

describe('SECRETS_KEY in production', () => {
  it('is required', () => {
    assert.throws(
      () => webhooksConfig({ NODE_ENV: 'production', GATEWAY_FORWARDING_SECRET: 'x'.repeat(32) }),
      (e) => e instanceof ConfigError && e.variable === 'SECRETS_KEY',
    );
    assert.equal(webhooksConfig({ NODE_ENV: 'production', SECRETS_KEY: NEW_RAW }).SECRETS_KEY?.[0].id, 'k2');
  });
});
