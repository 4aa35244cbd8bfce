import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { LEGAL_TYPES, type LegalType, type Recipient } from '../api/types.ts';
import { useUi } from '../context.ts';
import { statusText } from '../i18n.ts';
import { useLoad, usePages } from '../load.ts';
import { ActionNote, ErrorNote, Facts, More, Show, Title, useAction } from './common.tsx';
import { PayoutState, ReceiptLink } from './deals.tsx';

/**
 * The payout profile (POST /v1/recipients, GET /v1/recipients/me): where a person's shares are paid, with
 * what the bank made of it, and their payouts with holds and receipts (GET /v1/recipients/me/payouts).
 * Changing the bank details of a saved profile asks for a fresh one-time code (403 step_up_required).
 */
export function ProfileScreen() {
  const { t } = useUi();
  const [state, reload] = useLoad(() => api.myRecipient(), []);
  return (
    <section>
      <Title>{t('profileTitle')}</Title>
      <p>{t('profileIntro')}</p>
      {state.kind === 'loading' && <p role="status">{t('loading')}</p>}
      {state.kind === 'ok' && <ProfileFacts r={state.value} />}
      {state.kind === 'error' && state.status === 404 && <p>{t('noProfile')}</p>}
      {(state.kind === 'ok' || (state.kind === 'error' && state.status === 404)) && (
        <ProfileForm current={state.kind === 'ok' ? state.value : null} onSaved={reload} />
      )}
      {state.kind === 'error' && state.status !== 404 && <ErrorNote code={state.code} />}
      <MyPayouts />
    </section>
  );
}

function ProfileFacts(props: { r: Recipient }) {
  const { t } = useUi();
  const { r } = props;
  const npd =
    r.legalType !== 'self_employed' ? t('npdNotApplicable') : r.npdStatus ? r.npdStatus : t('npdUnknown');
  return (
    <div class="panel">
      <Facts
        items={[
          [t('profileNumber'), <code data-testid="recipient-id">{r.id}</code>],
          [t('legalType'), t(`lt_${r.legalType}` as 'lt_individual')],
          [t('inn'), r.inn],
          [t('atBank'), r.bank.registered ? t('bankRegistered') : t('bankNotRegistered')],
          [t('scoring'), r.bank.scoring ? statusText(t, r.bank.scoring, 'sc') : '—'],
          [t('npdStatus'), <span data-testid="npd-status">{npd}</span>],
        ]}
      />
    </div>
  );
}

function ProfileForm(props: { current: Recipient | null; onSaved: () => void }) {
  const { t } = useUi();
  const c = props.current;
  const [legalType, setLegalType] = useState<LegalType>((c?.legalType as LegalType) ?? 'individual');
  const [name, setName] = useState(c?.name ?? '');
  const [inn, setInn] = useState(c?.inn ?? '');
  const [accountNumber, setAccountNumber] = useState(c?.bankDetails.accountNumber ?? '');
  const [bik, setBik] = useState(c?.bankDetails.bik ?? '');
  const [saved, setSaved] = useState(false);
  const action = useAction();
  const [key, setKey] = useState(() => crypto.randomUUID());
  useEffect(() => setKey(crypto.randomUUID()), [legalType, name, inn, accountNumber, bik]);
  const submit = (e: Event) => {
    e.preventDefault();
    setSaved(false);
    void action.run(async () => {
      await api.saveRecipient(
        {
          legalType,
          name: name.trim(),
          inn: inn.trim(),
          bankDetails: { accountNumber: accountNumber.trim(), bik: bik.trim() },
        },
        key,
      );
      setSaved(true);
      props.onSaved();
    });
  };
  const field = (
    id: string,
    label: string,
    value: string,
    set: (v: string) => void,
    extra: Record<string, unknown> = {},
  ) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        autoComplete="off"
        onInput={(e) => set(e.currentTarget.value)}
        {...extra}
      />
    </div>
  );
  return (
    <form class="panel narrow" onSubmit={submit} aria-labelledby="profile-form-title">
      <h2 id="profile-form-title">{c ? t('save') : t('profileTitle')}</h2>
      <div class="field">
        <label for="profile-legal">{t('legalType')}</label>
        <select
          id="profile-legal"
          value={legalType}
          onChange={(e) => setLegalType(e.currentTarget.value as LegalType)}
        >
          {LEGAL_TYPES.map((l) => (
            <option key={l} value={l}>
              {t(`lt_${l}`)}
            </option>
          ))}
        </select>
      </div>
      {field('profile-name', t('legalName'), name, setName, { maxLength: 300 })}
      <div class="field">
        <label for="profile-inn">{t('inn')}</label>
        <input
          id="profile-inn"
          value={inn}
          inputMode="numeric"
          autoComplete="off"
          maxLength={12}
          aria-describedby="profile-inn-hint"
          onInput={(e) => setInn(e.currentTarget.value)}
        />
        <p id="profile-inn-hint" class="muted small">
          {t('innHint')}
        </p>
      </div>
      {field('profile-account', t('accountNumber'), accountNumber, setAccountNumber, {
        inputMode: 'numeric',
        maxLength: 20,
      })}
      {field('profile-bik', t('bik'), bik, setBik, { inputMode: 'numeric', maxLength: 9 })}
      <ActionNote action={action} id="profile" />
      {saved && (
        <p class="ok" role="status">
          {t('saved')}
        </p>
      )}
      <button type="submit" disabled={action.busy}>
        {t('save')}
      </button>
    </form>
  );
}

/** The caller's shares as a recipient, newest first: their deal, status, why held, and the tax receipt. */
function MyPayouts() {
  const { t, money, date } = useUi();
  const { state, more } = usePages((cursor) => api.myPayouts(cursor), []);
  return (
    <section aria-labelledby="my-payouts-title">
      <h2 id="my-payouts-title">{t('myPayoutsTitle')}</h2>
      <Show state={state}>
        {(payouts) =>
          payouts.length === 0 ? (
            <p>{t('noPayouts')}</p>
          ) : (
            <>
              {payouts.some((p) => p.status === 'failed') && (
                <p class="error" role="status">
                  {t('failedPayoutHint')}
                </p>
              )}
              <div class="table-wrap">
                <table data-testid="my-payouts">
                  <caption class="sr-only">{t('myPayoutsTitle')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('dealTitle')}</th>
                      <th scope="col">{t('milestone')}</th>
                      <th scope="col" class="num">
                        {t('amount')}
                      </th>
                      <th scope="col">{t('status')}</th>
                      <th scope="col">{t('receipt')}</th>
                      <th scope="col">{t('paidAt')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {payouts.map((p) => (
                      <tr key={p.id}>
                        <td>
                          <a href={`/deals/${encodeURIComponent(p.dealId)}`}>{p.dealTitle}</a>
                        </td>
                        <td>{p.milestoneTitle}</td>
                        <td class="num">{money(p.amount, p.currency)}</td>
                        <td>
                          <PayoutState payout={p} receipt={false} />
                        </td>
                        <td>{p.receipt ? <ReceiptLink receipt={p.receipt} /> : '—'}</td>
                        <td>{p.paidAt ? date(p.paidAt) : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </Show>
      <More more={more} />
    </section>
  );
}
