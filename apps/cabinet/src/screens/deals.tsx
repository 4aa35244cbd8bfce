import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Deal, Milestone, Payout, Receipt, Resolution } from '../api/types.ts';
import { isStaff, useUi, useViewer } from '../context.ts';
import { bpText } from '../deal-form.ts';
import { statusText, type T } from '../i18n.ts';
import { useLoad } from '../load.ts';
import { fractionDigits, parseAmount } from '../money.ts';
import { ActionNote, Facts, Show, Title, useAction } from './common.tsx';
import { SandboxPanel } from './sandbox.tsx';

export const DEAL_STATUSES = [
  'draft',
  'submitted',
  'awaiting_payment',
  'funded',
  'releasing',
  'completed',
  'cancelled',
  'disputed',
  'refunded',
  'partially_refunded',
] as const;
/** While a deal is in one of these, the bank or deals' workers move it on their own: the screen follows. */
const MOVING = new Set(['submitted', 'awaiting_payment', 'funded', 'releasing']);
const FOLLOW_EVERY_MS = 2_000;

export const dealStatus = (t: T, s: string) => statusText(t, s, 'ds');

/** The caller's deals (as agent, as payer, or both), filtered by their part and the deal's status. */
export function DealsScreen() {
  const { t, money, date } = useUi();
  const viewer = useViewer();
  const [role, setRole] = useState<'' | 'agent' | 'payer'>('');
  const [status, setStatus] = useState('');
  const [state] = useLoad(
    () => api.deals({ ...(role ? { role } : {}), ...(status ? { status } : {}) }),
    [role, status],
  );
  return (
    <section>
      <Title>{t('dealsTitle')}</Title>
      {viewer.roles.includes('agent') && (
        <p class="actions">
          <a class="button" href="/deals/new">
            {t('newDeal')}
          </a>
        </p>
      )}
      <div class="row">
        <div class="field">
          <label for="deals-role">{t('filterRole')}</label>
          <select
            id="deals-role"
            value={role}
            onChange={(e) => setRole(e.currentTarget.value as '' | 'agent' | 'payer')}
          >
            <option value="">{t('roleAll')}</option>
            <option value="agent">{t('roleAgent')}</option>
            <option value="payer">{t('rolePayer')}</option>
          </select>
        </div>
        <div class="field">
          <label for="deals-status">{t('filterStatus')}</label>
          <select id="deals-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">{t('statusAll')}</option>
            {DEAL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {dealStatus(t, s)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Show state={state}>
        {(page) =>
          page.data.length === 0 ? (
            <p>{t('noDeals')}</p>
          ) : (
            <ul class="cards">
              {page.data.map((d) => (
                <li key={d.id} class="card">
                  <h2>
                    <a href={`/deals/${encodeURIComponent(d.id)}`}>{d.title}</a>
                  </h2>
                  <p>
                    {money(d.amount, d.currency)} ·{' '}
                    <span class={`status ${d.status}`}>{dealStatus(t, d.status)}</span>
                  </p>
                  <p class="muted small">
                    {d.payerId === viewer.id ? t('rolePayer') : t('roleAgent')} · {date(d.createdAt)}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

/**
 * One deal: what to pay and where (for the payer), its milestones with their payouts, and the actions the
 * viewer may take. While the bank or the workers move it on, it is read again every few seconds.
 */
export function DealScreen(props: { id: string }) {
  const { t } = useUi();
  const [state, reload] = useLoad(() => api.deal(props.id), [props.id]);
  const moving = state.kind === 'ok' && MOVING.has(state.value.status);
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(reload, FOLLOW_EVERY_MS);
    return () => clearInterval(timer);
  }, [moving, reload]);
  return (
    <section>
      {state.kind !== 'ok' && <Title>{t('dealTitle')}</Title>}
      <Show state={state}>{(deal) => <DealView deal={deal} onChanged={reload} />}</Show>
    </section>
  );
}

function DealView(props: { deal: Deal; onChanged: () => void }) {
  const { t, money, date } = useUi();
  const viewer = useViewer();
  const d = props.deal;
  const isPayer = d.payerId === viewer.id;
  const isAgent = d.createdBy === viewer.id;
  return (
    <>
      <Title>
        {t('dealTitle')} {d.title}
      </Title>
      <Facts
        items={[
          [t('status'), <span data-testid="deal-status">{dealStatus(t, d.status)}</span>],
          [t('amount'), money(d.amount, d.currency)],
          [t('heldAmount'), money(d.heldAmount, d.currency)],
          ...(d.refundedAmount > 0 ? [[t('refunded'), money(d.refundedAmount, d.currency)] as const] : []),
          [t('created'), date(d.createdAt)],
        ]}
      />
      {d.dispute && (
        <p class="error" role="status">
          {t('disputeOpen', { reason: d.dispute.reason })}
        </p>
      )}
      {isPayer && <ToPay deal={d} />}
      {isAgent && d.status === 'draft' && <SubmitDeal deal={d} onChanged={props.onChanged} />}
      {viewer.roles.includes('admin') && <SandboxPanel deal={d} onChanged={props.onChanged} />}
      <h2>{t('milestones')}</h2>
      <ol class="milestones">
        {d.milestones.map((m) => (
          <MilestoneItem
            key={m.id}
            deal={d}
            milestone={m}
            isPayer={isPayer}
            isAgent={isAgent}
            onChanged={props.onChanged}
          />
        ))}
      </ol>
      {(isPayer || isAgent) && (d.status === 'funded' || d.status === 'releasing') && d.heldAmount > 0 && (
        <Dispute deal={d} onChanged={props.onChanged} />
      )}
      {isStaff(viewer) && d.status === 'disputed' && d.dispute && (
        <ResolveDispute key={d.dispute.id} deal={d} disputeId={d.dispute.id} onChanged={props.onChanged} />
      )}
      <p class="actions">
        {(isStaff(viewer) || isPayer || isAgent) && (
          <>
            <a href={`/deals/${encodeURIComponent(d.id)}/events`}>{t('eventsLink')}</a> ·{' '}
          </>
        )}
        <a href="/deals">{t('back')}</a>
      </p>
    </>
  );
}

/**
 * The payer's part: the amount, the account to transfer it to (payTo, present while the deal awaits
 * payment) and the purpose to write on the transfer, once the bank has the deal.
 */
function ToPay(props: { deal: Deal }) {
  const { t, money } = useUi();
  const d = props.deal;
  if (d.status === 'draft' || d.status === 'submitted')
    return (
      <p class="panel" role="status">
        {t('notAtBankYet')}
      </p>
    );
  if (d.status !== 'awaiting_payment') return <p class="ok">{t('paidIn')}</p>;
  const p = d.payTo;
  const copyable = (label: string, value: string, testId?: string) =>
    [
      label,
      <>
        <code data-testid={testId}>{value}</code> <CopyButton what={label} value={value} />
      </>,
    ] as const;
  return (
    <section class="panel" aria-labelledby="to-pay-title" data-testid="to-pay">
      <h2 id="to-pay-title">{t('toPayTitle')}</h2>
      <p>{t('toPayIntro')}</p>
      <Facts
        items={[
          [t('toPayAmount'), <strong>{money(p?.amount ?? d.amount, d.currency)}</strong>],
          ...(p?.payeeName ? [[t('payToPayee'), p.payeeName] as const] : []),
          ...(p?.payeeInn ? [[t('payToInn'), <code>{p.payeeInn}</code>] as const] : []),
          ...(p?.bankName ? [[t('payToBank'), p.bankName] as const] : []),
          ...(p ? [copyable(t('payToAccount'), p.accountNumber, 'pay-to-account')] : []),
          ...(p?.bik ? [copyable(t('payToBik'), p.bik, 'pay-to-bik')] : []),
          copyable(t('paymentPurpose'), p?.purpose ?? d.paymentPurpose, 'purpose'),
          ...(d.bankDealId ? [[t('bankDeal'), <code>{d.bankDealId}</code>] as const] : []),
        ]}
      />
    </section>
  );
}

/** Copies one payment detail, so it reaches the payer's bank app without a typo. */
function CopyButton(props: { what: string; value: string }) {
  const { t } = useUi();
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="link small"
      aria-label={t('copy', { what: props.what })}
      onClick={() =>
        void navigator.clipboard?.writeText(props.value).then(
          () => setDone(true),
          () => setDone(false),
        )
      }
    >
      {done ? t('copied') : t('copyShort')}
    </button>
  );
}

function SubmitDeal(props: { deal: Deal; onChanged: () => void }) {
  const { t } = useUi();
  const action = useAction();
  const [key] = useState(() => crypto.randomUUID());
  return (
    <div class="actions">
      <ActionNote action={action} id="submit" />
      <button
        type="button"
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await api.submitDeal(props.deal.id, key);
            props.onChanged();
          })
        }
      >
        {t('submit')}
      </button>
    </div>
  );
}

export function releaseText(t: T, date: (iso: string) => string, r: Milestone['release']): string {
  if (r.kind === 'hold_hours') return t('rel_hold_hours', { hours: r.hours ?? '' });
  if (r.kind === 'on_date') return t('rel_on_date', { date: r.at ? date(r.at) : '' });
  if (r.kind === 'immediate' || r.kind === 'payer_confirms') return t(`rel_${r.kind}`);
  return r.kind;
}

function MilestoneItem(props: {
  deal: Deal;
  milestone: Milestone;
  isPayer: boolean;
  isAgent: boolean;
  onChanged: () => void;
}) {
  const { t, money, date } = useUi();
  const { deal, milestone: m } = props;
  const action = useAction();
  const [key] = useState(() => crypto.randomUUID());
  const confirmable =
    props.isPayer &&
    m.release.kind === 'payer_confirms' &&
    m.status === 'pending' &&
    (deal.status === 'funded' || deal.status === 'releasing');
  const rule = (recipientId: string) => m.rules.find((r) => r.recipientId === recipientId);
  return (
    <li class="card" data-testid="milestone">
      <h3>{m.title}</h3>
      <Facts
        items={[
          [t('amount'), money(m.amount, deal.currency)],
          [t('release'), releaseText(t, date, m.release)],
          [t('status'), <span data-testid="milestone-status">{statusText(t, m.status, 'ms')}</span>],
        ]}
      />
      <div class="table-wrap">
        <table>
          <caption class="sr-only">
            {t('payouts')} · {m.title}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t('recipient')}</th>
              <th scope="col">{t('shareKind')}</th>
              <th scope="col" class="num">
                {t('amount')}
              </th>
              <th scope="col">{t('payout')}</th>
            </tr>
          </thead>
          <tbody>
            {m.payouts.map((p) => {
              const share = rule(p.recipientId)?.share;
              return (
                <tr key={p.id}>
                  <td>
                    <code>{p.recipientId}</code>
                  </td>
                  <td>
                    {share && 'percentBp' in share
                      ? `${bpText(share.percentBp)} %`
                      : share
                        ? money(share.fixed, deal.currency)
                        : ''}
                  </td>
                  <td class="num">{money(p.amount, deal.currency)}</td>
                  <td>
                    <PayoutState payout={p} />
                    {props.isAgent && p.status === 'failed' && (
                      <RetryPayout deal={deal} payoutId={p.id} onChanged={props.onChanged} />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {confirmable && (
        <div class="actions">
          <ActionNote action={action} id={`confirm-${m.id}`} />
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              void action.run(async () => {
                await api.confirmMilestone(deal.id, m.id, key);
                props.onChanged();
              })
            }
          >
            {t('confirm')}
          </button>
        </div>
      )}
    </li>
  );
}

function Dispute(props: { deal: Deal; onChanged: () => void }) {
  const { t } = useUi();
  const [reason, setReason] = useState('');
  const action = useAction();
  const [key, setKey] = useState(() => crypto.randomUUID());
  useEffect(() => setKey(crypto.randomUUID()), [reason]);
  const submit = (e: Event) => {
    e.preventDefault();
    if (!reason.trim()) return;
    void action.run(async () => {
      await api.openDispute(props.deal.id, reason.trim(), key);
      props.onChanged();
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="dispute-title">
      <h2 id="dispute-title">{t('disputeTitle')}</h2>
      <div class="field">
        <label for="dispute-reason">{t('disputeReason')}</label>
        <textarea
          id="dispute-reason"
          value={reason}
          maxLength={2000}
          rows={3}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </div>
      <ActionNote action={action} id="dispute" />
      <button type="submit" disabled={action.busy || !reason.trim()}>
        {t('disputeSend')}
      </button>
    </form>
  );
}

/** A payout's status, with why it is held or failed, and (unless told not to) its tax receipt. */
export function PayoutState(props: {
  payout: Pick<Payout, 'status' | 'failure' | 'hold' | 'receipt'>;
  receipt?: boolean;
}) {
  const { t } = useUi();
  const p = props.payout;
  return (
    <>
      <span data-testid="payout-status">{statusText(t, p.status, 'ps')}</span>
      {p.hold && (
        <span class="muted small" data-testid="payout-hold">
          {' '}
          — {statusText(t, p.hold.reason, 'hold')}
        </span>
      )}
      {p.failure && <span class="muted small"> — {p.failure}</span>}
      {p.receipt && props.receipt !== false && (
        <div class="small">
          <ReceiptLink receipt={p.receipt} />
        </div>
      )}
    </>
  );
}

/** The receipt's status in words, a link to the receipt itself when the tax service gave one. */
export function ReceiptLink(props: { receipt: Receipt }) {
  const { t } = useUi();
  const r = props.receipt;
  const text = `${statusText(t, r.status, 'rc')}${r.receiptNumber ? ` № ${r.receiptNumber}` : ''}`;
  return r.link && /^https?:\/\//.test(r.link) ? (
    <a href={r.link} target="_blank" rel="noreferrer" data-testid="receipt">
      {text}
    </a>
  ) : (
    <span data-testid="receipt">{text}</span>
  );
}

/** The agent asks for a failed payout again, once its recipient has corrected their bank details. */
function RetryPayout(props: { deal: Deal; payoutId: string; onChanged: () => void }) {
  const { t } = useUi();
  const action = useAction();
  const [key] = useState(() => crypto.randomUUID());
  return (
    <div class="actions">
      <ActionNote action={action} id={`retry-${props.payoutId}`} />
      <button
        type="button"
        class="secondary"
        disabled={action.busy}
        onClick={() =>
          void action.run(async () => {
            await api.retryPayout(props.deal.id, props.payoutId, key);
            props.onChanged();
          })
        }
      >
        {t('retryPayout')}
      </button>
    </div>
  );
}

const OUTCOMES = ['release', 'full_refund', 'partial_refund'] as const;
type Outcome = (typeof OUTCOMES)[number];

/**
 * Staff close the dispute: release, refund all that is held, or refund an amount typed in rubles (parsed
 * as text into minor units). The service asks for a fresh one-time code first (403 step_up_required).
 */
function ResolveDispute(props: { deal: Deal; disputeId: string; onChanged: () => void }) {
  const { t, money } = useUi();
  const d = props.deal;
  const [outcome, setOutcome] = useState<Outcome>('release');
  const [amount, setAmount] = useState('');
  const [bad, setBad] = useState(false);
  const action = useAction();
  const [key, setKey] = useState(() => crypto.randomUUID());
  useEffect(() => setKey(crypto.randomUUID()), [outcome, amount]);
  const digits = fractionDigits(d.currency);
  const submit = (e: Event) => {
    e.preventDefault();
    const minor = outcome === 'partial_refund' ? parseAmount(amount, digits) : null;
    setBad(outcome === 'partial_refund' && minor === null);
    if (outcome === 'partial_refund' && minor === null) return;
    const resolution =
      // The API takes integers up to 2^53 - 1; parseAmount's text stays exact up to there.
      minor === null ? { outcome: outcome as 'release' | 'full_refund' } : { outcome, amount: Number(minor) };
    void action.run(async () => {
      await api.resolveDispute(d.id, props.disputeId, resolution as Resolution, key);
      props.onChanged();
    });
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="resolve-title">
      <h2 id="resolve-title">{t('resolveTitle')}</h2>
      <p class="muted small">
        {t('heldAmount')}: {money(d.heldAmount, d.currency)}
      </p>
      <fieldset>
        <legend>{t('outcome')}</legend>
        {OUTCOMES.map((o) => (
          <label key={o} class="check">
            <input
              type="radio"
              name="outcome"
              value={o}
              checked={outcome === o}
              onChange={() => setOutcome(o)}
            />{' '}
            {t(`oc_${o}`)}
          </label>
        ))}
      </fieldset>
      {outcome === 'partial_refund' && (
        <div class="field">
          <label for="refund-amount">{t('refundAmount')}</label>
          <input
            id="refund-amount"
            value={amount}
            inputMode="decimal"
            autoComplete="off"
            maxLength={40}
            aria-invalid={bad}
            aria-describedby={bad ? 'refund-amount-error' : undefined}
            onInput={(e) => {
              setAmount(e.currentTarget.value);
              setBad(false);
            }}
          />
          {bad && (
            <p id="refund-amount-error" class="error" role="alert">
              {t('badAmount', { digits })}
            </p>
          )}
        </div>
      )}
      <ActionNote action={action} id="resolve" />
      <button type="submit" disabled={action.busy}>
        {t('resolveSend')}
      </button>
    </form>
  );
}
