import { HubConnectionState } from '@microsoft/signalr';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { Annotation, AnnotationPush, Presence, PresenceChange, Typing } from '../../api/types';
import { useHubEvent, useLive } from '../../live/LiveConnection';

const MIN_CATCHING_UP_MS = 600;

export interface ThreadState {
  /** In order of creation, unique by id, each at the newest version seen. */
  items: Annotation[];
  /** Ids that arrived after the initial load (pushed live or found while catching up). */
  liveIds: ReadonlySet<string>;
  loaded: boolean;
  error: unknown;
}

const initialState: ThreadState = { items: [], liveIds: new Set(), loaded: false, error: undefined };

// Creation order: an edit moves an annotation's sequence on, but not its place in the thread.
function bySequence(a: Annotation, b: Annotation): number {
  return a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/**
 * Merges annotations into the thread by id (never duplicating), keeping it sorted by sequence.
 * New ids are marked live when `markLive` is set and the initial load has already happened.
 */
/** A live push leaves out the caller's allowed verification steps, which an answer to the caller carries. */
function losesAllowedSteps(held: Annotation, incoming: Annotation): boolean {
  return held.verification?.allowedNextStates != null && incoming.verification != null && incoming.verification.allowedNextStates == null;
}

export function mergeAnnotations(state: ThreadState, incoming: readonly Annotation[], markLive: boolean): ThreadState {
  if (incoming.length === 0) return state;
  const byId = new Map(state.items.map((a) => [a.id, a]));
  let liveIds: Set<string> | null = null;
  for (const annotation of incoming) {
    if (!byId.has(annotation.id) && markLive && state.loaded) {
      liveIds ??= new Set(state.liveIds);
      liveIds.add(annotation.id);
    }
    const held = byId.get(annotation.id);
    // Pushes and fetches can arrive in any order: an older version never replaces a newer one, nor a push (without the
    // caller's allowed verification steps) the same version read with them.
    if (!held || (annotation.version ?? 1) > (held.version ?? 1) || ((annotation.version ?? 1) === (held.version ?? 1) && !losesAllowedSteps(held, annotation))) {
      byId.set(annotation.id, annotation);
    }
  }
  return { ...state, items: [...byId.values()].sort(bySequence), liveIds: liveIds ?? state.liveIds };
}

/** Applies the initial load: anything pushed before it arrived but not in it stays marked live. */
export function applyInitial(state: ThreadState, list: readonly Annotation[]): ThreadState {
  const loadedIds = new Set(list.map((a) => a.id));
  const pushedOnly = state.items.filter((a) => !loadedIds.has(a.id));
  const held = new Map(state.items.map((a) => [a.id, a]));
  const newest = list.map((a) => {
    const h = held.get(a.id);
    return h && h.version > a.version ? h : a;
  });
  return {
    items: [...newest, ...pushedOnly].sort(bySequence),
    liveIds: new Set(pushedOnly.map((a) => a.id)),
    loaded: true,
    error: undefined,
  };
}

/**
 * The annotation thread of one record, kept current over the hub, as the .NET LiveAnnotations client keeps an
 * investigation: joins the record's group on every (re)connect, merges pushes by version (the fast path), and after
 * every join reads the changes feed (narrowed to the record) from the cursor it holds, which the initial list gave
 * (its `Changes-Cursor` header, taken before the list was read). The feed is the guarantee: whatever was pushed
 * while the connection was down is read there, each change once, and merging by id and version drops what the list
 * or a push already brought. Without an investigation id or a cursor it falls back to re-fetching the list.
 */
export function useAnnotationThread(recordId: string, currentUser: string, investigationId?: string) {
  const { connection, status, epoch } = useLive();
  const [state, setState] = useState<ThreadState>(initialState);
  // The push handler checks what the thread holds after a catch-up, outside any render.
  const latest = useRef(state);
  latest.current = state;
  const [catchingUp, setCatchingUp] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const initialLoad = useRef<Promise<void>>(Promise.resolve());
  const joinedEpoch = useRef<number | null>(null);
  const cursor = useRef<string | null>(null);
  const investigation = useRef(investigationId);
  investigation.current = investigationId;
  // One feed reader at a time: two overlapping catch-ups would both start from the same cursor.
  const reading = useRef<Promise<void>>(Promise.resolve());

  const catchUp = useCallback(() => {
    const run = reading.current.then(async () => {
      await initialLoad.current;
      const inv = investigation.current;
      if (!inv || !cursor.current) {
        // No cursor (the first list failed): read the list again, and take its cursor for the next time.
        const { items: list, cursor: at } = await api.annotations(recordId);
        cursor.current ??= at;
        setState((s) => (s.loaded ? mergeAnnotations(s, list, true) : applyInitial(s, list)));
        return;
      }
      for (;;) {
        const from = cursor.current;
        const page = await api.changes(inv, { after: from, record: recordId });
        // The record changed under us (navigation): this page belongs to another thread.
        if (cursor.current !== from) return;
        cursor.current = page.cursor;
        const items = page.items.map((i) => i.annotation).filter((a) => a.recordId === recordId);
        setState((s) => mergeAnnotations(s, items, true));
        if (!page.hasMore) return;
      }
    });
    reading.current = run.catch(() => undefined);
    return run;
  }, [recordId]);

  // Initial load.
  useEffect(() => {
    const controller = new AbortController();
    setState(initialState);
    cursor.current = null;
    initialLoad.current = api.annotations(recordId, controller.signal).then(
      ({ items: list, cursor: at }) => {
        if (controller.signal.aborted) return;
        cursor.current = at;
        setState((s) => applyInitial(s, list));
      },
      (error: unknown) => {
        if (!controller.signal.aborted && !isAbort(error)) setState((s) => ({ ...s, error }));
      },
    );
    return () => controller.abort();
  }, [recordId, attempt]);

  // Live pushes: one message holds every change since the last one (several records' when following more), in order.
  useHubEvent<[AnnotationPush[]]>('annotationsPushed', (pushes) => {
    const mine = (pushes ?? []).filter((p) => p?.annotation?.recordId === recordId);
    if (mine.length === 0) return;
    setState((s) =>
      mine.reduce(
        // The push for the user's own post can beat the POST's response: that one is not "new"; nor is a change.
        (state, p) => mergeAnnotations(state, [p.annotation], p.added && p.annotation.author !== currentUser),
        s,
      ),
    );
    // A pushed verification lacks the steps this caller may take: the feed (read as the caller) has them. The feed
    // serves a change only once no earlier transaction is still open (decision 0014), so it can trail the push: read
    // again, a little later each time, until the thread holds the steps.
    const lacking = mine.filter((p) => p.annotation.verification && p.annotation.verification.allowedNextStates == null).map((p) => p.annotation.id);
    if (lacking.length > 0) {
      const stillLacking = () =>
        latest.current.items.some((a) => lacking.includes(a.id) && a.verification != null && a.verification.allowedNextStates == null);
      void (async () => {
        for (let attempt = 1; attempt <= 8; attempt++) {
          await catchUp().catch(() => undefined);
          if (!stillLacking()) return;
          await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
        }
      })();
    }
  });

  // The whole list arrives once, on joining; then only who arrived and who left, in order (decision 0019).
  const [presence, setPresence] = useState<Presence['viewers']>([]);
  useEffect(() => setPresence([]), [recordId]);
  useHubEvent<[Presence]>('presenceChanged', (p) => {
    if (p && p.recordId === recordId) setPresence(p.viewers);
  });
  useHubEvent<[PresenceChange]>('viewerArrived', (c) => {
    if (!c || c.recordId !== recordId) return;
    const entry = { userId: c.userId, displayName: c.displayName, outletId: c.outletId };
    setPresence((all) => [...all.filter((v) => v.userId !== c.userId), entry].sort((a, b) => (a.displayName < b.displayName ? -1 : a.displayName > b.displayName ? 1 : 0)));
  });
  useHubEvent<[PresenceChange]>('viewerLeft', (c) => {
    if (c && c.recordId === recordId) setPresence((all) => all.filter((v) => v.userId !== c.userId));
  });

  const [typing, setTyping] = useState<Record<string, Typing & { until: number }>>({});
  useHubEvent<[Typing]>('typing', (event) => {
    if (!event || event.recordId !== recordId || event.userId === currentUser) return;
    setTyping((all) => ({ ...all, [event.userId]: { ...event, until: Date.now() + 4000 } }));
    window.setTimeout(() => setTyping((all) => Object.fromEntries(Object.entries(all).filter(([, e]) => e.until > Date.now()))), 4100);
  });

  const startTyping = useCallback(
    (annotationId: string) => {
      if (connection?.state === HubConnectionState.Connected) connection.invoke('StartTyping', recordId, annotationId).catch(() => undefined);
    },
    [connection, recordId],
  );

  // Leave the record's group when leaving the record (not on every reconnect).
  useEffect(() => {
    if (!connection) return;
    return () => {
      if (connection.state === HubConnectionState.Connected) connection.invoke('LeaveRecord', recordId).catch(() => undefined);
    };
  }, [connection, recordId]);

  // Join on every connect/reconnect; after a reconnect, catch up with a re-fetch.
  useEffect(() => {
    if (!connection || status !== 'connected') return;
    let cancelled = false;
    const isRejoin = joinedEpoch.current !== null && joinedEpoch.current !== epoch;
    joinedEpoch.current = epoch;
    const startedAt = Date.now();
    if (isRejoin) setCatchingUp(true);

    (async () => {
      try {
        await connection.invoke('JoinRecord', recordId);
      } catch {
        // Joining failed (e.g. the connection dropped again); the next reconnect retries.
      }
      if (cancelled) return;
      try {
        // Pushes sent before the join completed are missed: always read the feed once joined (once the
        // investigation is known; this runs again when it becomes known).
        if (!cancelled && investigationId) await catchUp();
      } catch {
        // Keep what we have; the next reconnect tries again.
      } finally {
        // Keep "Catching up…" readable rather than a flicker.
        const remaining = isRejoin ? MIN_CATCHING_UP_MS - (Date.now() - startedAt) : 0;
        if (remaining > 0) await new Promise((resolve) => window.setTimeout(resolve, remaining));
        if (!cancelled) setCatchingUp(false);
      }
    })();

    return () => {
      cancelled = true;
      setCatchingUp(false);
    };
  }, [connection, status, epoch, recordId, catchUp, investigationId]);

  /** Adds an annotation the user just posted (not marked as live). */
  const addOwn = useCallback((annotation: Annotation) => {
    setState((s) => mergeAnnotations(s, [annotation], false));
  }, []);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  return { ...state, catchingUp, status, addOwn, reload, catchUp, presence, typing: Object.values(typing), startTyping };
}
