import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import type { NewMilestone } from '../api/types.ts';
import { useUi } from '../context.ts';
import {
  bpText,
  buildMilestone,
  emptyMilestone,
  emptyRecipient,
  type FieldError,
  type MilestoneRow,
  type PreviewLine,
  previewLines,
  RELEASE_KINDS,
  type RecipientRow,
  type ReleaseKind,
} from '../deal-form.ts';
import type { Key } from '../i18n.ts';
import { codeOf } from '../load.ts';
import { navigate } from '../router.ts';
import { ActionNote, ErrorNote, Title, useAction } from './common.tsx';

type Step = 1 | 2 | 3;
const MILESTONES_MAX = 20;
const RECIPIENTS_MAX = 10;

/**
 * The agent's deal wizard: 1. the deal (title, payer), 2. its milestones with their release and
 * recipients' shares, 3. the exact split as the deals service answers it (POST /v1/deals/split-preview,
 * the same function that computes the payouts), then create and submit. The keys are made once per
 * filled-in form, so a retried send creates one deal.
 */
export function DealWizardScreen() {
  const { t } = useUi();
  const [step, setStep] = useState<Step>(1);
  const [title, setTitle] = useState('');
  const [payerEmail, setPayerEmail] = useState('');
  const [rows, setRows] = useState<MilestoneRow[]>(() => [emptyMilestone()]);
  const [firstError, setFirstError] = useState<string | null>(null);
  const stepHeading = useRef<HTMLHeadingElement>(null);
  // A new step is announced and takes the focus, as a new screen does.
  useEffect(() => stepHeading.current?.focus(), [step]);

  const toStep2 = (e: Event) => {
    e.preventDefault();
    if (!title.trim()) return setFirstError('deal-title');
    if (!/^[^\s@]+@[^\s@]+$/.test(payerEmail.trim())) return setFirstError('deal-payer');
    setFirstError(null);
    setStep(2);
  };
  const built = rows.map(buildMilestone);
  const toStep3 = (e: Event) => {
    e.preventDefault();
    const bad = built.findIndex((b) => !b.ok);
    if (bad >= 0) {
      const b = built[bad];
      setFirstError(b && !b.ok ? fieldId(bad, b.error) : null);
      return;
    }
    setFirstError(null);
    setStep(3);
  };
  useEffect(() => {
    if (firstError) document.getElementById(firstError)?.focus();
  }, [firstError]);

  return (
    <section>
      <Title>{t('wizardTitle')}</Title>
      <ol class="steps" aria-label={t('wizardTitle')}>
        {(['stepDeal', 'stepMilestones', 'stepPreview'] as const).map((k, i) => (
          <li key={k} aria-current={step === i + 1 ? 'step' : undefined}>
            {t(k)}
          </li>
        ))}
      </ol>
      {step === 1 && (
        <form onSubmit={toStep2} noValidate class="narrow">
          <h2 tabIndex={-1} ref={stepHeading}>
            {t('stepDeal')}
          </h2>
          <TextField
            id="deal-title"
            label={t('dealName')}
            value={title}
            onInput={setTitle}
            error={firstError === 'deal-title' ? 'badTitle' : null}
            maxLength={200}
          />
          <TextField
            id="deal-payer"
            label={t('payerEmail')}
            value={payerEmail}
            onInput={setPayerEmail}
            error={firstError === 'deal-payer' ? 'badEmail' : null}
            type="email"
            maxLength={254}
          />
          <button type="submit">{t('stepMilestones')} →</button>
        </form>
      )}
      {step === 2 && (
        <form onSubmit={toStep3} noValidate>
          <h2 tabIndex={-1} ref={stepHeading}>
            {t('stepMilestones')}
          </h2>
          {rows.map((row, i) => (
            <MilestoneFields
              key={i}
              index={i}
              row={row}
              error={firstError}
              canRemove={rows.length > 1}
              onChange={(next) => setRows(rows.map((r, j) => (j === i ? next : r)))}
              onRemove={() => setRows(rows.filter((_, j) => j !== i))}
            />
          ))}
          <p class="actions">
            <button
              type="button"
              class="secondary"
              disabled={rows.length >= MILESTONES_MAX}
              onClick={() => setRows([...rows, emptyMilestone()])}
            >
              {t('addMilestone')}
            </button>
          </p>
          <p class="actions">
            <button type="button" class="secondary" onClick={() => setStep(1)}>
              ← {t('back')}
            </button>{' '}
            <button type="submit">{t('showPreview')} →</button>
          </p>
        </form>
      )}
      {step === 3 && (
        <Preview
          title={title.trim()}
          payerEmail={payerEmail.trim()}
          milestones={built.flatMap((b) => (b.ok ? [b.milestone] : []))}
          heading={stepHeading}
          onBack={() => setStep(2)}
        />
      )}
    </section>
  );
}

