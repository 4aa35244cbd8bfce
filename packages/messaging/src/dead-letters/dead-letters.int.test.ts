/**
 * Dead letters through the HTTP API (with real tokens and the factory's role check) and the CLI, on the
 * PostgreSQL transport.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createHttpApp, jwtVerifier } from '@strongbox/http';
import { systemClock } from '@strongbox/kernel';
import { createPool, type Pool } from '@strongbox/postgres';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { FastifyInstance } from 'fastify';
import { type RunningConsumer, startConsumer } from '../consumer.ts';
import { postgresTransport } from '../postgres-transport.ts';
import { type Relay, startRelay } from '../relay.ts';
import {
  append,
  effects,
  events,
  serviceSchema,
  silent,
  TEST_LEASE_MS,
  unique,
  waitFor,
} from '../testing.ts';
import type { Transport } from '../transport.ts';
import { deadLetterRoutes } from './routes.ts';

const ISSUER = 'iss-test';
const AUDIENCE = 'aud-test';
const keys = generateKeyPairSync('ed25519');

/** An EdDSA access token as identity issues them, signed here so the real verifier checks it. */
function token(roles: string[], sub = 'usr_operator', claims: Record<string, unknown> = {}): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = part({ alg: 'EdDSA', typ: 'at+jwt', kid: 'k1' });
  const body = part({
    ...claims,
    sub,
    roles,
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
  });
  const signature = sign(null, Buffer.from(`${head}.${body}`), keys.privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}
const as = (roles: string[]) => ({ authorization: `Bearer ${token(roles)}` });
const OPERATOR = as(['operator']);

