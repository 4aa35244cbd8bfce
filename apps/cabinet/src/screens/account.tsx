import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { Entry } from '../api/types.ts';
import { BalanceChart } from '../chart.tsx';
import { useUi } from '../context.ts';
import { useLoad } from '../load.ts';
import { Balances } from './accounts.tsx';
import { Show, Title } from './common.tsx';

/** One account: its balances, the balance over time and its entries, newest first. */
export function AccountScreen(props: { id: string }) {
  const { t } = useUi();
  const [state] = useLoad(async () => {
    const [account, entries] = await Promise.all([api.account(props.id), api.entries(props.id)]);
    return { account, entries };
  }, [props.id]);
  return (
    <section>
      <Show state={state}>
        {({ account, entries }) => (
          <>
            <Title>
              {t('accountTitle')} {account.name || account.currency}
            </Title>
            <p class="muted small">
              {t('accountId')}: <code>{account.id}</code>
            </p>
            <Balances account={account} />
            <p class="actions">
              <a href={`/pay?from=${encodeURIComponent(account.id)}`}>{t('navPay')}</a>
            </p>
            <h2>{t('chartTitle')}</h2>
            <BalanceChart entries={entries.data} currency={account.currency} />
            <Entries
              id={account.id}
              currency={account.currency}
              first={entries.data}
              next={entries.nextCursor}
            />
          </>
        )}
      </Show>
    </section>
  );
}

function Entries(props: { id: string; currency: string; first: readonly Entry[]; next: string | null }) {
  const { t, money, date } = useUi();
  const [rows, setRows] = useState(props.first);
  const [next, setNext] = useState(props.next);
  const more = async () => {
    if (!next) return;
    const page = await api.entries(props.id, next);
    setRows([...rows, ...page.data]);
    setNext(page.nextCursor);
  };
  return (
    <>
      <h2 id="entries-title">{t('entriesTitle')}</h2>
      <div class="table-wrap">
        <table aria-labelledby="entries-title">
          <thead>
            <tr>
              <th scope="col">{t('date')}</th>
              <th scope="col">{t('direction')}</th>
              <th scope="col" class="num">
                {t('amount')}
              </th>
              <th scope="col" class="num">
                {t('balanceAfter')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((e) => (
              <tr key={e.version} data-transfer={e.transferId}>
                <td>{date(e.createdAt)}</td>
                <td>{e.direction === 'credit' ? t('credit') : t('debit')}</td>
                <td class="num">
                  {e.direction === 'debit' ? '−' : '+'}
                  {money(e.amount, props.currency)}
                </td>
                <td class="num">{money(e.balanceAfter, props.currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button type="button" onClick={more}>
          {t('more')}
        </button>
      )}
    </>
  );
}
