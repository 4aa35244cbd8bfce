import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { DEAD_LETTER_SERVICES, type DeadLetter, type UserView } from '../api/types.ts';
import { useUi } from '../context.ts';
import { statusText } from '../i18n.ts';
import { useLoad, usePages } from '../load.ts';
import { navigate } from '../router.ts';
import { ActionNote, More, Show, Title, useAction } from './common.tsx';

/**
 * The operators' home: the queue (GET /v1/admin/deals/queue), the ledger audit's verdict, and a deal
 * opened by its number.
 */
export function OperatorScreen() {
  const { t } = useUi();
  return (
    <section>
      <Title>{t('operatorTitle')}</Title>
      <FindDeal />
      <Queue />
      <AuditVerdict />
    </section>
  );
}

function FindDeal() {
  const { t } = useUi();
  const [id, setId] = useState('');
  return (
    <form
      class="panel narrow"
      aria-labelledby="find-deal-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (id.trim()) navigate(`/deals/${encodeURIComponent(id.trim())}`);
      }}
    >
      <h2 id="find-deal-title">{t('findDeal')}</h2>
      <div class="field">
        <label for="find-deal-id">{t('dealNumber')}</label>
        <input id="find-deal-id" value={id} maxLength={100} onInput={(e) => setId(e.currentTarget.value)} />
      </div>
      <button type="submit">{t('go')}</button>
    </form>
  );
}

/** What waits for a person, oldest first: each item names its kind, why, since when, and its deal. */
function Queue() {
  const { t, date } = useUi();
  const { state, more } = usePages((cursor) => api.queue(cursor), []);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">{t('queueTitle')}</h2>
      <Show state={state}>
        {(items) =>
          items.length === 0 ? (
            <p>{t('queueEmpty')}</p>
          ) : (
            <ol class="timeline" data-testid="queue">
              {items.map((q) => (
                <li key={q.id} data-kind={q.kind}>
                  <strong>{statusText(t, q.kind, 'qk')}</strong> — {q.reason}{' '}
                  <span class="muted small">
                    · {t('since')} <time dateTime={q.since}>{date(q.since)}</time> ·{' '}
                  </span>
                  <a href={`/deals/${encodeURIComponent(q.dealId)}`}>
                    {t('openDealLink')} <code>{q.dealId}</code>
                  </a>
                </li>
              ))}
            </ol>
          )
        }
      </Show>
      <More more={more} />
    </section>
  );
}

