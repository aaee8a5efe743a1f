import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { api, isAbort } from '../../api/client';
import { useHubEvent, useLive } from '../../live/LiveConnection';
import type { InboxEntry } from '../../api/types';

interface InboxValue {
  /** Newest first; undefined until the first load. */
  entries: InboxEntry[] | undefined;
  unread: number;
  error: unknown;
  /** Entries that arrived live since the page loaded. */
  liveIds: ReadonlySet<string>;
  reload: () => void;
  markRead: (id: string) => Promise<void>;
}

const InboxContext = createContext<InboxValue | null>(null);

function merge(entries: InboxEntry[], incoming: InboxEntry[]): InboxEntry[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  // A read flag never goes back to unread: a stale push must not undo "Mark read".
  for (const entry of incoming) byId.set(entry.id, { ...entry, read: entry.read || byId.get(entry.id)?.read === true });
  return [...byId.values()].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
}

/**
 * The signed-in person's inbox for the whole app (the header shows its unread count): loaded once, kept current by
 * `notificationReceived` pushes to the person's own group, and re-read after every reconnect for what was missed.
 */
export function InboxProvider({ children }: { children: ReactNode }) {
  const { status, epoch } = useLive();
  const [entries, setEntries] = useState<InboxEntry[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [liveIds, setLiveIds] = useState<ReadonlySet<string>>(new Set());
  const loadedOnce = useRef(false);

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const list = await api.inbox(signal);
      if (signal?.aborted) return;
      loadedOnce.current = true;
      setEntries((current) => merge(current ?? [], list));
      setError(undefined);
    } catch (e) {
      if (!isAbort(e)) setError(e);
    }
  }, []);

  // First load, and again after every reconnect (the user's group is joined by the server on connect).
  useEffect(() => {
    if (status !== 'connected' && loadedOnce.current) return;
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [status, epoch, load]);

  useHubEvent<[InboxEntry]>('notificationReceived', (entry) => {
    if (!entry?.id) return;
    setEntries((current) => merge(current ?? [], [entry]));
    setLiveIds((ids) => new Set(ids).add(entry.id));
  });

  const markRead = useCallback(async (id: string) => {
    await api.markRead(id);
    setEntries((current) => current?.map((e) => (e.id === id ? { ...e, read: true } : e)));
  }, []);

  const reload = useCallback(() => void load(), [load]);

  const value = useMemo<InboxValue>(
    () => ({
      entries,
      unread: entries?.filter((e) => !e.read).length ?? 0,
      error,
      liveIds,
      reload,
      markRead,
    }),
    [entries, error, liveIds, reload, markRead],
  );
  return <InboxContext.Provider value={value}>{children}</InboxContext.Provider>;
}

export function useInbox(): InboxValue {
  const value = useContext(InboxContext);
  if (!value) throw new Error('useInbox must be used inside InboxProvider');
  return value;
}

/** The inbox when signed in (inside the provider), else null: the header renders in both states. */
export function useInboxIfSignedIn(): InboxValue | null {
  return useContext(InboxContext);
}
