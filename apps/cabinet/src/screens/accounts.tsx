import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Account } from '../api/types.ts';
import { useUi } from '../context.ts';
import { codeOf, useLoad } from '../load.ts';
import { ErrorNote, Show, Title } from './common.tsx';

const CURRENCIES = ['RUB', 'EUR', 'USD', 'JPY'] as const;

export function AccountsScreen() {
  const { t } = useUi();
  const [state, reload] = useLoad(() => api.accounts(), []);
  return (
    <section>
      <Title>{t('accountsTitle')}</Title>
      <Show state={state}>
        {(page) =>
          page.data.length === 0 ? (
            <p>{t('noAccounts')}</p>
          ) : (
            <ul class="cards">
              {page.data.map((a) => (
                <AccountCard key={a.id} account={a} />
              ))}
            </ul>
          )
        }
      </Show>
      <OpenAccount onOpened={reload} />
    </section>
  );
}

function AccountCard(props: { account: Account }) {
  const { t } = useUi();
  const a = props.account;
  return (
    <li class="card">
      <h2>
        <a href={`/accounts/${encodeURIComponent(a.id)}`}>{a.name || a.currency}</a>
      </h2>
      <Balances account={a} />
      <p class="actions">
        <a href={`/pay?from=${encodeURIComponent(a.id)}`}>{t('navPay')}</a>
      </p>
      <p class="muted small">
        <span class="sr-only">{t('accountId')}: </span>
        <code>{a.id}</code>
      </p>
    </li>
  );
}

export function Balances(props: { account: Account }) {
  const { t, money } = useUi();
  const a = props.account;
  return (
    <dl class="balances">
      <div>
        <dt>{t('balance')}</dt>
        <dd data-testid="balance">{money(a.balance, a.currency)}</dd>
      </div>
      <div>
        <dt>{t('held')}</dt>
        <dd>{money(a.held, a.currency)}</dd>
      </div>
      <div>
        <dt>{t('available')}</dt>
        <dd data-testid="available">{money(a.available, a.currency)}</dd>
      </div>
    </dl>
  );
}

function OpenAccount(props: { onOpened: () => void }) {
  const { t } = useUi();
  const [currency, setCurrency] = useState<string>('RUB');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per filled-in form: sending it again (a retry after a lost answer) opens one account; a
  // changed form is another request and gets another key.
  const [key, setKey] = useState(() => crypto.randomUUID());
  useEffect(() => setKey(crypto.randomUUID()), [currency, name]);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api.openAccount(currency, name.trim(), key);
      setKey(crypto.randomUUID());
      setName('');
      setError(null);
      props.onOpened();
    } catch (err) {
      setError(codeOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="open-title">
      <h2 id="open-title">{t('openAccount')}</h2>
      <div class="row">
        <div class="field">
          <label for="open-currency">{t('currency')}</label>
          <select id="open-currency" value={currency} onChange={(e) => setCurrency(e.currentTarget.value)}>
            {CURRENCIES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="open-name">{t('accountName')}</label>
          <input
            id="open-name"
            value={name}
            maxLength={200}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
      </div>
      {error !== null && <ErrorNote code={error} />}
      <button type="submit" disabled={busy}>
        {t('open')}
      </button>
    </form>
  );
}
