/**
 * End to end: the cabinet in Debian's Chromium against the real system (every service a process, as npm
 * start runs them). A customer registers, opens accounts, is paid in by staff, pays, and finds the payment
 * in the history; a reload keeps the session, logout ends it; with an authenticator enrolled, a sign-in
 * takes its one-time code; the language switches; axe-core finds no serious violation on the main
 * screens; and the API calls the cabinet makes exist in the gateway's merged OpenAPI document. The screenshots in docs/screenshots are taken here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '@strongbox/postgres/testing';
import { generate } from 'otplib';
import { API_OPERATIONS } from '../../apps/cabinet/src/api/types.ts';
import type { RunningSystem } from '../../scripts/system.ts';
import {
  axeViolations,
  type Browser,
  CHROMIUM,
  ensureCabinetBuilt,
  fieldNames,
  type OpenApi,
  openBrowser,
  resolveRef,
  screenshot,
  untilInPage,
} from './cabinet-support.ts';
import { type Api, api, startOrdersSystem, waitForOrder } from './orders-support.ts';

const HAS_CHROMIUM = existsSync(CHROMIUM);
let db: TestDatabase;
let system: RunningSystem;
let admin: string;
let browser: Browser;
let gw: string;
const a: Api = api(() => gw);

const email = `cabinet-${randomUUID()}@example.com`;
const PASSWORD = 'a long enough passphrase';
// Intl puts (narrow) no-break spaces between groups and before the currency sign.
const SPACE = '[\\s\\u00a0\\u202f]';

before(async () => {
  if (!HAS_CHROMIUM) return;
  await ensureCabinetBuilt();
  ({ db, system, adminToken: admin } = await startOrdersSystem({}));
  gw = system.urls.gateway;
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await system?.stop();
  await db?.drop();
});

async function staffAccount(currency: string): Promise<string> {
  const res = await a.call('POST', '/v1/accounts', {
    token: admin,
    key: randomUUID(),
    body: { currency, allowNegative: true, name: 'funding' },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

async function pay(from: string, to: string, amount: number, currency: string, token = admin): Promise<void> {
  const res = await a.call('POST', '/v1/transfers', {
    token,
    key: randomUUID(),
    body: { debitAccountId: from, creditAccountId: to, amount, currency },
  });
  assert.equal(res.status, 201, res.text);
}

async function noSeriousViolations(screen: string): Promise<void> {
  const violations = await axeViolations(browser.page);
  assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 2)}`);
}

describe('the cabinet in a browser', { skip: HAS_CHROMIUM ? false : `${CHROMIUM} is not installed` }, () => {
  it('register → accounts → paid in → a payment → the history shows it', async () => {
    const { page } = browser;
    await page.goto(`${gw}/`);
    // Russian by default; a visitor without a session lands on the sign-in screen.
    await page.getByRole('heading', { name: 'Вход' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
    await noSeriousViolations('login');
    await page.getByRole('link', { name: /Зарегистрируйтесь/ }).click();
    await page.getByLabel('Ваше имя').fill('Анна Покупатель');
    await page.getByLabel('Эл. почта').fill(email);
    await page.getByLabel('Пароль').fill(PASSWORD);
    await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
    await page.getByRole('heading', { name: 'Ваши счета' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');

    for (const name of ['Основной', 'Копилка']) {
      await page.getByLabel('Название счёта').fill(name);
      await page.getByRole('button', { name: 'Открыть' }).click();
      await page.getByRole('link', { name }).waitFor();
    }
    const accounts = (await a.call('GET', '/v1/accounts', { token: await customerToken() })).body
      .data as Array<{
      id: string;
      name: string;
    }>;
    const main = accounts.find((x) => x.name === 'Основной')!.id;
    const savings = accounts.find((x) => x.name === 'Копилка')!.id;
    await pay(await staffAccount('RUB'), main, 1_000_000_00, 'RUB');

    await page.reload();
    await page
      .getByText(new RegExp(`1${SPACE}000${SPACE}000,00${SPACE}₽`))
      .first()
      .waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'accounts-phone-ru');
    await page.setViewportSize({ width: 1280, height: 860 });
    await noSeriousViolations('accounts');

    await page.getByRole('link', { name: 'Оплатить' }).first().click();
    await page.getByRole('heading', { name: 'Оплата' }).waitFor();
    await page.getByLabel('Со счёта').selectOption({ label: 'Основной · RUB' });
    await page.getByLabel('Номер счёта получателя').fill(savings);
    await page.getByLabel(/Сумма/).fill('1,505');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await page.getByText('Введите положительную сумму, не больше 2 знаков после запятой.').waitFor();
    await page.getByLabel(/Сумма/).fill('250 000,50');
    await page.getByLabel('Назначение (необязательно)').fill('На отпуск');
    await noSeriousViolations('pay');
    await screenshot(page, 'pay-ru');
    await page.getByRole('button', { name: 'Отправить' }).click();
    await shown(page.getByText('Платёж отправлен.'));

    await page.getByRole('link', { name: 'Посмотреть историю' }).click();
    await page.getByRole('heading', { name: /Счёт Основной/ }).waitFor();
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    const newest = ((await rows.first().textContent()) ?? '').replace(/[\u00a0\u202f]/g, ' ');
    assert.match(newest, /Расход/);
    assert.match(newest, /−250 000,50 ₽/);
    assert.match(newest, /749 999,50 ₽/);
    await page.getByRole('img', { name: /Баланс во времени/ }).waitFor();
    const balance = ((await page.getByTestId('balance').textContent()) ?? '').replace(/[\u00a0\u202f]/g, ' ');
    assert.equal(balance, '749 999,50 ₽');
    await noSeriousViolations('account');
    await screenshot(page, 'account-history-ru');
    assert.equal((await a.call('GET', `/v1/accounts/${savings}`, { token: admin })).body.balance, 250_000_50);
  });

  it('switches to English and keeps the choice over a reload', async () => {
    const { page } = browser;
    await page.getByLabel('Язык').selectOption('en');
    await page.getByRole('heading', { name: /Account Основной/ }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.reload();
    await page.getByRole('heading', { name: /Account Основной/ }).waitFor();
    const balance = ((await page.getByTestId('balance').textContent()) ?? '').replace(/[\u00a0\u202f]/g, ' ');
    assert.equal(balance, 'RUB 749,999.50');
    await screenshot(page, 'account-history');
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Your accounts' }).waitFor();
    await screenshot(page, 'accounts');
  });

  it('shows orders with their timeline', async () => {
    const { page } = browser;
    const token = await customerToken();
    const mine = (await a.call('GET', '/v1/accounts', { token })).body.data as Array<{
      id: string;
      name: string;
    }>;
    const merchant = await staffAccount('RUB');
    const order = await a.call('POST', '/v1/orders', {
      token,
      key: randomUUID(),
      body: {
        accountId: mine.find((x) => x.name === 'Основной')!.id,
        merchantAccountId: merchant,
        amount: 4_990_00,
        currency: 'RUB',
        description: 'Headphones',
      },
    });
    assert.equal(order.status, 201, order.text);
    await waitForOrder(a, token, order.body.id, (o) => o.status === 'completed');
    await page.getByRole('link', { name: 'Orders' }).click();
    await page.getByRole('link', { name: 'Headphones' }).click();
    await page.getByRole('heading', { name: 'Order Headphones' }).waitFor();
    const steps = await page.locator('.timeline li strong').allInnerTexts();
    assert.deepEqual(steps.at(0), 'Created');
    assert.deepEqual(steps.at(-1), 'Completed');
    await noSeriousViolations('order');
    await screenshot(page, 'order-timeline');
  });

  it('a reload keeps the session, the refresh token stays out of scripts, logout ends it, a TOTP code signs in', async () => {
    const { page, context } = browser;
    await page.goto(`${gw}/orders`);
    await page.getByRole('heading', { name: 'Your orders' }).waitFor();
    assert.equal(await page.evaluate('document.cookie'), '', 'the refresh cookie is HttpOnly');
    assert.equal(await page.evaluate("JSON.stringify(localStorage).includes('eyJ')"), false);
    const cookies = await context.cookies();
    const session = cookies.filter((c) => c.name === 'strongbox_refresh');
    assert.deepEqual(session.map((c) => c.path).sort(), ['/v1/auth/logout', '/v1/auth/refresh']);
    assert.ok(session.every((c) => c.httpOnly && c.sameSite === 'Strict'));

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.equal((await context.cookies()).filter((c) => c.name === 'strongbox_refresh').length, 0);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, 'login');

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The email or the password is wrong.').waitFor();
    await page.getByLabel('Password').fill('');

    const device = await enroll(await customerToken());
    // The keyboard alone: the skip link comes first, the fields follow in order, Enter submits.
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement.id'), 'password');
    await page.keyboard.type(PASSWORD);
    // A second factor for real: identity answers 401 totp_required to the password alone and takes the
    // code the authenticator shows now. Here the customer's authenticator is enrolled through the API as
    // an app scanning the QR code would be (codes made by otplib); cabinet-security.e2e.test.ts sets one
    // up on the Security screen.
    await page.keyboard.press('Enter');
    await page.getByText('Enter the one-time code from your authenticator app.').waitFor();
    // The focus moves in an effect after the field is shown: wait for it, with a bound a slow machine fits in.
    await untilInPage(page, "document.activeElement && document.activeElement.id === 'totp'");
    assert.equal(await page.evaluate('document.activeElement.id'), 'totp', 'the focus moves to the code');
    await page.keyboard.type(await nextCode(device));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Your accounts' }).waitFor();
    assert.deepEqual(browser.cspViolations, [], 'the build runs under the strict CSP');
  });

  it('is served under its CSP, and never for an unknown or tampered /v1 path', async () => {
    const index = await fetch(`${gw}/accounts/acc_x`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const script = (await index.text()).match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(script, 'index.html names its hashed script');
    const asset = await fetch(`${gw}${script}`);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    // fetch resolves dot segments itself; the gateway's own test sends them raw.
    for (const path of [
      '/v1/unknown',
      '/v1/accounts-x',
      '/v1/index.html',
      '/v1/accounts/..%2f..%2findex.html',
    ]) {
      const res = await fetch(`${gw}${path}`);
      assert.ok(res.status >= 400, `${path}: ${res.status}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
      assert.doesNotMatch(await res.text(), /<!doctype html>/i, path);
    }
  });

  it('calls only operations and fields that the services document', async () => {
    const doc = (await a.call('GET', '/openapi.json')).body as OpenApi;
    for (const op of API_OPERATIONS) {
      const operation = doc.paths[op.path]?.[op.method];
      assert.ok(operation, `${op.method.toUpperCase()} ${op.path} is documented`);
      if (op.fields.length === 0) continue;
      const answer = operation.responses?.[op.status];
      assert.ok(answer, `${op.method.toUpperCase()} ${op.path} answers ${op.status}`);
      let schema = resolveRef(doc, answer.content?.['application/json']?.schema);
      if ('list' in op && op.list)
        schema = resolveRef(doc, resolveRef(doc, schema?.properties?.['data'])?.items);
      const names = fieldNames(doc, schema);
      for (const field of op.fields) assert.ok(names.has(field), `${op.path} ${op.status} has ${field}`);
    }
  });
});

/** Waits for `locator`; on a timeout the error names what the screen showed instead. */
async function shown(locator: ReturnType<Browser['page']['locator']>): Promise<void> {
  try {
    await locator.waitFor();
  } catch (err) {
    const text = await browser.page.locator('main').textContent();
    throw new Error(`${String(err)}\nthe screen showed: ${text}`);
  }
}

