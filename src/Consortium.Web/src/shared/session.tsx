import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, UNAUTHORIZED_EVENT } from '../api/client';
import type { Me } from '../api/types';
import { applyPreferencesOf } from './preferences';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signedOut' }
  | { status: 'signedIn'; me: Me }
  | { status: 'error'; error: unknown };

interface SessionValue {
  state: SessionState;
  signOut: () => Promise<void>;
  refresh: () => void;
}

/** Sign-in happens on the server's own pages (password, then authenticator); the app never handles credentials. */
export function goToSignIn(): void {
  const returnUrl = window.location.pathname + window.location.search;
  window.location.assign(`/account/login?ReturnUrl=${encodeURIComponent(returnUrl)}`);
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const loadMe = useCallback(async (signal?: AbortSignal) => {
    try {
      const me = await api.me(signal);
      applyPreferencesOf(me);
      setState({ status: 'signedIn', me });
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof ApiError && error.status === 401) setState({ status: 'signedOut' });
      else setState({ status: 'error', error });
    }
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    void loadMe(controller.signal);
    return () => controller.abort();
  }, [loadMe]);

  // Any API call answering 401 (cookie expired, signed out elsewhere) sends the user to sign-in.
  useEffect(() => {
    const onUnauthorized = () => setState({ status: 'signedOut' });
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);

  // Signed out (never signed in, session expired, access revoked): off to the sign-in pages.
  useEffect(() => {
    if (state.status === 'signedOut') goToSignIn();
  }, [state.status]);

  const signOut = useCallback(async () => {
    try {
      await api.signOut();
    } finally {
      window.location.assign('/account/login');
    }
  }, []);

  const refresh = useCallback(() => {
    setState({ status: 'loading' });
    void loadMe();
  }, [loadMe]);

  const value = useMemo(() => ({ state, signOut, refresh }), [state, signOut, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside SessionProvider');
  return value;
}

/** The signed-in user; only use below the signed-in part of the app. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'signedIn') throw new Error('useMe used while not signed in');
  return state.me;
}

let outletDirectory: Promise<Map<string, string>> | null = null;

/**
 * Display name for an outlet id, from the directory of outlets the caller works with (loaded once per page load);
 * the id stands in until it arrives.
 */
export function useOutletName(): (outletId: string) => string {
  const { state } = useSession();
  const me = state.status === 'signedIn' ? state.me : null;
  const [names, setNames] = useState<Map<string, string> | null>(null);
  useEffect(() => {
    if (!me) return;
    outletDirectory ??= api.outlets().then((outlets) => new Map(outlets.map((o) => [o.id, o.name])));
    let cancelled = false;
    outletDirectory.then(
      (directory) => !cancelled && setNames(directory),
      () => {
        outletDirectory = null;
      },
    );
    return () => {
      cancelled = true;
    };
  }, [me]);
  return (outletId: string) => names?.get(outletId) ?? (me && me.outletId === outletId ? me.outletName : outletId);
}
