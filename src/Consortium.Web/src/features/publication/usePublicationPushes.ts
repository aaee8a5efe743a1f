import { useCallback, useEffect, useRef, useState } from 'react';
import { PUBLICATION_CHANGED, type PublicationPush } from '../../api/publication';
import { useHubEvent, useLive } from '../../live/LiveConnection';

/**
 * Calls `onPush` for every publication change pushed to the signed-in person (their user group, which the hub joins on
 * connect), and `onReconnect` after every reconnect but the first: what was pushed while offline is read again.
 */
export function usePublicationPushes(onPush: (push: PublicationPush) => void, onReconnect?: () => void): void {
  useHubEvent<[PublicationPush]>(PUBLICATION_CHANGED, (push) => {
    if (push && typeof push === 'object') onPush(push);
  });
  const { epoch } = useLive();
  const firstEpoch = useRef(epoch);
  const reconnectRef = useRef(onReconnect);
  reconnectRef.current = onReconnect;
  useEffect(() => {
    if (epoch > 1 && epoch !== firstEpoch.current) reconnectRef.current?.();
  }, [epoch]);
}

/**
 * Keeps one loaded object current: pushes go to `onPush`; after a reconnect `read` fetches it again in place (the page
 * does not blank), while `catchingUp` is true. Returns what the page's ConnectionBanner needs.
 */
export function useLivePublication<T>(
  onPush: (push: PublicationPush) => void,
  read: () => Promise<T>,
  replace: (value: T) => void,
): { status: ReturnType<typeof useLive>['status']; catchingUp: boolean } {
  const { status } = useLive();
  const [catchingUp, setCatchingUp] = useState(false);
  const readRef = useRef(read);
  readRef.current = read;
  const replaceRef = useRef(replace);
  replaceRef.current = replace;
  const onReconnect = useCallback(() => {
    setCatchingUp(true);
    readRef.current().then(
      (value) => replaceRef.current(value),
      () => undefined,
    ).finally(() => setCatchingUp(false));
  }, []);
  usePublicationPushes(onPush, onReconnect);
  return { status, catchingUp };
}
