/**
 * End to end: the second factor as deployed (STAFF_TOTP_REQUIRED on), every service a process of its own
 * behind the gateway. An admin and a customer enroll a real authenticator (codes made by otplib, as an
 * app would), and each step-up action (changing payout bank details, resolving a dispute, replaying a
 * dead letter, opening an account allowed to go negative) is refused with a token that carries no fresh
 * code and accepted with the token POST /v1/auth/step-up answers; a code used once is refused again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { formatRubles, withControlKey } from '@strongbox/kernel';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import { generate } from 'otplib';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';

const PASSWORD = 'a long enough passphrase';
const PERSON_INN = '500100732259';
const BANK_DETAILS = { accountNumber: '40702810500000000001', bik: '044525974' };
/** Another account at the same bank, its control key made valid for the BIK. */
const OTHER_BANK_DETAILS = {
  accountNumber: withControlKey('40702810000000000077', BANK_DETAILS.bik),
  bik: BANK_DETAILS.bik,
};
/** RFC 6238's step, as identity and every authenticator app use it. */
const STEP_S = 30;
/** Every wait is on a condition, bounded generously: the bank's scoring, the broker, the next code. */
const WAIT_MS = 120_000;
const SYSTEM_START = { timeout: 10 * 60_000 };
const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN_EMAIL = `stepup-admin-${Date.now()}@example.com`;

let db: TestDatabase;
let system: RunningSystem;
let gw: string;
let seq = 0;

/** A command of identity's on the database host, as an operator runs it; `stdin` is piped in. */
async function identityCli(script: string, args: string[], stdin?: string): Promise<void> {
  const running = promisify(execFile)(process.execPath, [`services/identity/src/cli/${script}`, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url },
  });
  running.child.stdin?.end(stdin ?? '');
  await running;
}

