import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api/client.ts';
import type { Page } from './api/types.ts';

export type Loaded<T> =
  | { readonly kind: 'loading' }
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'error'; readonly code: string | undefined; readonly status?: number };

/** Runs `load` when `deps` change; `reload` runs it again (after a payment, say). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ kind: 'ok', value }),
      (err: unknown) =>
        live &&
        setState(
          err instanceof ApiError
            ? { kind: 'error', code: err.code, status: err.status }
            : { kind: 'error', code: undefined },
        ),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return [state, useCallback(() => setRound((r) => r + 1), [])];
}

export const codeOf = (err: unknown) => (err instanceof ApiError ? err.code : undefined);

/**
 * A cursor-paged list: the first page when `deps` change, and `more` (null on the last page) appending
 * the next one.
 */
export function usePages<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  deps: readonly unknown[],
): { state: Loaded<readonly T[]>; more: (() => Promise<void>) | null; reload: () => void } {
  const [first, reload] = useLoad(() => load(), deps);
  const [extra, setExtra] = useState<{ rows: readonly T[]; next: string | null } | null>(null);
  useEffect(() => setExtra(null), [first]);
  if (first.kind !== 'ok') return { state: first, more: null, reload };
  const next = extra ? extra.next : first.value.nextCursor;
  const more = next
    ? async () => {
        const page = await load(next);
        setExtra({ rows: [...(extra?.rows ?? []), ...page.data], next: page.nextCursor });
      }
    : null;
  return { state: { kind: 'ok', value: [...first.value.data, ...(extra?.rows ?? [])] }, more, reload };
}