function AuditVerdict() {
  const { t, date } = useUi();
  const [state, reload] = useLoad(() => api.audit(), []);
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{t('auditTitle')}</h2>
      <Show state={state}>
        {(a) => (
          <>
            <p class={a.ok ? 'ok' : 'error'} data-testid="audit-verdict">
              <strong>{a.ok ? t('auditOk') : t('auditBad')}</strong>{' '}
              <span class="muted small">{date(a.checkedAt)}</span>
            </p>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('check')}</th>
                    <th scope="col">{t('result')}</th>
                    <th scope="col">{t('offending')}</th>
                  </tr>
                </thead>
                <tbody>
                  {a.checks.map((c) => (
                    <tr key={c.name}>
                      <td>
                        <span title={c.description}>{c.name}</span>
                      </td>
                      <td class={c.ok ? 'ok' : 'error'}>{c.ok ? t('passed') : t('failedCheck')}</td>
                      <td>{c.offending.slice(0, 5).join(', ') || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
      <button type="button" class="secondary" onClick={reload}>
        {t('auditRun')}
      </button>
    </section>
  );
}

/** A deal's full event history, oldest first, exactly as recorded (GET /v1/deals/{id}/events). */
export function DealEventsScreen(props: { id: string }) {
  const { t, date } = useUi();
  const [state] = useLoad(async () => {
    // Every page, so the history is whole: a deal has a few dozen events.
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await api.dealEvents(props.id, cursor);
      all.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }, [props.id]);
  return (
    <section>
      <Title>
        {t('eventsTitle')} · <code>{props.id}</code>
      </Title>
      <Show state={state}>
        {(events) =>
          events.length === 0 ? (
            <p>{t('noEvents')}</p>
          ) : (
            <ol class="events" data-testid="events">
              {events.map((e) => (
                <li key={e.version} class="card">
                  <p>
                    <strong>
                      {e.version}. {e.type}
                    </strong>{' '}
                    <time class="muted small" dateTime={e.recordedAt}>
                      {date(e.recordedAt)}
                    </time>
                  </p>
                  <pre class="json">{JSON.stringify(e.data, null, 2)}</pre>
                  {e.traceId && (
                    <p class="muted small">
                      {t('trace')}: <code>{e.traceId}</code>
                    </p>
                  )}
                </li>
              ))}
            </ol>
          )
        }
      </Show>
      <p>
        <a href={`/deals/${encodeURIComponent(props.id)}`}>{t('back')}</a>
      </p>
    </section>
  );
}

/** Dead letters of each service that keeps them: inspect the event, hand it back, or discard it. */
export function DeadLettersScreen() {
  const { t } = useUi();
  const [service, setService] = useState<string>(DEAD_LETTER_SERVICES[0]);
  const [state, reload] = useLoad(() => api.deadLetters(service), [service]);
  // Kept here, not on the letter: a replayed or discarded letter leaves the list of dead ones at once.
  const [done, setDone] = useState<'replayed' | 'discarded' | null>(null);
  const changed = (what: 'replayed' | 'discarded') => {
    setDone(what);
    reload();
  };
  useEffect(() => setDone(null), [service]);
  return (
    <section>
      <Title>{t('deadLettersTitle')}</Title>
      <div class="field narrow">
        <label for="dl-service">{t('service')}</label>
        <select id="dl-service" value={service} onChange={(e) => setService(e.currentTarget.value)}>
          {DEAD_LETTER_SERVICES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <p class="actions">
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDone(null);
            reload();
          }}
        >
          {t('refresh')}
        </button>
      </p>
      {done && (
        <p class="ok" role="status">
          {t(done)}
        </p>
      )}
      <Show state={state}>
        {(page) =>
          page.data.length === 0 ? (
            <p>{t('noDeadLetters')}</p>
          ) : (
            <ul class="cards single">
              {page.data.map((d) => (
                <DeadLetterItem key={d.id} service={service} letter={d} onChanged={changed} />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function DeadLetterItem(props: {
  service: string;
  letter: DeadLetter;
  onChanged: (what: 'replayed' | 'discarded') => void;
}) {
  const { t, date } = useUi();
  const d = props.letter;
  const [event, setEvent] = useState<unknown>(undefined);
  const action = useAction();
  return (
    <li class="card">
      <h2>{d.eventType}</h2>
      <p class="small">
        <code data-testid="dead-letter-event">{d.eventId}</code>
      </p>
      <p class="small">
        {t('consumer')}: <code>{d.consumer}</code> · {t('reason')}: {d.reason} · {t('attempts')}: {d.attempts}{' '}
        · {date(d.deadLetteredAt)}
      </p>
      <p class="error small">{d.error}</p>
      {event !== undefined && (
        <>
          <h3>{t('theEvent')}</h3>
          <pre class="json">{JSON.stringify(event, null, 2)}</pre>
        </>
      )}
      <ActionNote action={action} id={`dl-${d.id}`} />
      <p class="actions">
        <button
          type="button"
          class="secondary"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => setEvent((await api.deadLetter(props.service, d.id)).event ?? null))
          }
        >
          {t('inspect')}
        </button>{' '}
        <button
          type="button"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await api.replayDeadLetter(props.service, d.id);
              props.onChanged('replayed');
            })
          }
        >
          {t('replay')}
        </button>{' '}
        <button
          type="button"
          class="danger"
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              await api.discardDeadLetter(props.service, d.id);
              props.onChanged('discarded');
            })
          }
        >
          {t('discard')}
        </button>
      </p>
    </li>
  );
}

const ROLES = ['customer', 'agent', 'operator', 'admin'] as const;

/** Users and roles: an admin finds a user by email and replaces their roles (PUT /v1/admin/users/{id}/roles). */
export function UsersScreen() {
  const { t } = useUi();
  const [email, setEmail] = useState('');
  const [user, setUser] = useState<UserView | null>(null);
  const find = useAction();
  return (
    <section>
      <Title>{t('usersTitle')}</Title>
      <form
        class="panel narrow"
        aria-labelledby="find-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          setUser(null);
          void find.run(async () => setUser(await api.findUser(email.trim())));
        }}
      >
        <h2 id="find-user-title">{t('findUser')}</h2>
        <div class="field">
          <label for="find-user-email">{t('email')}</label>
          <input
            id="find-user-email"
            type="email"
            value={email}
            maxLength={254}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </div>
        <ActionNote action={find} id="find-user" />
        <button type="submit" disabled={find.busy}>
          {t('find')}
        </button>
      </form>
      {user && <RolesForm key={user.id} user={user} onSaved={setUser} />}
    </section>
  );
}

function RolesForm(props: { user: UserView; onSaved: (u: UserView) => void }) {
  const { t } = useUi();
  const [roles, setRoles] = useState<ReadonlySet<string>>(new Set(props.user.roles));
  const [saved, setSaved] = useState(false);
  const action = useAction();
  return (
    <form
      class="panel narrow"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void action.run(async () => {
          props.onSaved(await api.setRoles(props.user.id, [...roles]));
          setSaved(true);
        });
      }}
    >
      <fieldset>
        <legend>
          {t('roles')}: {props.user.name} &lt;{props.user.email}&gt;
        </legend>
        {ROLES.map((r) => (
          <label key={r} class="check">
            <input
              type="checkbox"
              checked={roles.has(r)}
              onChange={(e) => {
                const next = new Set(roles);
                if (e.currentTarget.checked) next.add(r);
                else next.delete(r);
                setRoles(next);
              }}
            />{' '}
            {statusText(t, r, 'r')}
          </label>
        ))}
      </fieldset>
      <ActionNote action={action} id="roles" />
      {saved && (
        <p class="ok" role="status">
          {t('rolesSaved')}
        </p>
      )}
      <button type="submit" disabled={action.busy}>
        {t('saveRoles')}
      </button>
    </form>
  );
}
