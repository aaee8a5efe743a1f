import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError, UNAUTHORIZED_EVENT } from '../../api/client';
import type { Me } from '../../api/types';

export type SessionState =
  | { status: 'loading' }
  | { status: 'signedOut' }
  | { status: 'signedIn'; me: Me }
  | { status: 'error'; error: unknown };

interface SessionValue {
  state: SessionState;
  signIn: (user: string) => Promise<void>;
  signOut: () => Promise<void>;
  refresh: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const loadMe = useCallback(async (signal?: AbortSignal) => {
    try {
      const me = await api.me(signal);
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

  const signIn = useCallback(
    async (user: string) => {
      await api.devSignIn(user);
      await loadMe();
    },
    [loadMe],
  );

  const signOut = useCallback(async () => {
    try {
      await api.devSignOut();
    } finally {
      setState({ status: 'signedOut' });
    }
  }, []);

  const refresh = useCallback(() => {
    setState({ status: 'loading' });
    void loadMe();
  }, [loadMe]);

  const value = useMemo(() => ({ state, signIn, signOut, refresh }), [state, signIn, signOut, refresh]);
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

/**
 * Display name for an outlet id. The API gives outlet ids only; the signed-in user's own
 * outlet has a name, others show their id until an outlet directory exists.
 */
export function useOutletName(): (outletId: string) => string {
  const { state } = useSession();
  const me = state.status === 'signedIn' ? state.me : null;
  return (outletId: string) => (me && me.outletId === outletId ? me.outletName : outletId);
}
