import { useEffect, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { useSession } from '../session/session';

/** One probe per signed-in user and page load: can this user list the outlet's accounts? */
const probes = new Map<string, Promise<boolean>>();

function probe(user: string): Promise<boolean> {
  let result = probes.get(user);
  if (!result) {
    result = api.outletAccounts().then(
      () => true,
      (error: unknown) => {
        // A refusal (403) is an answer; anything else (offline, say) is asked again next time.
        if (!(error instanceof ApiError && error.status === 403)) probes.delete(user);
        return false;
      },
    );
    probes.set(user, result);
  }
  return result;
}

/**
 * True when the signed-in user administers their outlet. /api/me does not say so, so this asks
 * GET /api/outlet/accounts, which answers only administrators.
 */
export function useIsOutletAdmin(): boolean {
  const { state } = useSession();
  const user = state.status === 'signedIn' ? state.me.user : null;
  const [answer, setAnswer] = useState<{ user: string; admin: boolean } | null>(null);
  useEffect(() => {
    if (!user) return;
    let cancelled = false;
    void probe(user).then((admin) => {
      if (!cancelled) setAnswer({ user, admin });
    });
    return () => {
      cancelled = true;
    };
  }, [user]);
  return answer !== null && answer.user === user && answer.admin;
}