function fieldId(milestone: number, e: FieldError): string {
  if (e.field === 'recipientId' || e.field === 'share') return `m${milestone}-r${e.index}-${e.field}`;
  return `m${milestone}-${e.field}`;
}

const ERROR_KEYS: Record<string, Key> = {
  title: 'badTitle',
  amount: 'badAmount',
  hours: 'badHours',
  at: 'badAt',
  recipientId: 'badRecipient',
  share: 'badShare',
};

function TextField(props: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  error: Key | null;
  type?: 'text' | 'email' | 'datetime-local';
  maxLength?: number;
  inputMode?: 'decimal' | 'numeric';
}) {
  const { t } = useUi();
  const errorId = `${props.id}-error`;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        // Preact types each input type apart; the three used here take the same attributes.
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        maxLength={props.maxLength}
        inputMode={props.inputMode}
        autoComplete="off"
        aria-invalid={props.error !== null}
        aria-describedby={props.error ? errorId : undefined}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {props.error && (
        <p id={errorId} class="error" role="alert">
          {t(props.error, { digits: 2 })}
        </p>
      )}
    </div>
  );
}

function MilestoneFields(props: {
  index: number;
  row: MilestoneRow;
  error: string | null;
  canRemove: boolean;
  onChange: (row: MilestoneRow) => void;
  onRemove: () => void;
}) {
  const { t } = useUi();
  const { row, index: i } = props;
  const id = (f: string) => `m${i}-${f}`;
  const err = (f: string): Key | null =>
    props.error === id(f) ? (ERROR_KEYS[f.split('-').at(-1) ?? ''] ?? null) : null;
  const set = (patch: Partial<MilestoneRow>) => props.onChange({ ...row, ...patch });
  const setRecipient = (j: number, patch: Partial<RecipientRow>) =>
    set({ recipients: row.recipients.map((r, k) => (k === j ? { ...r, ...patch } : r)) });
  return (
    <fieldset class="panel">
      <legend>
        {t('milestone')} {i + 1}
      </legend>
      <div class="row">
        <div class="grow">
          <TextField
            id={id('title')}
            label={t('milestoneTitle')}
            value={row.title}
            onInput={(v) => set({ title: v })}
            error={err('title')}
            maxLength={200}
          />
        </div>
        <TextField
          id={id('amount')}
          label={t('milestoneAmount')}
          value={row.amount}
          onInput={(v) => set({ amount: v })}
          error={err('amount')}
          inputMode="decimal"
          maxLength={40}
        />
        <div class="field">
          <label for={id('release')}>{t('rel_choose')}</label>
          <select
            id={id('release')}
            value={row.release}
            onChange={(e) => set({ release: e.currentTarget.value as ReleaseKind })}
          >
            {RELEASE_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`relk_${k}`)}
              </option>
            ))}
          </select>
        </div>
        {row.release === 'hold_hours' && (
          <TextField
            id={id('hours')}
            label={t('holdHours')}
            value={row.hours}
            onInput={(v) => set({ hours: v })}
            error={err('hours')}
            inputMode="numeric"
            maxLength={4}
          />
        )}
        {row.release === 'on_date' && (
          <TextField
            id={id('at')}
            label={t('releaseAt')}
            value={row.at}
            onInput={(v) => set({ at: v })}
            error={err('at')}
            type="datetime-local"
          />
        )}
      </div>
      <fieldset>
        <legend>{t('recipients')}</legend>
        {row.recipients.map((r, j) => (
          <div class="row recipient" key={j}>
            <div class="grow">
              <TextField
                id={id(`r${j}-recipientId`)}
                label={`${t('recipientId')} ${j + 1}`}
                value={r.recipientId}
                onInput={(v) => setRecipient(j, { recipientId: v })}
                error={err(`r${j}-recipientId`)}
                maxLength={100}
              />
            </div>
            <div class="field">
              <label for={id(`r${j}-kind`)}>
                {t('shareKind')} {j + 1}
              </label>
              <select
                id={id(`r${j}-kind`)}
                value={r.kind}
                onChange={(e) => setRecipient(j, { kind: e.currentTarget.value as RecipientRow['kind'] })}
              >
                <option value="percent">{t('sharePercent')}</option>
                <option value="fixed">{t('shareFixed')}</option>
              </select>
            </div>
            <TextField
              id={id(`r${j}-share`)}
              label={`${t('shareValue')} ${j + 1} (${r.kind === 'percent' ? '%' : 'RUB'})`}
              value={r.value}
              onInput={(v) => setRecipient(j, { value: v })}
              error={err(`r${j}-share`)}
              inputMode="decimal"
              maxLength={40}
            />
            {row.recipients.length > 1 && (
              <button
                type="button"
                class="link"
                onClick={() => set({ recipients: row.recipients.filter((_, k) => k !== j) })}
              >
                {t('removeRecipient', { n: j + 1 })}
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          class="secondary"
          disabled={row.recipients.length >= RECIPIENTS_MAX}
          onClick={() => set({ recipients: [...row.recipients, emptyRecipient()] })}
        >
          {t('addRecipient')}
        </button>
      </fieldset>
      {props.canRemove && (
        <button type="button" class="link" onClick={props.onRemove}>
          {t('removeMilestone', { n: i + 1 })}
        </button>
      )}
    </fieldset>
  );
}

type Previewed =
  | { kind: 'loading' }
  | { kind: 'error'; code: string | undefined }
  | { kind: 'ok'; lines: PreviewLine[][] };

function Preview(props: {
  title: string;
  payerEmail: string;
  milestones: NewMilestone[];
  heading: { current: HTMLHeadingElement | null };
  onBack: () => void;
}) {
  const { t, money } = useUi();
  const [state, setState] = useState<Previewed>({ kind: 'loading' });
  const action = useAction();
  const [createKey] = useState(() => crypto.randomUUID());
  const [submitKey] = useState(() => crypto.randomUUID());
  useEffect(() => {
    let live = true;
    Promise.all(
      props.milestones.map(async (m) => {
        const lines = previewLines(m.recipients, await api.splitPreview(BigInt(m.amount), m.recipients));
        if (!lines) throw new Error('the preview does not name every recipient');
        return lines;
      }),
    ).then(
      (lines) => live && setState({ kind: 'ok', lines }),
      (err: unknown) => live && setState({ kind: 'error', code: codeOf(err) }),
    );
    return () => {
      live = false;
    };
    // The milestones are rebuilt on every render of the form; only a change of their content matters.
  }, [JSON.stringify(props.milestones)]);
  const total = props.milestones.reduce((s, m) => s + BigInt(m.amount), 0n);

  const create = () =>
    action.run(async () => {
      const deal = await api.createDeal(
        { title: props.title, payerEmail: props.payerEmail, milestones: props.milestones },
        createKey,
      );
      await api.submitDeal(deal.id, submitKey);
      navigate(`/deals/${encodeURIComponent(deal.id)}`);
    });

  return (
    <div>
      <h2 tabIndex={-1} ref={props.heading}>
        {t('stepPreview')}
      </h2>
      <p>{t('previewIntro')}</p>
      {state.kind === 'loading' && <p role="status">{t('loading')}</p>}
      {state.kind === 'error' && <ErrorNote code={state.code} />}
      {state.kind === 'ok' &&
        props.milestones.map((m, i) => (
          <div class="table-wrap" key={`${m.title}-${i}`}>
            <table data-testid="split-preview">
              <caption>
                {t('milestone')} {i + 1}: {m.title} · {money(m.amount, 'RUB')}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('recipient')}</th>
                  <th scope="col">{t('shareKind')}</th>
                  <th scope="col" class="num">
                    {t('amount')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.lines[i]?.map((l) => (
                  <tr key={l.recipientId}>
                    <td>
                      <code>{l.recipientId}</code>
                    </td>
                    <td>
                      {'percentBp' in l.share
                        ? `${bpText(l.share.percentBp)} %`
                        : money(l.share.fixed, 'RUB')}
                    </td>
                    <td class="num">{money(l.amountMinor, 'RUB')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <p>
        <strong>
          {t('total')}: {money(total, 'RUB')}
        </strong>
      </p>
      <ActionNote action={action} id="create" />
      <p class="actions">
        <button type="button" class="secondary" onClick={props.onBack}>
          ← {t('back')}
        </button>{' '}
        <button type="button" disabled={state.kind !== 'ok' || action.busy} onClick={() => void create()}>
          {t('createAndSubmit')}
        </button>
      </p>
    </div>
  );
}
