/**
 * End to end: the cabinet's Security screen in Debian's Chromium against the real system. A person signed
 * in in two browsers sees two sessions and ends the other one, whose next refresh is refused (it is signed
 * out) while this one stays signed in; then they set up an authenticator in the browser (the secret read
 * off the screen, codes made by otplib as the phone app would), see the ten recovery codes once, sign in
 * again with a code, and turn the authenticator off with one. axe-core finds no serious violation, the
 * strict CSP is never refused, and the screenshot in docs/screenshots is taken here.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { TestDatabase } from '@strongbox/postgres/testing';
import { generate } from 'otplib';
import type { RunningSystem } from '../../scripts/system.ts';
import {
  axeViolations,
  type Browser,
  CHROMIUM,
  ensureCabinetBuilt,
  openBrowser,
  screenshot,
  untilInPage,
} from './cabinet-support.ts';
import { type Api, api, PASSWORD, startOrdersSystem } from './orders-support.ts';

const HAS_CHROMIUM = existsSync(CHROMIUM);
let db: TestDatabase;
let system: RunningSystem;
let here: Browser;
let there: Browser;
let gw: string;
const a: Api = api(() => gw);
const email = `security-${randomUUID()}@example.com`;

before(async () => {
  if (!HAS_CHROMIUM) return;
  await ensureCabinetBuilt();
  ({ db, system } = await startOrdersSystem({}));
  gw = system.urls.gateway;
  const registered = await a.call('POST', '/v1/auth/register', {
    body: { email, password: PASSWORD, name: 'Вера Защитина' },
  });
  assert.equal(registered.status, 201, registered.text);
  // Two browsers of their own (profiles, cookies): two logins of the same person.
  here = await openBrowser();
  there = await openBrowser();
});
after(async () => {
  await here?.close();
  await there?.close();
  await system?.stop();
  await db?.drop();
});

async function signIn(b: Browser, code?: () => Promise<string>): Promise<void> {
  const { page } = b;
  await page.goto(`${gw}/login`);
  await page.getByRole('heading', { name: 'Вход' }).waitFor();
  await page.getByLabel('Эл. почта').fill(email);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  if (code) {
    await page.getByText('Введите одноразовый код из приложения-аутентификатора.').waitFor();
    await page.getByLabel('Одноразовый код из приложения-аутентификатора').fill(await code());
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
  }
  await page.getByRole('heading', { name: 'Ваши счета' }).waitFor();
}

async function noSeriousViolations(b: Browser, screen: string): Promise<void> {
  const violations = await axeViolations(b.page);
  assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 2)}`);
}

describe('the Security screen', { skip: HAS_CHROMIUM ? false : `${CHROMIUM} is not installed` }, () => {
  it('lists both logins; ending the other one signs that browser out at its next refresh', async () => {
    await signIn(here);
    await signIn(there);
    const { page } = here;
    await page.getByRole('link', { name: 'Безопасность' }).click();
    await page.getByRole('heading', { name: 'Безопасность', level: 1 }).waitFor();
    const sessions = page.getByTestId('sessions').locator('li');
    await sessions.nth(1).waitFor();
    assert.equal(await sessions.count(), 2);
    await page.setViewportSize({ width: 390, height: 844 });
    await noSeriousViolations(here, 'security');
    await screenshot(page, 'security-phone-ru');
    await page.setViewportSize({ width: 1280, height: 860 });

    // Newest activity first: the other browser signed in last, and this one has not refreshed since.
    await sessions
      .first()
      .getByRole('button', { name: /Завершить сеанс/ })
      .click();
    await page.getByText('Сеанс завершён').waitFor();
    await untilInPage(page, "document.querySelectorAll('[data-testid=sessions] li').length === 1");

    // A reload trades the refresh cookie for an access token: refused there, accepted here.
    await there.page.reload();
    await there.page.getByRole('heading', { name: 'Вход' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Безопасность', level: 1 }).waitFor();
    assert.deepEqual([...here.cspViolations, ...there.cspViolations], []);
  });

  it('sets up an authenticator in the browser, shows the recovery codes once, and a code signs in', async () => {
    const { page } = here;
    await page.getByRole('button', { name: 'Подключить аутентификатор' }).click();
    const qr = page.getByRole('img', { name: 'QR-код с секретом для приложения-аутентификатора' });
    await qr.waitFor();
    // The SVG from identity is an image under the page's CSP, not markup in the page.
    await untilInPage(page, "document.querySelector('img.qr')?.naturalWidth > 0");
    assert.equal(await page.locator('main svg').count(), 0);
    const device: Device = {
      secret: (await page.getByTestId('totp-secret').textContent()) ?? '',
      lastStep: 0,
    };
    assert.match(device.secret, /^[A-Z2-7]{16,}=*$/);
    await noSeriousViolations(here, 'security (enrolling)');

    await page.getByLabel('Код, который показывает приложение').fill(await nextCode(device));
    await page.getByRole('button', { name: 'Подтвердить' }).click();
    await page.getByRole('heading', { name: 'Коды восстановления' }).waitFor();
    assert.equal(await page.getByTestId('recovery-codes').locator('li').count(), 10);
    await noSeriousViolations(here, 'security (recovery codes)');
    await page.getByRole('button', { name: 'Я их сохранил(а)' }).click();
    await page.getByText('Аутентификатор подключён.').waitFor();
    assert.equal(await page.getByTestId('recovery-codes').count(), 0, 'the codes are shown once');

    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход' }).waitFor();
    await signIn(here, () => nextCode(device));

    await page.getByRole('link', { name: 'Безопасность' }).click();
    await page.getByText('Аутентификатор подключён.').waitFor();
    await page.getByLabel('Код из приложения, чтобы отключить').fill(await nextCode(device));
    await page.getByRole('button', { name: 'Отключить аутентификатор' }).click();
    await page.getByText('Аутентификатор отключён.').waitFor();
    await page.getByRole('button', { name: 'Подключить аутентификатор' }).waitFor();
    assert.deepEqual(here.cspViolations, [], 'the QR code image is allowed by the CSP');
  });
});

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