let cachedToken: string | undefined;
async function customerToken(): Promise<string> {
  if (cachedToken) return cachedToken;
  const res = await a.call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } });
  assert.equal(res.status, 200, res.text);
  cachedToken = res.body.accessToken as string;
  return cachedToken;
}

/** RFC 6238's step, as identity and every authenticator app use it. */
const STEP_S = 30;
/** A person's authenticator: identity accepts each step's code once, so each code is of a later step. */
interface Device {
  readonly secret: string;
  lastStep: number;
}

/** The code the app shows once the clock is past the last step used, waiting (bounded) for the next step. */
async function nextCode(device: Device): Promise<string> {
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

/** Enrolls and confirms an authenticator for the signed-in user, as scanning the QR code would. */
async function enroll(token: string): Promise<Device> {
  const enrolled = await a.call('POST', '/v1/auth/totp/enroll', { token, key: randomUUID() });
  assert.equal(enrolled.status, 200, enrolled.text);
  const device: Device = { secret: enrolled.body.secret as string, lastStep: 0 };
  const confirmed = await a.call('POST', '/v1/auth/totp/confirm', {
    token,
    key: randomUUID(),
    body: { code: await nextCode(device) },
  });
  assert.equal(confirmed.status, 200, confirmed.text);
  return device;
}
