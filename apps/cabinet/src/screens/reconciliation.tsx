import { useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { FindingSide } from '../api/types.ts';
import { useUi } from '../context.ts';
import { statusText } from '../i18n.ts';
import { usePages } from '../load.ts';
import { More, Show, Title } from './common.tsx';

type Filter = '' | 'open' | 'resolved';

/**
 * Reconciliation's findings (GET /v1/admin/reconciliation): where the bank and deals disagree on a deal's
 * status or a balance, newest first, open ones or resolved ones, a page at a time.
 */
export function ReconciliationScreen() {
  const { t, money, date } = useUi();
  const [status, setStatus] = useState<Filter>('open');
  const { state, more } = usePages((cursor) => api.findings(status || undefined, cursor), [status]);
  // Balances are RUB minor units (the deals are in rubles); a status is the code each side uses.
  const side = (s: FindingSide) => ('amount' in s ? money(s.amount, 'RUB') : <code>{s.status}</code>);
  return (
    <section>
      <Title>{t('reconciliationTitle')}</Title>
      <p>{t('reconciliationIntro')}</p>
      <div class="field narrow">
        <label for="findings-status">{t('filterStatus')}</label>
        <select
          id="findings-status"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value as Filter)}
        >
          <option value="open">{t('findingsOpen')}</option>
          <option value="resolved">{t('findingsResolved')}</option>
          <option value="">{t('statusAll')}</option>
        </select>
      </div>
      <Show state={state}>
        {(findings) =>
          findings.length === 0 ? (
            <p>{t('noFindings')}</p>
          ) : (
            <div class="table-wrap">
              <table data-testid="findings">
                <caption class="sr-only">{t('reconciliationTitle')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('detected')}</th>
                    <th scope="col">{t('findingKind')}</th>
                    <th scope="col">{t('subject')}</th>
                    <th scope="col">{t('ours')}</th>
                    <th scope="col">{t('atTheBank')}</th>
                    <th scope="col">{t('status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {findings.map((f) => (
                    <tr key={f.id}>
                      <td>{date(f.detectedAt)}</td>
                      <td>
                        {statusText(t, f.kind, 'fk')}
                        <div class="muted small">{f.detail}</div>
                      </td>
                      <td>
                        {f.dealId ? (
                          <a href={`/deals/${encodeURIComponent(f.dealId)}`}>
                            <code>{f.dealId}</code>
                          </a>
                        ) : (
                          <code>{f.subject}</code>
                        )}
                      </td>
                      <td>{side(f.ours)}</td>
                      <td>{side(f.bank)}</td>
                      <td>
                        {statusText(t, f.status, 'fs')}
                        <div class="muted small">
                          {f.resolvedAt ? date(f.resolvedAt) : `${t('lastSeen')}: ${date(f.lastSeenAt)}`}
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Show>
      <More more={more} />
    </section>
  );
}
