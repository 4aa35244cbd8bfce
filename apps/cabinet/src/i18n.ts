/**
 * The cabinet's two languages. Russian is the default; the choice is kept in localStorage (it is no
 * secret) so a reload keeps it. Every visible string goes through `t`, and a missing key fails to compile.
 */
export const LANGS = ['ru', 'en'] as const;
export type Lang = (typeof LANGS)[number];

const en = {
  appName: 'Strongbox',
  skip: 'Skip to content',
  nav: 'Main menu',
  navAccounts: 'Accounts',
  navPay: 'Pay',
  navOrders: 'Orders',
  language: 'Language',
  logout: 'Sign out',
  loading: 'Loading…',
  loginTitle: 'Sign in',
  registerTitle: 'Create an account',
  email: 'Email',
  password: 'Password',
  name: 'Your name',
  totpCode: 'One-time code from your authenticator app',
  totpNeeded: 'Enter the one-time code from your authenticator app.',
  signIn: 'Sign in',
  signUp: 'Create account',
  toRegister: 'No account yet? Create one',
  toLogin: 'Already registered? Sign in',
  accountsTitle: 'Your accounts',
  noAccounts: 'You have no accounts yet.',
  openAccount: 'Open an account',
  currency: 'Currency',
  accountName: 'Account name',
  open: 'Open',
  balance: 'Balance',
  held: 'Held',
  available: 'Available',
  history: 'History',
  accountTitle: 'Account',
  accountId: 'Account number',
  chartTitle: 'Balance over time',
  chartEmpty: 'No movements yet.',
  entriesTitle: 'Entries',
  date: 'Date',
  direction: 'Direction',
  amount: 'Amount',
  balanceAfter: 'Balance after',
  credit: 'In',
  debit: 'Out',
  more: 'Show more',
  payTitle: 'Pay',
  fromAccount: 'From account',
  toAccount: 'To account number',
  description: 'Description (optional)',
  send: 'Send',
  paid: 'Payment sent.',
  seeHistory: 'See the history',
  badAmount: 'Enter a positive amount with at most {digits} digits after the separator.',
  ordersTitle: 'Your orders',
  noOrders: 'You have no orders yet.',
  orderTitle: 'Order',
  status: 'Status',
  created: 'Created',
  timeline: 'Timeline',
  back: 'Back',
  notFound: 'Nothing here.',
  toHome: 'Go to your accounts',
  st_pending: 'Created',
  st_reserved: 'Money held',
  st_processing: 'Processing',
  st_completed: 'Completed',
  st_failed: 'Failed',
  st_cancelled: 'Cancelled',
  st_rejected: 'Rejected',
  // Errors by the API's stable codes, with a general fallback.
  error: 'Something went wrong. Try again.',
  err_invalid_credentials: 'The email or the password is wrong.',
  err_email_taken: 'This email is already registered.',
  err_weak_password: 'The password is too weak: use at least 12 characters.',
  err_too_many_attempts: 'Too many attempts. Try again later.',
  err_insufficient_funds: 'Not enough money on the account.',
  err_account_not_found: 'No such account.',
  err_invalid_totp: 'The one-time code is wrong.',
  err_validation_failed: 'Some fields are not valid.',
  err_rate_limited: 'Too many requests. Wait a moment.',
};
export type Key = keyof typeof en;

const ru: Record<Key, string> = {
  appName: 'Strongbox',
  skip: 'Перейти к содержимому',
  nav: 'Главное меню',
  navAccounts: 'Счета',
  navPay: 'Оплатить',
  navOrders: 'Заказы',
  language: 'Язык',
  logout: 'Выйти',
  loading: 'Загрузка…',
  loginTitle: 'Вход',
  registerTitle: 'Регистрация',
  email: 'Эл. почта',
  password: 'Пароль',
  name: 'Ваше имя',
  totpCode: 'Одноразовый код из приложения-аутентификатора',
  totpNeeded: 'Введите одноразовый код из приложения-аутентификатора.',
  signIn: 'Войти',
  signUp: 'Зарегистрироваться',
  toRegister: 'Нет учётной записи? Зарегистрируйтесь',
  toLogin: 'Уже зарегистрированы? Войдите',
  accountsTitle: 'Ваши счета',
  noAccounts: 'У вас пока нет счетов.',
  openAccount: 'Открыть счёт',
  currency: 'Валюта',
  accountName: 'Название счёта',
  open: 'Открыть',
  balance: 'Баланс',
  held: 'Заморожено',
  available: 'Доступно',
  history: 'История',
  accountTitle: 'Счёт',
  accountId: 'Номер счёта',
  chartTitle: 'Баланс во времени',
  chartEmpty: 'Движений пока нет.',
  entriesTitle: 'Проводки',
  date: 'Дата',
  direction: 'Направление',
  amount: 'Сумма',
  balanceAfter: 'Баланс после',
  credit: 'Приход',
  debit: 'Расход',
  more: 'Показать ещё',
  payTitle: 'Оплата',
  fromAccount: 'Со счёта',
  toAccount: 'Номер счёта получателя',
  description: 'Назначение (необязательно)',
  send: 'Отправить',
  paid: 'Платёж отправлен.',
  seeHistory: 'Посмотреть историю',
  badAmount: 'Введите положительную сумму, не больше {digits} знаков после запятой.',
  ordersTitle: 'Ваши заказы',
  noOrders: 'У вас пока нет заказов.',
  orderTitle: 'Заказ',
  status: 'Статус',
  created: 'Создан',
  timeline: 'Ход заказа',
  back: 'Назад',
  notFound: 'Здесь ничего нет.',
  toHome: 'К вашим счетам',
  st_pending: 'Создан',
  st_reserved: 'Деньги заморожены',
  st_processing: 'Выполняется',
  st_completed: 'Выполнен',
  st_failed: 'Не выполнен',
  st_cancelled: 'Отменён',
  st_rejected: 'Отклонён',
  error: 'Что-то пошло не так. Попробуйте ещё раз.',
  err_invalid_credentials: 'Неверная эл. почта или пароль.',
  err_email_taken: 'Эта эл. почта уже зарегистрирована.',
  err_weak_password: 'Слишком простой пароль: не меньше 12 символов.',
  err_too_many_attempts: 'Слишком много попыток. Попробуйте позже.',
  err_insufficient_funds: 'Недостаточно средств на счёте.',
  err_account_not_found: 'Такого счёта нет.',
  err_invalid_totp: 'Неверный одноразовый код.',
  err_validation_failed: 'Некоторые поля заполнены неверно.',
  err_rate_limited: 'Слишком много запросов. Подождите немного.',
};

const DICTS: Record<Lang, Record<Key, string>> = { en, ru };
const STORAGE_KEY = 'strongbox.lang';

export function initialLang(): Lang {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  return saved === 'en' || saved === 'ru' ? saved : 'ru';
}

export function saveLang(lang: Lang): void {
  globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

export type T = (key: Key, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): T {
  const dict = DICTS[lang];
  return (key, vars) => dict[key].replace(/\{(\w+)\}/g, (_m, name: string) => String(vars?.[name] ?? ''));
}

/** An order's status in words, or the code itself for a status this build does not know. */
export function statusText(t: T, status: string): string {
  const key = `st_${status}` as Key;
  return key in en ? t(key) : status;
}

/** The message for an API error code, or the general one. */
export function errorText(t: T, code: string | undefined): string {
  const key = `err_${code ?? ''}` as Key;
  return key in en ? t(key) : t('error');
}
