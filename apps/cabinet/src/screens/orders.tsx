import { api } from '../api/client.ts';
import { useUi } from '../context.ts';
import { statusText } from '../i18n.ts';
import { useLoad } from '../load.ts';
import { Show, Title } from './common.tsx';

export function OrdersScreen() {
  const { t, money, date } = useUi();
  const [state] = useLoad(() => api.orders(), []);
  return (
    <section>
      <Title>{t('ordersTitle')}</Title>
      <Show state={state}>
        {(page) =>
          page.data.length === 0 ? (
            <p>{t('noOrders')}</p>
          ) : (
            <ul class="cards">
              {page.data.map((o) => (
                <li key={o.id} class="card">
                  <h2>
                    <a href={`/orders/${encodeURIComponent(o.id)}`}>{o.description || o.id}</a>
                  </h2>
                  <p>
                    {money(o.amount, o.currency)} ·{' '}
                    <span class={`status ${o.status}`}>{statusText(t, o.status)}</span>
                  </p>
                  <p class="muted small">{date(o.createdAt)}</p>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

/** One order with its timeline: every status it went through, when, and why where there is a reason. */
export function OrderScreen(props: { id: string }) {
  const { t, money, date } = useUi();
  const [state] = useLoad(() => api.order(props.id), [props.id]);
  return (
    <section>
      <Show state={state}>
        {(o) => (
          <>
            <Title>
              {t('orderTitle')} {o.description || o.id}
            </Title>
            <dl class="balances">
              <div>
                <dt>{t('amount')}</dt>
                <dd>{money(o.amount, o.currency)}</dd>
              </div>
              <div>
                <dt>{t('status')}</dt>
                <dd>{statusText(t, o.status)}</dd>
              </div>
              <div>
                <dt>{t('created')}</dt>
                <dd>{date(o.createdAt)}</dd>
              </div>
            </dl>
            <h2>{t('timeline')}</h2>
            <ol class="timeline">
              {o.history.map((h) => (
                <li key={`${h.status}-${h.at}`}>
                  <strong>{statusText(t, h.status)}</strong> <time dateTime={h.at}>{date(h.at)}</time>
                  {h.reason && <span class="muted"> — {h.reason}</span>}
                </li>
              ))}
            </ol>
            <p>
              <a href="/orders">{t('back')}</a>
            </p>
          </>
        )}
      </Show>
    </section>
  );
}