describe('dead letters', () => {
  let db: TestDatabase;
  let transportPool: Pool;
  let transport: Transport;
  let svc: { schema: string; pool: Pool };
  let app: FastifyInstance;
  let consumer: RunningConsumer;
  let relay: Relay;
  const name = unique('c-');
  const type = `${unique('t')}.thing.happened`;
  const cured = new Set<string>();
  const poison = events(type, 3);

  before(async () => {
    db = await createTestDatabase('deadletters');
    transportPool = createPool({ url: db.url, sizeMax: 3, onError: () => undefined });
    transport = postgresTransport({
      pool: transportPool,
      leaseMs: TEST_LEASE_MS,
      pollMs: 200,
      logger: silent,
    });
    svc = await serviceSchema(db.url);
    const deps = { pool: svc.pool, transport, logger: silent, clock: systemClock };
    consumer = await startConsumer(
      {
        name,
        eventTypes: [type],
        attemptsMax: 1,
        async handle(tx, e) {
          if (!cured.has(e.id)) throw new Error(`cannot handle ${e.subject}`);
          await tx.query('insert into effects (consumer, event_id) values ($1, $2)', [name, e.id]);
        },
      },
      deps,
    );
    relay = await startRelay({ ...deps, schema: svc.schema });
    await append(svc.pool, poison);
    await waitFor('three dead letters', async () => {
      const { rows } = await svc.pool.query('select count(*)::int as n from dead_letters');
      return rows[0].n === 3;
    });
    app = await createHttpApp({
      service: 'test',
      version: '0.0.0',
      logger: silent,
      verifier: jwtVerifier({ keys: async () => keys.publicKey, issuer: ISSUER, audience: AUDIENCE }),
    });
    deadLetterRoutes(app, { pool: svc.pool, transport, clock: systemClock });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await relay.stop();
    await consumer.stop();
    await transport.close();
    await svc.pool.end();
    await transportPool.end();
    await db.drop();
  });

  const list = (query = '', headers: Record<string, string> = OPERATOR) =>
    app.inject({ method: 'GET', url: `/v1/admin/dead-letters${query}`, headers });

  describe('over HTTP', () => {
    it('answers 401 without a token, 403 to a customer, and 200 to operators and admins', async () => {
      const anonymous = await list('', {});
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.headers['content-type'], 'application/problem+json; charset=utf-8');
      const customer = await list('', as(['customer']));
      assert.equal(customer.statusCode, 403);
      assert.equal(customer.json().code, 'forbidden');
      assert.equal((await list('', OPERATOR)).statusCode, 200);
      assert.equal((await list('', as(['admin']))).statusCode, 200);
      const replayByCustomer = await app.inject({
        method: 'POST',
        url: `/v1/admin/dead-letters/dl_x/replay`,
        headers: as(['customer']),
      });
      assert.equal(replayByCustomer.statusCode, 403);
    });

    it('with the staff TOTP rules on, replays only with a fresh code (step-up, ADR 0026)', async () => {
      const strict = await createHttpApp({
        service: 'test',
        version: '0.0.0',
        logger: silent,
        verifier: jwtVerifier({
          keys: async () => keys.publicKey,
          issuer: ISSUER,
          audience: AUDIENCE,
          staffTotpRequired: true,
        }),
      });
      deadLetterRoutes(strict, { pool: svc.pool, transport, clock: systemClock });
      await strict.ready();
      try {
        const call = (method: 'GET' | 'POST', url: string, claims: Record<string, unknown>) =>
          strict.inject({
            method,
            url,
            headers: { authorization: `Bearer ${token(['operator'], 'usr_operator', claims)}` },
          });
        const replayUrl = '/v1/admin/dead-letters/dl_x/replay';
        const unenrolled = await call('GET', '/v1/admin/dead-letters', {});
        assert.equal(unenrolled.json().code, 'totp_enrollment_required');
        assert.equal((await call('GET', '/v1/admin/dead-letters', { totp: true })).statusCode, 200);
        const noCode = await call('POST', replayUrl, { totp: true });
        assert.equal(noCode.json().code, 'step_up_required');
        const fresh = { totp: true, otp_at: Math.floor(Date.now() / 1000) };
        // Past the auth check: the handler answers that there is no such dead letter.
        assert.equal((await call('POST', replayUrl, fresh)).json().code, 'dead_letter_not_found');
      } finally {
        await strict.close();
      }
    });

    it('lists dead letters newest first, a page at a time', async () => {
      const first = await list('?limit=2');
      assert.equal(first.statusCode, 200);
      const page1 = first.json();
      assert.equal(page1.data.length, 2);
      assert.equal(typeof page1.nextCursor, 'string');
      const page2 = (await list(`?limit=2&cursor=${page1.nextCursor}`)).json();
      assert.equal(page2.data.length, 1);
      assert.equal(page2.nextCursor, null);
      const all = [...page1.data, ...page2.data];
      assert.deepEqual(all.map((d: { eventId: string }) => d.eventId).sort(), poison.map((e) => e.id).sort());
      const ids = all.map((d: { id: string }) => d.id);
      assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
      assert.equal(all[0].consumer, name);
      assert.equal(all[0].reason, 'handler_failed');
      assert.equal(all[0].attempts, 1);
      assert.match(all[0].error, /cannot handle thing_/);
      const bad = await list('?cursor=bm90LWFuLWlk');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'invalid_cursor');
      // The shared decoder: beyond bigint, not base64url, padded, stray bits, not UTF-8.
      for (const cursor of ['OTk5OTk5OTk5OTk5OTk5OTk5OQ', '!!', 'NDI=', 'NDJ', '_w']) {
        const refused = await list(`?cursor=${cursor}`);
        assert.deepEqual([refused.statusCode, refused.json().code], [400, 'invalid_cursor'], cursor);
      }
      assert.equal((await list('?limit=101')).statusCode, 400);
    });

    it('shows one with its event, and answers 404 for an unknown id', async () => {
      const [letter] = (await list('?limit=1')).json().data;
      const shown = await app.inject({
        method: 'GET',
        url: `/v1/admin/dead-letters/${letter.id}`,
        headers: OPERATOR,
      });
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.json().event.id, letter.eventId);
      assert.equal(shown.json().event.specversion, '1.0');
      const missing = await app.inject({
        method: 'GET',
        url: '/v1/admin/dead-letters/dl_nope',
        headers: OPERATOR,
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'dead_letter_not_found');
    });

    it('replays one to its consumer once, and refuses a second replay with 409', async () => {
      const [letter] = (await list('?limit=1')).json().data;
      cured.add(letter.eventId);
      const url = `/v1/admin/dead-letters/${letter.id}/replay`;
      const replayed = await app.inject({ method: 'POST', url, headers: OPERATOR });
      assert.equal(replayed.statusCode, 200);
      assert.equal(replayed.json().state, 'replayed');
      assert.equal(replayed.json().resolvedBy, 'usr_operator');
      assert.equal(replayed.json().replays, 1);
      await waitFor('the replayed event handled', async () =>
        (await effects(svc.pool, name)).includes(letter.eventId),
      );
      const again = await app.inject({ method: 'POST', url, headers: OPERATOR });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'dead_letter_not_dead');
      assert.equal((await list()).json().data.length, 2, 'no longer listed as dead');
    });

    it('discards one, keeps it as a record, and refuses a second discard with 409', async () => {
      const [letter] = (await list('?limit=1')).json().data;
      const url = `/v1/admin/dead-letters/${letter.id}`;
      const discarded = await app.inject({ method: 'DELETE', url, headers: OPERATOR });
      assert.equal(discarded.statusCode, 204);
      assert.equal((await app.inject({ method: 'DELETE', url, headers: OPERATOR })).statusCode, 409);
      const record = (await list('?state=discarded')).json().data;
      assert.deepEqual(
        record.map((d: { id: string }) => d.id),
        [letter.id],
      );
    });
  });

  describe('from the command line', () => {
    const cli = new URL('../cli/dead-letters.ts', import.meta.url).pathname;
    const runCli = async (...args: string[]) => {
      const env = { ...process.env, DATABASE_URL: db.url, AMQP_URL: '' };
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };

    it('lists, shows and replays', async () => {
      const listed = await runCli('list', '--schema', svc.schema);
      assert.equal(listed.code, 0, listed.stderr);
      const id = listed.stdout.split(/\s+/)[0] ?? '';
      assert.match(id, /^dl_/);
      const shown = await runCli('show', id, '--schema', svc.schema);
      assert.equal(shown.code, 0, shown.stderr);
      const letter = JSON.parse(shown.stdout);
      assert.equal(letter.state, 'dead');
      cured.add(letter.eventId);
      const replayed = await runCli('replay', id, '--schema', svc.schema);
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.match(replayed.stdout, new RegExp(`${id} replayed to ${name}`));
      await waitFor('the replayed event handled', async () =>
        (await effects(svc.pool, name)).includes(letter.eventId),
      );
      const after = JSON.parse((await runCli('show', id, '--schema', svc.schema)).stdout);
      assert.equal(after.state, 'replayed');
      assert.match(after.resolvedBy, /^cli:/);
    });

    it('exits 1 for an unknown id and 2 for bad usage', async () => {
      const unknown = await runCli('discard', 'dl_nope', '--schema', svc.schema);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No dead letter dl_nope/);
      assert.equal((await runCli('list')).code, 2);
      assert.equal((await runCli('explode', '--schema', svc.schema)).code, 2);
    });
  });
});
