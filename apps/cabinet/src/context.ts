import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Lang, T } from './i18n.ts';
import { formatMoney, type Minor } from './money.ts';

export interface Ui {
  readonly lang: Lang;
  readonly t: T;
  readonly money: (amountMinor: Minor, currency: string) => string;
  readonly date: (iso: string) => string;
}

export function makeUi(lang: Lang, t: T): Ui {
  const locale = lang === 'ru' ? 'ru-RU' : 'en-GB';
  const df = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return { lang, t, money: (a, c) => formatMoney(a, c, locale), date: (iso) => df.format(new Date(iso)) };
}

export const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('useUi outside UiContext');
  return ui;
}

/** The signed-in user (GET /v1/me): which screens and actions to offer. The services decide what is allowed. */
export interface Viewer {
  readonly id: string;
  readonly roles: readonly string[];
}
export const ViewerContext = createContext<Viewer>({ id: '', roles: [] });
export const useViewer = (): Viewer => useContext(ViewerContext);
export const isStaff = (v: Viewer) => v.roles.includes('operator') || v.roles.includes('admin');
