import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Deal, Milestone } from '../api/types.ts';
import { isStaff, useUi, useViewer } from '../context.ts';
import { bpText } from '../deal-form.ts';
import { statusText, type T } from '../i18n.ts';
import { useLoad } from '../load.ts';
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
          <MilestoneItem key={m.id} deal={d} milestone={m} isPayer={isPayer} onChanged={props.onChanged} />
        ))}
      </ol>
      {(isPayer || isAgent) && (d.status === 'funded' || d.status === 'releasing') && d.heldAmount > 0 && (
        <Dispute deal={d} onChanged={props.onChanged} />
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

/** The payer's part: the amount and the purpose to write on the transfer, once the bank has the deal. */
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
  return (
    <section class="panel" aria-labelledby="to-pay-title" data-testid="to-pay">
      <h2 id="to-pay-title">{t('toPayTitle')}</h2>
      <p>{t('toPayIntro')}</p>
      <Facts
        items={[
          [t('toPayAmount'), <strong>{money(d.amount, d.currency)}</strong>],
          [t('paymentPurpose'), <code data-testid="purpose">{d.paymentPurpose}</code>],
          ...(d.bankDealId ? [[t('bankDeal'), <code>{d.bankDealId}</code>] as const] : []),
        ]}
      />
    </section>
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

function MilestoneItem(props: { deal: Deal; milestone: Milestone; isPayer: boolean; onChanged: () => void }) {
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
                  <td data-testid="payout-status">
                    {statusText(t, p.status, 'ps')}
                    {p.failure && <span class="muted"> — {p.failure}</span>}
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
