import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useUi } from '../context.ts';
import { codeOf, useLoad } from '../load.ts';
import { fractionDigits, parseAmount } from '../money.ts';
import { ErrorNote, Show, Title } from './common.tsx';

/** The API's largest amount; beyond it a Number would no longer hold the minor units exactly. */
const AMOUNT_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A payment from one of the customer's accounts to any account number. The Idempotency-Key is made
 * once per filled-in form, so a retried or double-clicked send moves the money once.
 */
export function PayScreen(props: { from?: string | undefined }) {
  const { t } = useUi();
  const [state] = useLoad(() => api.accounts(), []);
  return (
    <section class="narrow">
      <Title>{t('payTitle')}</Title>
      <Show state={state}>{(page) => <PayForm accounts={page.data} from={props.from} />}</Show>
    </section>
  );
}

function PayForm(props: {
  accounts: readonly { id: string; name: string; currency: string }[];
  from?: string | undefined;
}) {
  const { t } = useUi();
  const [from, setFrom] = useState(props.from ?? props.accounts[0]?.id ?? '');
  const [to, setTo] = useState('');
  const [amount, setAmount] = useState('');
  const [description, setDescription] = useState('');
  const [key, setKey] = useState(() => crypto.randomUUID());
  // The same form sent again keeps its key (the money moves once); a changed one is a new payment, and
  // reusing the key for it would be refused as idempotency_key_reused.
  useEffect(() => setKey(crypto.randomUUID()), [from, to, amount, description]);
  const [error, setError] = useState<string | undefined | null>(null);
  const [amountError, setAmountError] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const account = props.accounts.find((a) => a.id === from);
  const digits = account ? fractionDigits(account.currency) : 2;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!account) return;
    const amountMinor = parseAmount(amount, digits);
    if (amountMinor === null || amountMinor > AMOUNT_MAX) {
      setAmountError(true);
      return;
    }
    setAmountError(false);
    setBusy(true);
    try {
      await api.transfer({ from, to: to.trim(), amountMinor, currency: account.currency, description }, key);
      setDone(from);
      setError(null);
      setAmount('');
      setTo('');
      setDescription('');
    } catch (err) {
      setError(codeOf(err));
      setDone(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate>
      <div class="field">
        <label for="pay-from">{t('fromAccount')}</label>
        <select id="pay-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
          {props.accounts.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name || a.currency} · {a.currency}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="pay-to">{t('toAccount')}</label>
        <input
          id="pay-to"
          value={to}
          required
          maxLength={100}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="pay-amount">
          {t('amount')} {account ? `(${account.currency})` : ''}
        </label>
        <input
          id="pay-amount"
          value={amount}
          required
          inputMode="decimal"
          autoComplete="off"
          aria-invalid={amountError}
          aria-describedby={amountError ? 'pay-amount-error' : undefined}
          onInput={(e) => {
            // A new amount is judged when it is sent; the old complaint would only mislead until then.
            setAmount(e.currentTarget.value);
            setAmountError(false);
          }}
        />
        {amountError && (
          <p id="pay-amount-error" class="error" role="alert">
            {t('badAmount', { digits })}
          </p>
        )}
      </div>
      <div class="field">
        <label for="pay-description">{t('description')}</label>
        <input
          id="pay-description"
          value={description}
          maxLength={500}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </div>
      {error !== null && <ErrorNote code={error} />}
      {done && (
        <p class="ok" role="status">
          {t('paid')} <a href={`/accounts/${encodeURIComponent(done)}`}>{t('seeHistory')}</a>
        </p>
      )}
      <button type="submit" disabled={busy || !account}>
        {t('send')}
      </button>
    </form>
  );
}
