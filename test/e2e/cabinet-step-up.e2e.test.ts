/**
 * End to end in a real browser, with the second factor required of staff (STAFF_TOTP_REQUIRED on): an
 * admin with an authenticator signs in with a one-time code, changes a user's roles on the users screen,
 * is asked for a fresh code because a role change is a step-up action, types it, and the roles are saved;
 * a wrong code leaves them as they were.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TestDatabase } from '@strongbox/postgres/testing';
import { generate } from 'otplib';
import type { RunningSystem } from '../../scripts/system.ts';
import {
  axeViolations,
  type Browser,
  CHROMIUM,
  ensureCabinetBuilt,
  openBrowser,
  ROOT,
} from './cabinet-support.ts';
import { type Api, api, PASSWORD, startOrdersSystem } from './orders-support.ts';

const HAS_CHROMIUM = existsSync(CHROMIUM);
/** RFC 6238's step: a code is new once the clock is in a step after the last one used. */
const STEP_S = 30;
const BOUNDED = { timeout: 300_000 };
let db: TestDatabase;
let system: RunningSystem;
let browser: Browser;
let gw: string;
const a: Api = api(() => gw);
const adminEmail = `stepup-admin-${randomUUID()}@example.com`;
const userEmail = `stepup-user-${randomUUID()}@example.com`;
let userId = '';
const device = { secret: '', lastStep: 0 };

/** The authenticator's next code: one of a step not used yet (a used one is refused within its window). */
async function nextCode(): Promise<string> {
  const deadline = Date.now() + 4 * STEP_S * 1000;
  for (;;) {
    const step = Math.floor(Date.now() / 1000 / STEP_S);
    if (step > device.lastStep) {
      device.lastStep = step;
      return await generate({ secret: device.secret, epoch: step * STEP_S });
    }
    if (Date.now() > deadline) assert.fail('the clock never reached the next TOTP step');
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(
  async () => {
    if (!HAS_CHROMIUM) return;
    await ensureCabinetBuilt();
    ({ db, system } = await startOrdersSystem({ STAFF_TOTP_REQUIRED: 'true' }));
    gw = system.urls.gateway;
    // An admin of our own, made by the real CLI with the password on standard input.
    const made = promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/admin-create.ts', '--email', adminEmail],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    made.child.stdin?.end(`${PASSWORD}\n`);
    await made;
    const login = await a.call('POST', '/v1/auth/login', { body: { email: adminEmail, password: PASSWORD } });
    assert.equal(login.status, 200, login.text);
    const token = login.body.accessToken as string;
    const enrolled = await a.call('POST', '/v1/auth/totp/enroll', { token, key: randomUUID() });
    assert.equal(enrolled.status, 200, enrolled.text);
    device.secret = enrolled.body.secret;
    const confirmed = await a.call('POST', '/v1/auth/totp/confirm', {
      token,
      key: randomUUID(),
      body: { code: await nextCode() },
    });
    assert.equal(confirmed.status, 200, confirmed.text);
    const registered = await a.call('POST', '/v1/auth/register', {
      body: { email: userEmail, password: PASSWORD, name: 'Пётр Агентов' },
    });
    assert.equal(registered.status, 201, registered.text);
    userId = registered.body.id;
    browser = await openBrowser();
  },
  { timeout: 600_000 },
);
after(async () => {
  await browser?.close();
  await system?.stop();
  await db?.drop();
});

/** The user's roles as identity stores them. */
async function rolesOf(): Promise<string[]> {
  const { rows } = await db.pool('identity').query('select roles from users where id = $1', [userId]);
  return [...(rows[0]?.roles ?? [])].sort();
}

describe('step-up in the cabinet', { skip: HAS_CHROMIUM ? false : `${CHROMIUM} is not installed` }, () => {
  it(
    'an admin changing roles is asked for a fresh code; a wrong one changes nothing, the right one saves',
    BOUNDED,
    async () => {
      const { page } = browser;
      await page.goto(`${gw}/login`);
      await page.getByRole('heading', { name: 'Вход' }).waitFor();
      await page.getByLabel('Эл. почта').fill(adminEmail);
      await page.getByLabel('Пароль').fill(PASSWORD);
      await page.getByRole('button', { name: 'Войти', exact: true }).click();
      await page.getByText('Введите одноразовый код из приложения-аутентификатора.').waitFor();
      await page.getByLabel('Одноразовый код из приложения-аутентификатора').fill(await nextCode());
      await page.getByRole('button', { name: 'Войти', exact: true }).click();
      await page.getByRole('heading', { name: 'Ваши счета' }).waitFor();
      // The code given at sign-in counts as a fresh one for five minutes; a reload signs in again from the
      // refresh cookie with no code given, as a staff member's session is for most of the day.
      await page.reload();
      await page.getByRole('heading', { name: 'Ваши счета' }).waitFor();

      await page.getByRole('navigation').getByRole('link', { name: 'Пользователи', exact: true }).click();
      await page.getByRole('heading', { name: 'Пользователи и роли' }).waitFor();
      await page.getByLabel('Эл. почта').fill(userEmail);
      await page.getByRole('button', { name: 'Найти' }).click();
      await page.getByRole('checkbox', { name: 'Агент' }).check();
      await page.getByRole('button', { name: 'Сохранить роли' }).click();
      // A role change moves who may act on money: it needs a code given in the last five minutes.
      const prompt = page.getByText('Для этого действия нужен свежий одноразовый код');
      await prompt.waitFor();
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

      await page.locator('#roles-code').fill('000000');
      await page.getByRole('button', { name: 'Подтвердить' }).click();
      await prompt.waitFor({ state: 'hidden' });
      assert.deepEqual(await rolesOf(), ['customer'], 'a wrong code saves nothing');

      // Saving again asks again; this time with the authenticator's fresh code.
      await page.getByRole('button', { name: 'Сохранить роли' }).click();
      await prompt.waitFor();
      await page.locator('#roles-code').fill(await nextCode());
      await page.getByRole('button', { name: 'Подтвердить' }).click();
      await page.getByText(/Роли сохранены/).waitFor();
      assert.deepEqual(await rolesOf(), ['agent', 'customer'], 'saved once the code was fresh');
    },
  );
});
