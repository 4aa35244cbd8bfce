import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Deal } from '../api/types.ts';
import { useUi } from '../context.ts';
import { useLoad } from '../load.ts';
import { minorToDecimal, parseAmount } from '../money.ts';
import { ActionNote, useAction } from './common.tsx';

/**
 * The bank sandbox's controls, for admins, shown only while the gateway exposes them (the sandbox is the
 * bank: /v1/sandbox/_sim/clock answers). The payer's transfer is filled in from the deal (its amount and
 * purpose) so a whole deal can be walked through by hand; either can be changed to try a wrong payment.
 */
/** What the status line says after each control. */
const SENT_NOTE = {
  transfer: 'sandboxSent',
  tick: 'sandboxTicked',
  down: 'sandboxOutageStarted',
  up: 'sandboxOutageEnded',
} as const;

export function SandboxPanel(props: { deal: Deal; onChanged: () => void }) {
  const [sandbox] = useLoad(() => api.sandboxClock(), []);
  if (sandbox.kind !== 'ok') return null;
  return <Controls deal={props.deal} onChanged={props.onChanged} />;
}

function Controls(props: { deal: Deal; onChanged: () => void }) {
  const { t } = useUi();
  const d = props.deal;
  const [amount, setAmount] = useState(() => minorToDecimal(d.amount, 2).replace('.', ','));
  const [purpose, setPurpose] = useState(d.paymentPurpose);
  const [sent, setSent] = useState<'transfer' | 'tick' | 'down' | 'up' | null>(null);
  const [amountError, setAmountError] = useState(false);
  const transfer = useAction();
  const tick = useAction();
  const outage = useAction();
  const setOutage = (on: boolean) =>
    void outage.run(async () => {
      await api.sandboxOutage(on);
      setSent(on ? 'down' : 'up');
    });
  useEffect(() => setPurpose(d.paymentPurpose), [d.paymentPurpose]);

  const send = (e: Event) => {
    e.preventDefault();
    const minor = parseAmount(amount, 2);
    if (minor === null) {
      setAmountError(true);
      return;
    }
    setAmountError(false);
    void transfer.run(async () => {
      // Rubles as the sandbox takes them (a JSON number), written from kopecks as text.
      await api.sandboxIncoming(minorToDecimal(minor, 2), purpose);
      setSent('transfer');
      props.onChanged();
    });
  };
  return (
    <section class="panel sandbox" aria-labelledby="sandbox-title">
      <h2 id="sandbox-title">{t('sandboxTitle')}</h2>
      <p>{t('sandboxIntro')}</p>
      <form onSubmit={send} noValidate>
        <div class="row">
          <div class="field">
            <label for="sandbox-amount">{t('sandboxAmount')}</label>
            <input
              id="sandbox-amount"
              value={amount}
              inputMode="decimal"
              autoComplete="off"
              aria-invalid={amountError}
              aria-describedby={amountError ? 'sandbox-amount-error' : undefined}
              onInput={(e) => setAmount(e.currentTarget.value)}
            />
            {amountError && (
              <p id="sandbox-amount-error" class="error" role="alert">
                {t('badAmount', { digits: 2 })}
              </p>
            )}
          </div>
          <div class="field grow">
            <label for="sandbox-purpose">{t('sandboxPurpose')}</label>
            <input
              id="sandbox-purpose"
              value={purpose}
              maxLength={210}
              onInput={(e) => setPurpose(e.currentTarget.value)}
            />
          </div>
        </div>
        <ActionNote action={transfer} id="sandbox-transfer" />
        <button type="submit" disabled={transfer.busy}>
          {t('sandboxSend')}
        </button>{' '}
        <button
          type="button"
          class="secondary"
          disabled={tick.busy}
          onClick={() =>
            void tick.run(async () => {
              await api.sandboxTick();
              setSent('tick');
              props.onChanged();
            })
          }
        >
          {t('sandboxTick')}
        </button>
      </form>
      <ActionNote action={tick} id="sandbox-tick" />
      <div class="actions">
        <button type="button" class="secondary" disabled={outage.busy} onClick={() => setOutage(true)}>
          {t('sandboxOutageStart')}
        </button>{' '}
        <button type="button" class="secondary" disabled={outage.busy} onClick={() => setOutage(false)}>
          {t('sandboxOutageEnd')}
        </button>
      </div>
      <ActionNote action={outage} id="sandbox-outage" />
      {sent && (
        <p class="ok" role="status">
          {t(SENT_NOTE[sent])}
        </p>
      )}
    </section>
  );
}
