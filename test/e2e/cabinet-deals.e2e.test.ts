/**
 * End to end: a whole deal walked through in the cabinet, in Debian's Chromium, against the real system
 * with the bank sandbox as the bank (as `npm start` runs it). An admin makes a user an agent; the agent
 * saves a payout profile, builds a two-milestone deal for two recipients in the wizard, sees the exact
 * split and submits it; the payer sees what to pay and where (the nominal account, its bank, the
 * payee); the admin sends the payer's transfer from the bank sandbox panel; the first milestone is paid
 * out, the payer confirms the second, the deal completes with every payout paid; staff read the deal's event history, the ledger audit's verdict,
 * the operators' queue, the reconciliation findings and the dead letters; the agent reads their payouts;
 * the payer opens a dispute on another, funded deal, which the queue lists first and an operator resolves
 * with a partial refund; a payout to a closed account fails, its recipient saves new bank details and the
 * agent retries it; and staff inspect, replay and discard dead letters.
 * axe-core finds no serious violation on these screens, and the screenshots in docs/screenshots are
 * taken here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { withControlKey } from '@strongbox/kernel';
import { createTestDatabase, type TestDatabase } from '@strongbox/postgres/testing';
import type { Deal } from '../../apps/cabinet/src/api/types.ts';
import { type RunningSystem, startSystem } from '../../scripts/system.ts';
import {
  axeViolations,
  type Browser,
  CHROMIUM,
  ensureCabinetBuilt,
  openBrowser,
  ROOT,
  screenshot,
  untilInPage,
} from './cabinet-support.ts';

const HAS_CHROMIUM = existsSync(CHROMIUM);
const PASSWORD = 'a long enough passphrase';
const PERSON_INN = '500100732259';
const COMPANY_INN = '7707083893';
const BANK_DETAILS = { accountNumber: '40702810500000000001', bik: '044525974' };
/** Another account at the same bank, its control key made valid for the BIK. */
const OTHER_BANK_DETAILS = { accountNumber: withControlKey('40702810000000000077', BANK_DETAILS.bik) };
/** The bank's scoring, payments and deals' workers run on their own: bounded generously, never timed. */
const MONEY_MOVES_MS = 180_000;
const BOUNDED = { timeout: 600_000 };
// Intl puts (narrow) no-break spaces between groups and before the currency sign.
const plain = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ');

let db: TestDatabase;
let system: RunningSystem;
let browser: Browser;
let gw: string;
const run = randomUUID().slice(0, 8);
const admin = { email: `deals-admin-${run}@example.com` };
const agent = { email: `agent-${run}@example.com`, name: 'Агент Иванова' };
const agency = { email: `agency-${run}@example.com`, name: 'Агентство' };
const payer = { email: `payer-${run}@example.com`, name: 'Пётр Плательщик' };
const TITLE = 'Квартира на Тверской';
let dealId = '';