async function call(
  method: string,
  path: string,
  opts: { body?: unknown; token?: string; raw?: string } = {},
) {
  const body = opts.raw ?? (opts.body === undefined ? null : JSON.stringify(opts.body));
  const res = await fetch(`${gw}${path}`, {
    method,
    headers: {
      ...(body === null ? {} : { 'content-type': 'application/json' }),
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A person with an authenticator app: each code is of a step later than the last one they used. */
interface Device {
  readonly secret: string;
  lastStep: number;
}

/** The code the app shows once the clock is past the last step used (identity accepts a step once). */
async function nextCode(device: Device): Promise<string> {
  const step = await waitFor('the next TOTP step', async () => {
    const now = Math.floor(Date.now() / 1000 / STEP_S);
    return now > device.lastStep ? now : undefined;
  });
  device.lastStep = step;
  return await generate({ secret: device.secret, epoch: step * STEP_S });
}

interface Person {
  id: string;
  email: string;
  /** Signed in with the password only (before enrolling). */
  token: string;
  refreshToken: string;
}

async function signIn(email: string): Promise<Person & { roles: string[] }> {
  const login = await call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  const me = await call('GET', '/v1/me', { token: login.body.accessToken });
  return {
    id: me.body.id,
    email,
    token: login.body.accessToken,
    refreshToken: login.body.refreshToken,
    roles: me.body.roles,
  };
}

async function register(name: string, roles?: string): Promise<Person> {
  const email = `${name}-${Date.now()}-${++seq}@example.com`;
  const reg = await call('POST', '/v1/auth/register', { body: { email, password: PASSWORD, name } });
  assert.equal(reg.status, 201, reg.text);
  if (roles) await identityCli('user-roles.ts', ['--email', email, '--roles', roles]);
  return await signIn(email);
}

/** Enrolls and confirms an authenticator, as a person scanning the QR code would. */
async function enroll(p: Person): Promise<Device> {
  const enrolled = await call('POST', '/v1/auth/totp/enroll', { token: p.token });
  assert.equal(enrolled.status, 200, enrolled.text);
  const device: Device = { secret: enrolled.body.secret, lastStep: 0 };
  const confirmed = await call('POST', '/v1/auth/totp/confirm', {
    token: p.token,
    body: { code: await nextCode(device) },
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.equal(confirmed.body.recoveryCodes.length, 10);
  return device;
}

/**
 * A token of an enrolled user that carries no fresh code: a refresh reads the enrollment anew (`totp`)
 * but gives no `otp_at`, as after any sign-in more than five minutes ago.
 */
async function withoutFreshCode(p: Person): Promise<string> {
  const refreshed = await call('POST', '/v1/auth/refresh', { body: { refreshToken: p.refreshToken } });
  assert.equal(refreshed.status, 200, refreshed.text);
  p.refreshToken = refreshed.body.refreshToken;
  const claims = JSON.parse(Buffer.from(refreshed.body.accessToken.split('.')[1], 'base64url').toString());
  assert.equal(claims.totp, true);
  assert.equal(claims.otp_at, undefined);
  return refreshed.body.accessToken;
}

/** POST /v1/auth/step-up with a fresh code: the five-minute token step-up actions accept. */
async function stepUp(token: string, device: Device): Promise<{ token: string; code: string }> {
  const code = await nextCode(device);
  const res = await call('POST', '/v1/auth/step-up', { token, body: { code } });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.expiresIn, 300);
  return { token: res.body.accessToken, code };
}

const assertStepUpRequired = (res: { status: number; body: { code?: string }; text: string }) =>
  assert.deepEqual([res.status, res.body?.code], [403, 'step_up_required'], res.text);

let admin: Person;
let adminDevice: Device;
/** The admin's staff token without a fresh code: staff routes answer it, step-up routes do not. */
let adminPlain: string;
let owner: Person;
let ownerDevice: Device;
let disputed: { dealId: string; disputeId: string };
let deadLetterId: string;

/** An agent's deal to their own profile, paid at the bank by its payer, then disputed by the payer. */
async function disputedDeal(): Promise<{ dealId: string; disputeId: string }> {
  const agent = await register('agent', 'agent');
  const payer = await register('payer');
  const profile = await call('POST', '/v1/recipients', {
    token: agent.token,
    body: { legalType: 'individual', name: 'Ivanova Anna', inn: PERSON_INN, bankDetails: BANK_DETAILS },
  });
  assert.equal(profile.status, 201, profile.text);
  const created = await call('POST', '/v1/deals', {
    token: agent.token,
    body: {
      title: 'Flat on Tverskaya',
      payerEmail: payer.email,
      milestones: [
        {
          title: 'Keys handed over',
          amount: 50_000,
          release: { kind: 'payer_confirms' },
          recipients: [{ recipientId: profile.body.id, share: { percentBp: 10_000 } }],
        },
      ],
    },
  });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const submitted = await call('POST', `/v1/deals/${id}/submit`, { token: agent.token });
  assert.equal(submitted.status, 200, submitted.text);
  const dealIn = (status: string) =>
    waitFor(`deal ${id} ${status}`, async () => {
      const d = await call('GET', `/v1/deals/${id}`, { token: payer.token });
      return d.body.status === status ? d.body : undefined;
    });
  const d = await dealIn('awaiting_payment');
  // The payer's bank transfers the amount with the deal's purpose (the sandbox's control, for admins).
  const rubles = formatRubles(BigInt(d.amount));
  const paid = await call('POST', '/v1/sandbox/_sim/incoming', {
    token: adminPlain,
    raw: `{"amount":${rubles},"purpose":${JSON.stringify(d.paymentPurpose)}}`,
  });
  assert.equal(paid.status, 201, paid.text);
  await dealIn('funded');
  const opened = await call('POST', `/v1/deals/${id}/disputes`, {
    token: payer.token,
    body: { reason: 'The keys were not handed over' },
  });
  assert.equal(opened.status, 201, opened.text);
  return { dealId: id, disputeId: opened.body.dispute.id };
}

/** A poison orders.order.created (no order id), appended to orders' outbox: the processor gives up on it. */
async function deadLetter(): Promise<string> {
  const eventId = `evt_${randomUUID()}`;
  const orders = db.pool('orders');
  await orders.query(
    `insert into orders.outbox (event_id, type, subject, envelope) values ($1, 'orders.order.created', 'ord_poison', $2)`,
    [
      eventId,
      JSON.stringify({
        specversion: '1.0',
        id: eventId,
        source: '/strongbox/orders',
        type: 'orders.order.created',
        subject: 'ord_poison',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: { nonsense: true },
      }),
    ],
  );
  return await waitFor('the poison event to be dead-lettered', async () => {
    const res = await call('GET', '/v1/admin/dead-letters/processor', { token: adminPlain });
    assert.equal(res.status, 200, res.text);
    return (res.body.data as Array<{ id: string; eventId: string }>).find((x) => x.eventId === eventId)?.id;
  });
}

before(async () => {
  db = await createTestDatabase('e2estepup');
  await identityCli('admin-create.ts', ['--email', ADMIN_EMAIL], `${PASSWORD}\n`);
  system = await startSystem({
    databaseUrl: db.url,
    ports: 'random',
    output: 'ignore',
    // The rules as deployed; the processor gives up on a poison message after two deliveries (8 deployed).
    env: {
      LOG_LEVEL: 'warn',
      STAFF_TOTP_REQUIRED: 'true',
      BANK_NOTIFICATION_SECRET: '',
      PROCESSOR_CONSUMER_ATTEMPTS: '2',
    },
  });
  gw = system.urls.gateway;
  admin = await signIn(ADMIN_EMAIL);
  // Unenrolled staff are staff nowhere: the rule is on.
  const refused = await call('GET', '/v1/admin/dead-letters/processor', { token: admin.token });
  assert.deepEqual([refused.status, refused.body.code], [403, 'totp_enrollment_required'], refused.text);
  adminDevice = await enroll(admin);
  adminPlain = await withoutFreshCode(admin);
  owner = await register('owner');
  const created = await call('POST', '/v1/recipients', {
    token: owner.token,
    body: { legalType: 'individual', name: 'Petrov Ivan', inn: PERSON_INN, bankDetails: BANK_DETAILS },
  });
  assert.equal(created.status, 201, `the first profile needs no code: ${created.text}`);
  ownerDevice = await enroll(owner);
  disputed = await disputedDeal();
  deadLetterId = await deadLetter();
}, SYSTEM_START);
after(async () => {
  await system?.stop();
  await db?.drop();
});

describe('step-up actions through the gateway, with STAFF_TOTP_REQUIRED on', { timeout: 5 * 60_000 }, () => {
  /** The admin's step-up, taken once: one fresh code covers every admin action for five minutes. */
  let adminStepUp: { token: string; code: string } | undefined;
  const adminStepped = async () => {
    adminStepUp ??= await stepUp(adminPlain, adminDevice);
    return adminStepUp;
  };

  it('changing payout bank details: refused without a fresh code, accepted with one', async () => {
    const change = (token: string) =>
      call('POST', '/v1/recipients', {
        token,
        body: {
          legalType: 'individual',
          name: 'Petrov Ivan',
          inn: PERSON_INN,
          bankDetails: OTHER_BANK_DETAILS,
        },
      });
    assertStepUpRequired(await change(owner.token));
    const plain = await withoutFreshCode(owner);
    assertStepUpRequired(await change(plain));
    const me = await call('GET', '/v1/recipients/me', { token: plain });
    assert.deepEqual(me.body.bankDetails, BANK_DETAILS, 'nothing changed');
    const { token } = await stepUp(plain, ownerDevice);
    const accepted = await change(token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.deepEqual(accepted.body.bankDetails, OTHER_BANK_DETAILS);
  });

  it('resolving a dispute: refused without a fresh code, accepted with one', async () => {
    const resolveAs = (token: string) =>
      call('POST', `/v1/deals/${disputed.dealId}/disputes/${disputed.disputeId}/resolve`, {
        token,
        body: { outcome: 'release' },
      });
    assertStepUpRequired(await resolveAs(adminPlain));
    const accepted = await resolveAs((await adminStepped()).token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.dispute, null);
  });

  it('replaying a dead letter: refused without a fresh code, accepted with one', async () => {
    const replay = (token: string) =>
      call('POST', `/v1/admin/dead-letters/processor/${deadLetterId}/replay`, { token });
    assertStepUpRequired(await replay(adminPlain));
    const accepted = await replay((await adminStepped()).token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.id, deadLetterId);
    assert.equal(accepted.body.state, 'replayed');
  });

  it('opening an account allowed to go negative: refused without a fresh code, accepted with one', async () => {
    const open = (token: string, allowNegative: boolean) =>
      call('POST', '/v1/accounts', { token, body: { currency: 'EUR', allowNegative } });
    assert.equal((await open(adminPlain, false)).status, 201, 'an ordinary account needs no code');
    assertStepUpRequired(await open(adminPlain, true));
    const accepted = await open((await adminStepped()).token, true);
    assert.equal(accepted.status, 201, accepted.text);
    assert.equal(accepted.body.allowNegative, true);
  });

  it('a code used once is refused within its window, at step-up and at sign-in', async () => {
    const { code } = await adminStepped();
    const again = await call('POST', '/v1/auth/step-up', { token: adminPlain, body: { code } });
    assert.deepEqual([again.status, again.body.code], [401, 'invalid_totp_code'], again.text);
    const login = await call('POST', '/v1/auth/login', {
      body: { email: ADMIN_EMAIL, password: PASSWORD, totpCode: code },
    });
    assert.deepEqual([login.status, login.body.code], [401, 'invalid_totp_code'], login.text);
    // A code of a later step still works.
    const fresh = await call('POST', '/v1/auth/login', {
      body: { email: ADMIN_EMAIL, password: PASSWORD, totpCode: await nextCode(adminDevice) },
    });
    assert.equal(fresh.status, 200, fresh.text);
  });
});
