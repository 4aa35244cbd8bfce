import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, logout, onSessionLost, refresh } from './api/client.ts';
import { isStaff, makeUi, UiContext, useUi, type Viewer, ViewerContext } from './context.ts';
import { initialLang, type Lang, saveLang, translator } from './i18n.ts';
import { navigate, onLinkClick, type Route, useRoute } from './router.ts';
import { AccountScreen } from './screens/account.tsx';
import { AccountsScreen } from './screens/accounts.tsx';
import { LoginScreen, RegisterScreen } from './screens/auth.tsx';
import { DealWizardScreen } from './screens/deal-wizard.tsx';
import { DealScreen, DealsScreen } from './screens/deals.tsx';
import { DeadLettersScreen, DealEventsScreen, OperatorScreen, UsersScreen } from './screens/operator.tsx';
import { OrderScreen, OrdersScreen } from './screens/orders.tsx';
import { PayScreen } from './screens/pay.tsx';
import { ProfileScreen } from './screens/profile.tsx';
import { ReconciliationScreen } from './screens/reconciliation.tsx';
import { SecurityScreen } from './screens/security.tsx';

type Session = 'checking' | 'in' | 'out';
const PUBLIC: ReadonlySet<Route['name']> = new Set(['login', 'register']);

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const ui = useMemo(() => makeUi(lang, translator(lang)), [lang]);
  const route = useRoute();
  const [session, setSession] = useState<Session>('checking');
  const main = useRef<HTMLElement>(null);
  const [viewer, setViewer] = useState<Viewer>({ id: '', roles: [] });
  const { t } = ui;

  // Who is signed in decides which screens the menu offers; each service still checks every call itself.
  useEffect(() => {
    if (session !== 'in') return setViewer({ id: '', roles: [] });
    api.me().then(
      (me) => setViewer({ id: me.id, roles: me.roles }),
      () => setViewer({ id: '', roles: [] }),
    );
  }, [session]);

  // A reload has lost the in-memory access token; the refresh cookie, if any, brings it back.
  useEffect(() => {
    onSessionLost(() => setSession('out'));
    void refresh().then((ok) => setSession(ok ? 'in' : 'out'));
  }, []);
  // Before the paint: the page's lang attribute changes with the words, never a frame after them.
  useLayoutEffect(() => saveLang(lang), [lang]);
  useEffect(() => {
    if (session === 'out' && !PUBLIC.has(route.name)) navigate('/login');
    if (session === 'in' && PUBLIC.has(route.name)) navigate('/');
  }, [session, route.name]);
  // After moving to another screen, focus goes to its heading so screen readers announce it.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  const signOut = async () => {
    await logout();
    setSession('out');
  };

  return (
    <UiContext.Provider value={ui}>
      <ViewerContext.Provider value={viewer}>
        {/* biome-ignore lint/a11y/noStaticElementInteractions: delegates clicks on the links inside */}
        {/* biome-ignore lint/a11y/useKeyWithClickEvents: links keep their own keyboard behaviour */}
        <div class="shell" onClick={onLinkClick}>
          <a class="skip" href="#main">
            {t('skip')}
          </a>
          <header class="top">
            <a class="brand" href="/">
              {t('appName')}
            </a>
            {session === 'in' && (
              <nav aria-label={t('nav')}>
                <ul>
                  <NavLink
                    href="/"
                    current={route.name === 'accounts' || route.name === 'account'}
                    label={t('navAccounts')}
                  />
                  <NavLink href="/pay" current={route.name === 'pay'} label={t('navPay')} />
                  <NavLink
                    href="/orders"
                    current={route.name === 'orders' || route.name === 'order'}
                    label={t('navOrders')}
                  />
                  <NavLink
                    href="/deals"
                    current={['deals', 'deal', 'dealNew', 'dealEvents'].includes(route.name)}
                    label={t('navDeals')}
                  />
                  <NavLink href="/profile" current={route.name === 'profile'} label={t('navProfile')} />
                  <NavLink href="/security" current={route.name === 'security'} label={t('navSecurity')} />
                  {isStaff(viewer) && (
                    <>
                      <NavLink
                        href="/operator"
                        current={route.name === 'operator'}
                        label={t('navOperator')}
                      />
                      <NavLink
                        href="/reconciliation"
                        current={route.name === 'reconciliation'}
                        label={t('navReconciliation')}
                      />
                      <NavLink
                        href="/dead-letters"
                        current={route.name === 'deadLetters'}
                        label={t('navDeadLetters')}
                      />
                    </>
                  )}
                  {viewer.roles.includes('admin') && (
                    <NavLink href="/users" current={route.name === 'users'} label={t('navUsers')} />
                  )}
                </ul>
              </nav>
            )}
            <div class="tools">
              <label class="lang">
                <span class="sr-only">{t('language')}</span>
                <select value={lang} onChange={(e) => setLang((e.currentTarget.value as Lang) ?? 'ru')}>
                  <option value="ru">Русский</option>
                  <option value="en">English</option>
                </select>
              </label>
              {session === 'in' && (
                <button type="button" class="link" onClick={signOut}>
                  {t('logout')}
                </button>
              )}
            </div>
          </header>
          <main id="main" ref={main} tabIndex={-1}>
            <Screen route={route} session={session} onSignedIn={() => setSession('in')} />
          </main>
        </div>
      </ViewerContext.Provider>
    </UiContext.Provider>
  );
}

function NavLink(props: { href: string; current: boolean; label: string }) {
  return (
    <li>
      <a href={props.href} aria-current={props.current ? 'page' : undefined}>
        {props.label}
      </a>
    </li>
  );
}

function Screen(props: { route: Route; session: Session; onSignedIn: () => void }) {
  const { route, session } = props;
  const { t } = useUi();
  if (session === 'checking') return <p role="status">{t('loading')}</p>;
  if (session === 'out') {
    if (route.name === 'register') return <RegisterScreen onSignedIn={props.onSignedIn} />;
    return <LoginScreen onSignedIn={props.onSignedIn} />;
  }
  switch (route.name) {
    case 'accounts':
    case 'login':
    case 'register':
      return <AccountsScreen />;
    case 'account':
      return <AccountScreen id={route.id} />;
    case 'pay':
      return <PayScreen from={route.from} />;
    case 'orders':
      return <OrdersScreen />;
    case 'order':
      return <OrderScreen id={route.id} />;
    case 'deals':
      return <DealsScreen />;
    case 'dealNew':
      return <DealWizardScreen />;
    case 'deal':
      return <DealScreen id={route.id} />;
    case 'dealEvents':
      return <DealEventsScreen id={route.id} />;
    case 'profile':
      return <ProfileScreen />;
    case 'security':
      return <SecurityScreen />;
    case 'operator':
      return <OperatorScreen />;
    case 'deadLetters':
      return <DeadLettersScreen />;
    case 'reconciliation':
      return <ReconciliationScreen />;
    case 'users':
      return <UsersScreen />;
    case 'notFound':
      return <NotFound />;
    default: {
      const unreachable: never = route;
      throw new Error(`unknown route ${JSON.stringify(unreachable)}`);
    }
  }
}

function NotFound() {
  const { t } = useUi();
  return (
    <section>
      <h1 tabIndex={-1}>{t('notFound')}</h1>
      <p>
        <a href="/">{t('toHome')}</a>
      </p>
    </section>
  );
}
