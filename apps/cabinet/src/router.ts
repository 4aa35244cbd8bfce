import { useEffect, useState } from 'preact/hooks';

/**
 * A tiny router over the History API. The gateway serves index.html for exactly these paths (its list
 * mirrors CABINET_ROUTES), so a reload or a shared link lands on the same screen.
 */
export type Route =
  | { readonly name: 'accounts' }
  | { readonly name: 'account'; readonly id: string }
  | { readonly name: 'pay'; readonly from?: string }
  | { readonly name: 'orders' }
  | { readonly name: 'order'; readonly id: string }
  | { readonly name: 'deals' }
  | { readonly name: 'dealNew' }
  | { readonly name: 'deal'; readonly id: string }
  | { readonly name: 'dealEvents'; readonly id: string }
  | { readonly name: 'profile' }
  | { readonly name: 'security' }
  | { readonly name: 'operator' }
  | { readonly name: 'deadLetters' }
  | { readonly name: 'reconciliation' }
  | { readonly name: 'users' }
  | { readonly name: 'login' }
  | { readonly name: 'register' }
  | { readonly name: 'notFound' };

export function parseRoute(path: string, search = ''): Route {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [a, b, c, ...rest] = parts;
  if (rest.length > 0) return { name: 'notFound' };
  // The one three-part path: a deal's event history.
  if (c !== undefined)
    return a === 'deals' && b && c === 'events' ? { name: 'dealEvents', id: b } : { name: 'notFound' };
  if (a === 'deals') {
    if (b === 'new') return { name: 'dealNew' };
    return b ? { name: 'deal', id: b } : { name: 'deals' };
  }
  if (
    !b &&
    (a === 'profile' || a === 'security' || a === 'operator' || a === 'users' || a === 'reconciliation')
  )
    return { name: a };
  if (!b && a === 'dead-letters') return { name: 'deadLetters' };
  if (a === undefined) return { name: 'accounts' };
  if (a === 'login' && !b) return { name: 'login' };
  if (a === 'register' && !b) return { name: 'register' };
  if (a === 'pay' && !b) {
    const from = new URLSearchParams(search).get('from');
    return from ? { name: 'pay', from } : { name: 'pay' };
  }
  if (a === 'accounts') return b ? { name: 'account', id: b } : { name: 'accounts' };
  if (a === 'orders') return b ? { name: 'order', id: b } : { name: 'orders' };
  return { name: 'notFound' };
}

export function navigate(to: string): void {
  if (to === location.pathname + location.search) return;
  history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    let at = location.pathname + location.search;
    // A fragment change (the skip link) fires popstate too; it is no new screen, so nothing re-renders
    // and the focus stays where the link put it.
    const on = () => {
      if (location.pathname + location.search === at) return;
      at = location.pathname + location.search;
      setRoute(parseRoute(location.pathname, location.search));
    };
    addEventListener('popstate', on);
    return () => removeEventListener('popstate', on);
  }, []);
  return route;
}

/** Plain links (they work with a middle click and a keyboard) that move within the app without a reload. */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element | null)?.closest('a');
  // In-page links (the skip link) keep the browser's own behaviour: they move the focus, not the screen.
  if (
    !a ||
    a.getAttribute('href')?.startsWith('#') ||
    a.target ||
    e.defaultPrevented ||
    e.button !== 0 ||
    e.metaKey ||
    e.ctrlKey ||
    e.shiftKey
  )
    return;
  const url = new URL(a.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