async function call(method: string, path: string, opts: { body?: unknown; token?: string } = {}) {
  const res = await fetch(`${gw}${path}`, {
    method,
    headers: {
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'POST' ? { 'idempotency-key': randomUUID() } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body === undefined ? null : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

async function register(u: { email: string; name: string }): Promise<string> {
  const r = await call('POST', '/v1/auth/register', { body: { ...u, password: PASSWORD } });
  assert.equal(r.status, 201, r.text);
  const login = await call('POST', '/v1/auth/login', { body: { email: u.email, password: PASSWORD } });
  assert.equal(login.status, 200, login.text);
  return login.body.accessToken;
}

before(
  async () => {
    if (!HAS_CHROMIUM) return;
    await ensureCabinetBuilt();
    db = await createTestDatabase('e2ecabdeals');
    const created = promisify(execFile)(
      process.execPath,
      ['services/identity/src/cli/admin-create.ts', '--email', admin.email],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url } },
    );
    created.child.stdin?.end(`${PASSWORD}\n`);
    await created;
    system = await startSystem({
      databaseUrl: db.url,
      ports: 'random',
      output: 'ignore',
      // The sandbox is the bank (its panel is exposed); bank tasks retried within 5 s at most.
      env: {
        LOG_LEVEL: 'warn',
        BANK_NOTIFICATION_SECRET: '',
        STAFF_TOTP_REQUIRED: 'false',
        DEALS_BANK_RETRY_CAP_MS: '5000',
        // A poison message is dead-lettered after this many deliveries (8 in production): a short test.
        PROCESSOR_CONSUMER_ATTEMPTS: '2',
      },
    });
    gw = system.urls.gateway;
    browser = await openBrowser();
  },
  { timeout: 600_000 },
);
after(async () => {
  await browser?.close();
  await system?.stop();
  await db?.drop();
});

async function noSeriousViolations(screen: string): Promise<void> {
  const violations = await axeViolations(browser.page);
  assert.deepEqual(violations, [], `${screen}: ${JSON.stringify(violations, null, 2)}`);
}

/** Waits for `locator`; on a timeout the error names what the screen showed instead. */
async function shown(locator: ReturnType<Browser['page']['locator']>, timeout?: number): Promise<void> {
  try {
    await locator.waitFor(timeout ? { timeout } : {});
  } catch (err) {
    const text = await browser.page.locator('main').textContent();
    throw new Error(`${String(err)}\nthe screen showed: ${text}`);
  }
}

async function signIn(email: string): Promise<void> {
  const { page } = browser;
  await page.goto(`${gw}/login`);
  // A test that failed midway may have left its user signed in: sign them out, so the next test runs.
  const out = page.getByRole('button', { name: 'Выйти' });
  await page.getByRole('heading', { name: 'Вход' }).or(out).waitFor();
  if (await out.isVisible()) await signOut();
  await page.getByLabel('Эл. почта').fill(email);
  await page.getByLabel('Пароль').fill(PASSWORD);
  await page.getByRole('button', { name: 'Войти' }).click();
  await shown(page.getByRole('heading', { name: 'Ваши счета' }));
}

async function signOut(): Promise<void> {
  await browser.page.getByRole('button', { name: 'Выйти' }).click();
  await browser.page.getByRole('heading', { name: 'Вход' }).waitFor();
}

const nav = (name: string) => browser.page.getByRole('navigation').getByRole('link', { name, exact: true });

describe('a deal in the cabinet', { skip: HAS_CHROMIUM ? false : `${CHROMIUM} is not installed` }, () => {
  let agencyRecipient = '';
  let agentRecipient = '';
  let disputedId = '';

  it('an admin makes a user an agent on the users screen', BOUNDED, async () => {
    await register(agent);
    await register(payer);
    const agencyToken = await register(agency);
    const profile = await call('POST', '/v1/recipients', {
      token: agencyToken,
      body: { legalType: 'company', name: 'ООО Агентство', inn: COMPANY_INN, bankDetails: BANK_DETAILS },
    });
    assert.equal(profile.status, 201, profile.text);
    agencyRecipient = profile.body.id;

    const { page } = browser;
    await signIn(admin.email);
    await nav('Пользователи').click();
    await page.getByRole('heading', { name: 'Пользователи и роли' }).waitFor();
    await page.getByLabel('Эл. почта').fill(agent.email);
    await page.getByRole('button', { name: 'Найти' }).click();
    await shown(page.getByRole('checkbox', { name: 'Агент' }));
    await page.getByRole('checkbox', { name: 'Агент' }).check();
    await page.getByRole('button', { name: 'Сохранить роли' }).click();
    await shown(page.getByText(/Роли сохранены/));
    await noSeriousViolations('users');
    await screenshot(page, 'users-roles-ru');
    await signOut();
  });

  it(
    'the agent saves a payout profile and builds a deal in the wizard with the exact split',
    BOUNDED,
    async () => {
      const { page } = browser;
      await signIn(agent.email);
      await nav('Профиль выплат').click();
      await page.getByRole('heading', { name: 'Профиль выплат', level: 1 }).waitFor();
      await shown(page.getByText('Профиля выплат пока нет.'));
      await page.getByLabel('Правовой статус').selectOption('self_employed');
      await page.getByLabel('Наименование (как в банке)').fill('Иванова Анна');
      await page.getByLabel('ИНН').fill(PERSON_INN);
      await page.getByLabel('Номер счёта (20 цифр)').fill(BANK_DETAILS.accountNumber);
      await page.getByLabel('БИК (9 цифр)').fill(BANK_DETAILS.bik);
      await page.getByRole('button', { name: 'Сохранить' }).click();
      await shown(page.getByTestId('recipient-id'));
      agentRecipient = ((await page.getByTestId('recipient-id').textContent()) ?? '').trim();
      assert.match(agentRecipient, /^rcp_/);
      await shown(page.getByText('Выплат пока нет.'));
      await noSeriousViolations('profile');
      await screenshot(page, 'payout-profile-ru');

      await nav('Сделки').click();
      await page.getByRole('link', { name: 'Новая сделка' }).click();
      await page.getByRole('heading', { name: 'Новая сделка', level: 1 }).waitFor();
      // Sent empty from the keyboard: the message names the field and the focus moves to it.
      await page.getByLabel('Название сделки').focus();
      await page.keyboard.press('Enter');
      await shown(page.getByText('Укажите название.'));
      await untilInPage(page, "document.activeElement && document.activeElement.id === 'deal-title'");
      await page.getByLabel('Название сделки').fill(TITLE);
      await page.getByLabel('Эл. почта плательщика').fill(payer.email);
      await page.getByRole('button', { name: /Этапы и получатели/ }).click();
      await page.getByRole('heading', { name: '2. Этапы и получатели' }).waitFor();

      // Milestone 1: paid out at once, 60 / 40 %.
      await page.locator('#m0-title').fill('Задаток');
      await page.locator('#m0-amount').fill('400');
      await page.locator('#m0-r0-recipientId').fill(agentRecipient);
      await page.locator('#m0-r0-share').fill('60');
      await page.getByRole('button', { name: 'Добавить получателя' }).first().click();
      await page.locator('#m0-r1-recipientId').fill(agencyRecipient);
      await page.locator('#m0-r1-share').fill('40');
      // Milestone 2: when the payer confirms; a fixed 100,00 to the agency, the rest to the agent.
      await page.getByRole('button', { name: 'Добавить этап' }).click();
      await page.locator('#m1-title').fill('Ключи');
      await page.locator('#m1-amount').fill('600,00');
      await page.locator('#m1-release').selectOption('payer_confirms');
      await page.locator('#m1-r0-recipientId').fill(agencyRecipient);
      await page.locator('#m1-r0-kind').selectOption('fixed');
      await page.locator('#m1-r0-share').fill('100');
      await page.getByRole('button', { name: 'Добавить получателя' }).nth(1).click();
      await page.locator('#m1-r1-recipientId').fill(agentRecipient);
      await page.locator('#m1-r1-share').fill('100');
      await noSeriousViolations('wizard milestones');
      await page.getByRole('button', { name: /Показать точное распределение/ }).click();

      const tables = page.getByTestId('split-preview');
      await shown(tables.nth(1));
      const amounts = async (i: number) =>
        (await tables.nth(i).locator('tbody td.num').allTextContents()).map(plain);
      assert.deepEqual(await amounts(0), ['240,00 ₽', '160,00 ₽']);
      assert.deepEqual(await amounts(1), ['100,00 ₽', '500,00 ₽']);
      await shown(page.getByText(/Итого: 1[\s\u00a0\u202f]000,00/));
      await noSeriousViolations('wizard preview');
      await screenshot(page, 'deal-wizard-preview-ru');
      await page.getByRole('button', { name: 'Создать и отправить в банк' }).click();
      await shown(page.getByRole('heading', { name: `Сделка ${TITLE}` }));
      dealId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
      assert.ok(dealId, 'the deal screen names the deal');

      await nav('Сделки').click();
      await shown(page.getByRole('link', { name: TITLE }));
      await page.getByLabel('Ваша роль').selectOption('agent');
      await shown(page.getByRole('link', { name: TITLE }));
      await signOut();
    },
  );

  it('the payer sees what to pay and where', BOUNDED, async () => {
    const { page } = browser;
    await signIn(payer.email);
    await nav('Сделки').click();
    await page.getByRole('link', { name: TITLE }).click();
    await shown(page.getByRole('heading', { name: `Сделка ${TITLE}` }));
    // The bank registers the deal on its own time; the screen follows until the payment details show.
    await shown(page.getByTestId('to-pay'), MONEY_MOVES_MS);
    const toPay = plain(await page.getByTestId('to-pay').textContent());
    assert.match(toPay, /Сумма к оплате1 000,00 ₽/);
    const purpose = ((await page.getByTestId('purpose').textContent()) ?? '').trim();
    assert.ok(purpose.length > 0, 'the payment purpose is shown');
    // Where to pay, as deals names it: the nominal account, its bank, the payee.
    const payerToken = (
      await call('POST', '/v1/auth/login', { body: { email: payer.email, password: PASSWORD } })
    ).body.accessToken as string;
    const { payTo } = (await call('GET', `/v1/deals/${dealId}`, { token: payerToken })).body as Deal;
    assert.ok(payTo, 'deals names the account to pay into while the deal awaits payment');
    assert.equal((await page.getByTestId('pay-to-account').textContent())?.trim(), payTo.accountNumber);
    assert.equal(purpose, payTo.purpose);
    for (const [label, value] of [
      ['Получатель', payTo.payeeName],
      ['ИНН получателя', payTo.payeeInn],
      ['Банк', payTo.bankName],
      ['БИК', payTo.bik],
    ] as const) {
      assert.ok(value, `${label} is configured in development`);
      assert.ok(toPay.includes(`${label}${value}`), `${label} ${value} in ${toPay}`);
    }
    assert.equal(await page.getByRole('heading', { name: 'Песочница банка' }).count(), 0, 'admins only');
    await noSeriousViolations('deal (payer)');
    await screenshot(page, 'deal-payer-to-pay-ru');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'deal-payer-phone-ru');
    await noSeriousViolations('deal (payer, phone)');
    await page.setViewportSize({ width: 1280, height: 860 });
    await signOut();
  });

  it(
    'an admin switches a bank outage on and off and sends the payer’s transfer from the bank sandbox panel; the first milestone is paid out',
    BOUNDED,
    async () => {
      const { page } = browser;
      await signIn(admin.email);
      await page.goto(`${gw}/deals/${encodeURIComponent(dealId)}`);
      await shown(page.getByRole('heading', { name: 'Песочница банка' }));
      assert.equal(plain(await page.getByLabel('Сумма перевода (RUB)').inputValue()), '1000,00');
      assert.ok((await page.getByLabel('Назначение перевода').inputValue()).length > 0);
      await noSeriousViolations('sandbox panel');
      await screenshot(page, 'deal-sandbox-panel-ru');
      // Another bank event by hand: an outage switched on and off from the panel.
      const adminToken = (
        await call('POST', '/v1/auth/login', { body: { email: admin.email, password: PASSWORD } })
      ).body.accessToken as string;
      const faults = async () => (await call('GET', '/v1/sandbox/_sim/faults', { token: adminToken })).body;
      await page.getByRole('button', { name: 'Сбой банка: начать' }).click();
      await shown(page.getByText(/Банк отказывает в каждом изменении/));
      assert.equal((await faults()).errorRate, 1, 'the bank fails every change');
      await page.getByRole('button', { name: 'Сбой банка: закончить' }).click();
      await shown(page.getByText(/Банк снова отвечает/));
      assert.equal((await faults()).errorRate, 0, 'and answers again');
      await page.getByRole('button', { name: 'Отправить перевод плательщика' }).click();
      await shown(page.getByText(/Перевод поступил в банк/));
      await shown(page.getByTestId('milestone-status').first().getByText('Выплачен'), MONEY_MOVES_MS);
      await signOut();
    },
  );

  it(
    'the payer confirms the second milestone; the deal completes with every payout paid',
    BOUNDED,
    async () => {
      const { page } = browser;
      await signIn(payer.email);
      await page.goto(`${gw}/deals/${encodeURIComponent(dealId)}`);
      await shown(page.getByRole('button', { name: 'Подтвердить этап' }));
      await page.getByRole('button', { name: 'Подтвердить этап' }).click();
      await shown(page.getByTestId('deal-status').getByText('Завершена'), MONEY_MOVES_MS);
      assert.deepEqual(await page.getByTestId('payout-status').allTextContents(), [
        'Выплачено',
        'Выплачено',
        'Выплачено',
        'Выплачено',
      ]);
      await noSeriousViolations('deal completed');
      await screenshot(page, 'deal-completed-ru');
      await page.getByLabel('Язык').selectOption('en');
      await shown(page.getByTestId('deal-status').getByText('Completed'));
      await screenshot(page, 'deal-completed');
      await page.getByLabel('Language').selectOption('ru');
      await signOut();
    },
  );

  it('the agent’s payouts list shows their paid shares of the deal and their receipts', BOUNDED, async () => {
    const agentToken = (
      await call('POST', '/v1/auth/login', { body: { email: agent.email, password: PASSWORD } })
    ).body.accessToken as string;
    // The recipients' payouts are a read model of the deal's events: it follows them shortly after. The
    // agent is self-employed, so each payout's tax receipt is registered at the bank after it is paid.
    const deadline = Date.now() + MONEY_MOVES_MS;
    for (;;) {
      const res = await call('GET', '/v1/recipients/me/payouts', { token: agentToken });
      const paid = (res.body?.data ?? []).filter(
        (p: { status: string; receipt: { status: string } | null }) =>
          p.status === 'paid' && p.receipt?.status === 'SUCCESS',
      );
      if (paid.length === 2) break;
      if (Date.now() > deadline)
        assert.fail(`the agent's payouts are not both paid with receipts: ${res.text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const { page } = browser;
    await signIn(agent.email);
    await nav('Профиль выплат').click();
    const rows = page.getByTestId('my-payouts').locator('tbody tr');
    await shown(rows.nth(1));
    assert.equal(await rows.count(), 2);
    const texts = (await rows.allTextContents()).map(plain).sort();
    // The second milestone's 500,00 (the rest after the agency's fixed 100,00) and the first's 60 %.
    assert.match(texts[0] ?? '', new RegExp(`^${TITLE}Задаток240,00 ₽Выплачено`));
    assert.match(texts[1] ?? '', new RegExp(`^${TITLE}Ключи500,00 ₽Выплачено`));
    assert.equal(
      await page.getByTestId('my-payouts').getByTestId('receipt').count(),
      2,
      'each payout shows its receipt',
    );
    await noSeriousViolations('my payouts');
    await screenshot(page, 'payout-profile-payouts-ru');
    await page.getByLabel('Язык').selectOption('en');
    await shown(page.getByTestId('my-payouts').getByText('Paid').first());
    await page.getByLabel('Language').selectOption('ru');
    await signOut();
  });

  it(
    'staff read the event history, the audit’s verdict, the queue and the dead letters',
    BOUNDED,
    async () => {
      const { page } = browser;
      await signIn(admin.email);
      await page.goto(`${gw}/deals/${encodeURIComponent(dealId)}`);
      await page.getByRole('link', { name: 'История событий' }).click();
      await shown(page.getByTestId('events'));
      const types = await page.locator('[data-testid=events] > li strong').allTextContents();
      const names = types.map((s) => s.replace(/^\d+\.\s*/, ''));
      for (const type of [
        'deal.created',
        'deal.submitted',
        'deal.funded',
        'deal.milestone_confirmed',
        'deal.payout_completed',
        'deal.completed',
      ])
        assert.ok(names.includes(type), `${type} in ${names.join(', ')}`);
      assert.equal(names[0], 'deal.created');
      // The self-employed's tax receipts may still come in after the deal completes (deal.receipt_updated).
      assert.ok(
        names.indexOf('deal.completed') > names.lastIndexOf('deal.payout_completed'),
        names.join(', '),
      );
      await noSeriousViolations('events');
      await screenshot(page, 'deal-events-ru');

      await nav('Операции').click();
      await shown(page.getByText('Книга сходится: все проверки пройдены.'));
      await shown(page.getByTestId('queue').or(page.getByText('Ничего не ждёт оператора.')));
      await noSeriousViolations('operator');

      // A difference as reconciliation records one (its job compares with the bank on its own time, and
      // this deal's bank side agrees): the deal's escrow held 1,00 ₽ less at the bank than here.
      const detail = `escrow differs ${run}`;
      await db.pool('deals').query(
        `insert into deals.reconciliation_findings
             (difference_key, kind, subject, deal_id, ours_amount, bank_amount, detail, detected_at, last_seen_at)
           values ($1, 'escrow_balance', $2, $2, 100, 0, $3, now(), now())`,
        [`escrow_balance|${dealId}|${run}`, dealId, detail],
      );
      await nav('Сверка').click();
      await page.getByRole('heading', { name: 'Расхождения сверки' }).waitFor();
      await shown(page.getByTestId('findings').or(page.getByText('Расхождений нет.')));
      // Every finding, open or resolved since: the job may have looked at this deal again meanwhile.
      await page.getByLabel('Статус').selectOption('');
      const row = page.getByTestId('findings').locator('tr', { hasText: detail });
      await shown(row);
      const text = plain(await row.textContent());
      assert.match(text, /Остаток на номинальном счёте/);
      assert.match(text, /1,00 ₽0,00 ₽/);
      assert.equal(await row.getByRole('link').getAttribute('href'), `/deals/${encodeURIComponent(dealId)}`);
      await noSeriousViolations('reconciliation');
      await screenshot(page, 'reconciliation-ru');

      await nav('Недоставленные').click();
      await page.getByRole('heading', { name: 'Недоставленные события' }).waitFor();
      for (const service of ['orders', 'processor', 'webhooks']) {
        await page.getByLabel('Сервис').selectOption(service);
        await shown(page.getByText('Недоставленных событий нет.'));
      }
      await noSeriousViolations('dead letters');
      await signOut();
    },
  );

  it('the payer opens a dispute on a funded deal', BOUNDED, async () => {
    const token = async (email: string) =>
      (await call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } })).body
        .accessToken as string;
    const [agentToken, adminToken] = [await token(agent.email), await token(admin.email)];
    const created = await call('POST', '/v1/deals', {
      token: agentToken,
      body: {
        title: 'Дача',
        payerEmail: payer.email,
        milestones: [
          {
            title: 'Всё',
            amount: 50_000,
            release: { kind: 'payer_confirms' },
            recipients: [{ recipientId: agencyRecipient, share: { percentBp: 10_000 } }],
          },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    disputedId = id;
    assert.equal((await call('POST', `/v1/deals/${id}/submit`, { token: agentToken })).status, 200);
    const dealNow = async () => (await call('GET', `/v1/deals/${id}`, { token: agentToken })).body;
    const until = async (status: string) => {
      const deadline = Date.now() + MONEY_MOVES_MS;
      for (let d = await dealNow(); d.status !== status; d = await dealNow()) {
        if (Date.now() > deadline) assert.fail(`deal ${id} never reached ${status}: ${d.status}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      return dealNow();
    };
    const awaiting = await until('awaiting_payment');
    // The sandbox takes rubles as a JSON number: written as text, like the panel does.
    const paid = await fetch(`${gw}/v1/sandbox/_sim/incoming`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: `{"amount":500.00,"purpose":${JSON.stringify(awaiting.paymentPurpose)}}`,
    });
    assert.equal(paid.status, 201, await paid.text());
    await until('funded');

    const { page } = browser;
    await signIn(payer.email);
    await page.goto(`${gw}/deals/${encodeURIComponent(id)}`);
    await shown(page.getByRole('heading', { name: 'Открыть спор' }));
    await page.getByLabel('Что пошло не так').fill('Ключи не переданы');
    await page.getByRole('button', { name: 'Открыть спор' }).click();
    await shown(page.getByText('Открыт спор: Ключи не переданы'));
    await shown(page.getByTestId('deal-status').getByText('Спор'));
    assert.equal(await page.getByRole('button', { name: 'Подтвердить этап' }).count(), 0, 'releases wait');
    assert.equal(await page.getByRole('heading', { name: 'Решить спор' }).count(), 0, 'staff only');
    await noSeriousViolations('dispute');
    await signOut();
  });

  it(
    'the queue lists the dispute first; an operator refunds part of it; the deal is partially refunded and leaves the queue',
    BOUNDED,
    async () => {
      const { page } = browser;
      await signIn(admin.email);
      await nav('Операции').click();
      // The queue is a read model of the deals' events: the screen is read again until the dispute shows.
      const first = page.getByTestId('queue').locator('li').first();
      const deadline = Date.now() + MONEY_MOVES_MS;
      while ((await first.getAttribute('data-kind', { timeout: 1_000 }).catch(() => null)) !== 'dispute') {
        if (Date.now() > deadline)
          assert.fail(`no dispute first in the queue: ${await page.locator('main').textContent()}`);
        await page.reload();
        await page.getByRole('heading', { name: /Очередь/ }).waitFor();
        await page.getByTestId('queue').or(page.getByText('Ничего не ждёт оператора.')).waitFor();
      }
      assert.match(plain(await first.textContent()), /^Спор ждёт решения — Ключи не переданы/);
      assert.equal(
        await first.getByRole('link').getAttribute('href'),
        `/deals/${encodeURIComponent(disputedId)}`,
      );
      await noSeriousViolations('queue');
      await screenshot(page, 'operator-queue-ru');

      await first.getByRole('link').click();
      await shown(page.getByRole('heading', { name: 'Решить спор' }));
      await page.getByRole('radio', { name: 'Вернуть плательщику часть' }).check();
      await page.getByLabel('Сумма возврата (RUB)').fill('123,456');
      await page.getByRole('button', { name: 'Решить' }).click();
      await shown(page.getByText('Введите положительную сумму, не больше 2 знаков после запятой.'));
      await page.getByLabel('Сумма возврата (RUB)').fill('123,45');
      await noSeriousViolations('resolve dispute');
      await screenshot(page, 'deal-resolve-dispute-ru');
      await page.getByRole('button', { name: 'Решить' }).click();
      await shown(page.getByTestId('deal-status').getByText('Частично возвращена'));
      const facts = plain(await page.locator('main dl').first().textContent());
      assert.match(facts, /Возвращено123,45 ₽/);
      assert.equal(await page.getByRole('heading', { name: 'Решить спор' }).count(), 0);
      const adminToken = (
        await call('POST', '/v1/auth/login', { body: { email: admin.email, password: PASSWORD } })
      ).body.accessToken as string;
      const deal = await call('GET', `/v1/deals/${disputedId}`, { token: adminToken });
      assert.deepEqual(
        [deal.body.status, deal.body.refundedAmount, deal.body.dispute],
        ['partially_refunded', 123_45, null],
      );

      // Resolved, the dispute leaves the queue once the read model has the event.
      const gone = Date.now() + MONEY_MOVES_MS;
      for (;;) {
        const q = await call('GET', '/v1/admin/deals/queue', { token: adminToken });
        const items = (q.body?.data ?? []) as Array<{ dealId: string; kind: string }>;
        if (!items.some((i) => i.dealId === disputedId && i.kind === 'dispute')) break;
        if (Date.now() > gone) assert.fail(`the resolved dispute stays in the queue: ${q.text}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      await nav('Операции').click();
      await page.getByTestId('queue').or(page.getByText('Ничего не ждёт оператора.')).waitFor();
      assert.equal(
        await page
          .locator(
            `[data-testid=queue] li[data-kind=dispute] a[href="/deals/${encodeURIComponent(disputedId)}"]`,
          )
          .count(),
        0,
      );
      await signOut();
    },
  );

  it(
    'a payout to a closed account fails; its recipient saves new bank details; the agent retries it and it is paid',
    BOUNDED,
    async () => {
      const token = async (email: string) =>
        (await call('POST', '/v1/auth/login', { body: { email, password: PASSWORD } })).body
          .accessToken as string;
      const [agentToken, adminToken] = [await token(agent.email), await token(admin.email)];
      // The sandbox bank fails every payout to the agency's account (as to a closed one).
      const faults = await call('PUT', '/v1/sandbox/_sim/faults', {
        token: adminToken,
        body: { failingDetails: [BANK_DETAILS.accountNumber] },
      });
      assert.equal(faults.status, 200, faults.text);
      const created = await call('POST', '/v1/deals', {
        token: agentToken,
        body: {
          title: 'Гараж',
          payerEmail: payer.email,
          milestones: [
            {
              title: 'Сразу',
              amount: 30_000,
              release: { kind: 'immediate' },
              recipients: [{ recipientId: agencyRecipient, share: { percentBp: 10_000 } }],
            },
          ],
        },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id as string;
      assert.equal((await call('POST', `/v1/deals/${id}/submit`, { token: agentToken })).status, 200);
      const until = async (what: string, ok: (d: Deal) => boolean) => {
        const deadline = Date.now() + MONEY_MOVES_MS;
        for (;;) {
          const d = (await call('GET', `/v1/deals/${id}`, { token: agentToken })).body as Deal;
          if (ok(d)) return d;
          if (Date.now() > deadline) assert.fail(`deal ${id} never got to ${what}: ${JSON.stringify(d)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      };
      const awaiting = await until('awaiting_payment', (d) => d.status === 'awaiting_payment');
      const paid = await fetch(`${gw}/v1/sandbox/_sim/incoming`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: `{"amount":300.00,"purpose":${JSON.stringify(awaiting.paymentPurpose)}}`,
      });
      assert.equal(paid.status, 201, await paid.text());
      await until('a failed payout', (d) => d.milestones[0]?.payouts[0]?.status === 'failed');
      assert.equal((await call('DELETE', '/v1/sandbox/_sim/faults', { token: adminToken })).status, 200);

      const { page } = browser;
      await signIn(agency.email);
      await nav('Профиль выплат').click();
      const row = page.getByTestId('my-payouts').locator('tr', { hasText: 'Гараж' });
      await shown(row.getByText('Не выплачено'));
      await shown(page.getByText(/Выплата не прошла: проверьте реквизиты/));
      await page.getByLabel('Номер счёта (20 цифр)').fill(OTHER_BANK_DETAILS.accountNumber);
      await page.getByRole('button', { name: 'Сохранить' }).click();
      await shown(page.getByText('Сохранено.'));
      await noSeriousViolations('failed payout (recipient)');
      await screenshot(page, 'payout-failed-recipient-ru');
      await signOut();

      await signIn(agent.email);
      await page.goto(`${gw}/deals/${encodeURIComponent(id)}`);
      await shown(page.getByTestId('payout-status').getByText('Не выплачено'));
      await noSeriousViolations('failed payout (agent)');
      await page.getByRole('button', { name: 'Повторить выплату' }).click();
      await shown(page.getByTestId('payout-status').getByText('Выплачено'), MONEY_MOVES_MS);
      await shown(page.getByTestId('deal-status').getByText('Завершена'), MONEY_MOVES_MS);
      await signOut();
    },
  );

  it('staff inspect, replay and discard dead letters', BOUNDED, async () => {
    // Two events no processor can understand (no order id), appended as orders itself would.
    const poison = [`evt_${randomUUID()}`, `evt_${randomUUID()}`];
    const orders = db.pool('orders');
    for (const id of poison)
      await orders.query(
        `insert into orders.outbox (event_id, type, subject, envelope) values ($1, 'orders.order.created', 'ord_poison', $2)`,
        [
          id,
          JSON.stringify({
            specversion: '1.0',
            id,
            source: '/strongbox/orders',
            type: 'orders.order.created',
            subject: 'ord_poison',
            time: new Date().toISOString(),
            datacontenttype: 'application/json',
            data: { nonsense: true },
          }),
        ],
      );
    const adminToken = (
      await call('POST', '/v1/auth/login', { body: { email: admin.email, password: PASSWORD } })
    ).body.accessToken as string;
    const deadline = Date.now() + MONEY_MOVES_MS;
    for (;;) {
      const res = await call('GET', '/v1/admin/dead-letters/processor', { token: adminToken });
      const ids = (res.body?.data ?? []).map((d: { eventId: string }) => d.eventId);
      if (poison.every((p) => ids.includes(p))) break;
      if (Date.now() > deadline) assert.fail(`the poison events were not dead-lettered: ${res.text}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const { page } = browser;
    await signIn(admin.email);
    await nav('Недоставленные').click();
    await page.getByRole('heading', { name: 'Недоставленные события' }).waitFor();
    await page.getByLabel('Сервис').selectOption('processor');
    const letter = (id: string) => page.locator('li.card', { hasText: id });
    await shown(letter(poison[0] ?? ''));
    await letter(poison[0] ?? '')
      .getByRole('button', { name: 'Подробнее' })
      .click();
    await shown(letter(poison[0] ?? '').getByText('Событие как было доставлено'));
    assert.match(
      (await letter(poison[0] ?? '')
        .locator('pre')
        .textContent()) ?? '',
      /"nonsense": true/,
    );
    await noSeriousViolations('dead letters');
    await screenshot(page, 'dead-letters-ru');
    await letter(poison[0] ?? '')
      .getByRole('button', { name: 'Повторить' })
      .click();
    await shown(page.getByText('Передано получателю снова.'));
    await letter(poison[1] ?? '')
      .getByRole('button', { name: 'Отбросить' })
      .click();
    await shown(page.getByText('Отброшено (запись сохранена).'));
    // The list is read again: the discarded letter is no longer among the dead ones, but kept as a record.
    await letter(poison[1] ?? '').waitFor({ state: 'detached' });
    const discarded = await call('GET', '/v1/admin/dead-letters/processor?state=discarded', {
      token: adminToken,
    });
    assert.ok(
      (discarded.body.data as Array<{ eventId: string }>).some((d) => d.eventId === poison[1]),
      discarded.text,
    );
    assert.deepEqual(browser.cspViolations, [], 'the build runs under the strict CSP');
  });
});
