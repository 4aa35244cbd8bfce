import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { useUi } from '../context.ts';
import { errorText } from '../i18n.ts';
import { codeOf, type Loaded } from '../load.ts';

/** A screen's heading: focusable from script (the app moves focus to it on navigation), not by Tab. */
export function Title(props: { children: ComponentChildren }) {
  return <h1 tabIndex={-1}>{props.children}</h1>;
}

export function ErrorNote(props: { code: string | undefined }) {
  const { t } = useUi();
  return (
    <p class="error" role="alert">
      {errorText(t, props.code)}
    </p>
  );
}

/** Loading, error or the content, the same way on every screen. */
export function Show<T>(props: { state: Loaded<T>; children: (value: T) => ComponentChildren }) {
  const { t } = useUi();
  const { state } = props;
  if (state.kind === 'loading') return <p role="status">{t('loading')}</p>;
  if (state.kind === 'error') return <ErrorNote code={state.code} />;
  return <>{props.children(state.value)}</>;
}

/**
 * One button's (or form's) call: busy while it runs, its error code, and, where the service answers
 * 403 step_up_required (ADR 0026), a prompt for a fresh one-time code that runs the same call again.
 */
export interface Action {
  readonly busy: boolean;
  readonly error: string | undefined | null;
  readonly needsCode: boolean;
  run(call: () => Promise<void>): Promise<void>;
  stepUp(code: string): Promise<void>;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined | null>(null);
  const last = useRef<(() => Promise<void>) | null>(null);
  const run = async (call: () => Promise<void>) => {
    last.current = call;
    setBusy(true);
    try {
      await call();
      setError(null);
    } catch (err) {
      setError(codeOf(err));
    } finally {
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    needsCode: error === 'step_up_required',
    run,
    stepUp: async (code) => {
      const again = last.current;
      await run(async () => {
        await api.stepUp(code);
        if (again) await again();
      });
    },
  };
}

/** The action's error, or its one-time-code prompt. */
export function ActionNote(props: { action: Action; id: string }) {
  const { t } = useUi();
  const [code, setCode] = useState('');
  const { action } = props;
  if (action.error === null) return null;
  if (!action.needsCode) return <ErrorNote code={action.error} />;
  return (
    <fieldset class="panel">
      <legend>{t('stepUpTitle')}</legend>
      <div class="field">
        <label for={`${props.id}-code`}>{t('totpCode')}</label>
        <input
          id={`${props.id}-code`}
          value={code}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
      </div>
      <button type="button" disabled={action.busy} onClick={() => void action.stepUp(code.trim())}>
        {t('stepUpGo')}
      </button>
    </fieldset>
  );
}

/** A term and its value, in the same look as the balances. */
export function Facts(props: { items: readonly (readonly [string, ComponentChildren])[] }) {
  return (
    <dl class="balances">
      {props.items.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The next page of a cursor-paged list (usePages), while there is one. */
export function More(props: { more: (() => Promise<void>) | null }) {
  const { t } = useUi();
  const action = useAction();
  if (!props.more) return null;
  const more = props.more;
  return (
    <div class="actions">
      {action.error !== null && <ErrorNote code={action.error} />}
      <button type="button" class="secondary" disabled={action.busy} onClick={() => void action.run(more)}>
        {t('more')}
      </button>
    </div>
  );
}
