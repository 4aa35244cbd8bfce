import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api/client.ts';

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
