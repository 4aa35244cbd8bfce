import type { ComponentChildren } from 'preact';
import { useUi } from '../context.ts';
import { errorText } from '../i18n.ts';
import type { Loaded } from '../load.ts';

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
