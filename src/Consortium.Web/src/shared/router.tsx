import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';
import { requestNavigationFocus } from './focus';

/**
 * A tiny history-API router: the server falls back to index.html for client routes,
 * so plain paths like /datasets/{id} work on reload.
 */

export type Route =
  | { name: 'home' }
  | { name: 'investigation'; id: string }
  | { name: 'members'; id: string }
  | { name: 'audit'; id: string }
  | { name: 'board'; id: string }
  | { name: 'inbox' }
  | { name: 'investigationSearch'; id: string }
  | { name: 'outlet' }
  | { name: 'dataset'; id: string }
  | { name: 'record'; id: string }
  | { name: 'publicationPlan'; id: string }
  | { name: 'story'; id: string }
  | { name: 'notFound' };

const patterns: Array<[RegExp, (id: string) => Route]> = [
  [/^\/investigations\/([^/]+)\/members\/?$/, (id) => ({ name: 'members', id })],
  [/^\/investigations\/([^/]+)\/audit\/?$/, (id) => ({ name: 'audit', id })],
  [/^\/investigations\/([^/]+)\/search\/?$/, (id) => ({ name: 'investigationSearch', id })],
  [/^\/investigations\/([^/]+)\/board\/?$/, (id) => ({ name: 'board', id })],
  [/^\/investigations\/([^/]+)\/publication\/?$/, (id) => ({ name: 'publicationPlan', id })],
  [/^\/stories\/([^/]+)\/?$/, (id) => ({ name: 'story', id })],
  // The board's first address, kept so links to it still work.
  [/^\/investigations\/([^/]+)\/verifications\/?$/, (id) => ({ name: 'board', id })],
  [/^\/investigations\/([^/]+)\/?$/, (id) => ({ name: 'investigation', id })],
  [/^\/datasets\/([^/]+)\/?$/, (id) => ({ name: 'dataset', id })],
  [/^\/records\/([^/]+)\/?$/, (id) => ({ name: 'record', id })],
];

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  if (pathname === '/outlet' || pathname === '/outlet/') return { name: 'outlet' };
  if (pathname === '/inbox' || pathname === '/inbox/') return { name: 'inbox' };
  for (const [pattern, make] of patterns) {
    const m = pattern.exec(pathname);
    if (m?.[1]) {
      try {
        return make(decodeURIComponent(m[1]));
      } catch {
        return { name: 'notFound' };
      }
    }
  }
  return { name: 'notFound' };
}

export const paths = {
  home: () => '/',
  investigation: (id: string) => `/investigations/${encodeURIComponent(id)}`,
  members: (id: string) => `/investigations/${encodeURIComponent(id)}/members`,
  audit: (id: string) => `/investigations/${encodeURIComponent(id)}/audit`,
  board: (id: string) => `/investigations/${encodeURIComponent(id)}/board`,
  inbox: () => '/inbox',
  investigationSearch: (id: string) => `/investigations/${encodeURIComponent(id)}/search`,
  outlet: () => '/outlet',
  dataset: (id: string) => `/datasets/${encodeURIComponent(id)}`,
  record: (id: string) => `/records/${encodeURIComponent(id)}`,
  publicationPlan: (id: string) => `/investigations/${encodeURIComponent(id)}/publication`,
  story: (id: string) => `/stories/${encodeURIComponent(id)}`,
};

interface Location {
  pathname: string;
  search: string;
}

interface RouterValue {
  location: Location;
  route: Route;
  navigate: (to: string, options?: { replace?: boolean }) => void;
}

const RouterContext = createContext<RouterValue | null>(null);

function readLocation(): Location {
  return { pathname: window.location.pathname, search: window.location.search };
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(readLocation);

  useEffect(() => {
    const onPop = () => {
      requestNavigationFocus();
      setLocation(readLocation());
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string, options?: { replace?: boolean }) => {
    const current = window.location.pathname + window.location.search;
    if (to === current) return;
    if (options?.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    requestNavigationFocus();
    setLocation(readLocation());
    window.scrollTo(0, 0);
  }, []);

  const value = useMemo<RouterValue>(
    () => ({ location, route: matchRoute(location.pathname), navigate }),
    [location, navigate],
  );
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter must be used inside RouterProvider');
  return value;
}

type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** An ordinary <a href> that navigates in-app on a plain left click. */
export function Link({ to, onClick, target, ...rest }: LinkProps) {
  const { navigate } = useRouter();
  const handleClick = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (target && target !== '_self')
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} target={target} onClick={handleClick} {...rest} />;
}
