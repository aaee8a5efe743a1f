import { HubConnectionState } from '@microsoft/signalr';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { Annotation as BoardAnnotation, AnnotationPush } from '../../api/types';
import { useHubEvent, useLive } from '../../live/LiveConnection';

export interface BoardState {
  /** Every verification the caller may read, by id, as the newest version seen (retracted ones included). */
  cards: ReadonlyMap<string, BoardAnnotation>;
  loaded: boolean;
  error: unknown;
}

const initialState: BoardState = { cards: new Map(), loaded: false, error: undefined };

/** Keeps a card only when the incoming version is newer: pushes and the feed may bring the same change twice, or out of order. */
export function applyAnnotations(state: BoardState, incoming: readonly BoardAnnotation[]): BoardState {
  let cards: Map<string, BoardAnnotation> | null = null;
  for (const annotation of incoming) {
    if (annotation.kind !== 'verification' || !annotation.verification) continue;
    const held = (cards ?? state.cards).get(annotation.id);
    if (held && held.version >= annotation.version) continue;
    cards ??= new Map(state.cards);
    cards.set(annotation.id, annotation);
  }
  return cards ? { ...state, cards } : state;
}

/**
 * The verifications of one investigation, kept current: the changes feed read from the beginning (then from its
 * stored cursor), `annotationsPushed` messages of the investigation's group as the fast path, and a
 * catch-up from the cursor after every (re)join, so a push lost while offline is found in the feed.
 */
export function useVerificationBoard(investigationId: string) {
  const { connection, status, epoch } = useLive();
  const [state, setState] = useState<BoardState>(initialState);
  const [catchingUp, setCatchingUp] = useState(false);
  const cursor = useRef<string | null>(null);
  // One feed reader at a time: two overlapping catch-ups would both start from the same cursor.
  const reading = useRef<Promise<void>>(Promise.resolve());
  const disposed = useRef(false);
  const joinedEpoch = useRef<number | null>(null);
  // The cards as last rendered, to tell a push that moves a card (announced) from one that changes nothing.
  const shownCards = useRef(state.cards);
  shownCards.current = state.cards;
  const [liveMove, setLiveMove] = useState<{ recordId: string; state: string; version: number } | null>(null);

  const catchUp = useCallback(() => {
    const run = reading.current.then(async () => {
      for (;;) {
        if (disposed.current) return;
        const page = await api.changes(investigationId, { after: cursor.current });
        if (disposed.current) return;
        cursor.current = page.cursor;
        setState((s) => ({ ...applyAnnotations(s, page.items.map((i) => i.annotation)), loaded: true, error: undefined }));
        if (!page.hasMore) return;
      }
    });
    reading.current = run.catch(() => undefined);
    return run;
  }, [investigationId]);

  // The first read, whether or not the hub is up yet.
  useEffect(() => {
    disposed.current = false;
    cursor.current = null;
    setState(initialState);
    catchUp().catch((error: unknown) => {
      if (!isAbort(error)) setState((s) => ({ ...s, error }));
    });
    return () => {
      disposed.current = true;
    };
  }, [catchUp]);

  // One message holds every change since the last one, in sequence order (decision 0020).
  useHubEvent<[AnnotationPush<BoardAnnotation>[]]>('annotationsPushed', (pushes) => {
    const ours = (pushes ?? []).map((p) => p?.annotation).filter((a) => a && a.investigationId === investigationId);
    if (ours.length === 0) return;
    for (const annotation of ours) {
      const held = shownCards.current.get(annotation.id);
      const state = annotation.verification?.state;
      if (held && state && held.version < annotation.version && held.verification?.state !== state) {
        setLiveMove({ recordId: annotation.recordId, state, version: annotation.version });
      }
    }
    setState((s) => applyAnnotations(s, ours));
  });

  useEffect(() => {
    if (!connection) return;
    return () => {
      if (connection.state === HubConnectionState.Connected) {
        connection.invoke('LeaveInvestigationAnnotations', investigationId).catch(() => undefined);
      }
    };
  }, [connection, investigationId]);

  // Join on every connect and reconnect (groups do not survive a reconnect), then read what the feed has since.
  useEffect(() => {
    if (!connection || status !== 'connected') return;
    let cancelled = false;
    // "Catching up…" only after a reconnect; the first join is part of loading.
    const isRejoin = joinedEpoch.current !== null && joinedEpoch.current !== epoch;
    joinedEpoch.current = epoch;
    if (isRejoin) setCatchingUp(true);
    (async () => {
      try {
        await connection.invoke('JoinInvestigationAnnotations', investigationId);
      } catch {
        // The next reconnect tries again; the feed below still brings the board up to date.
      }
      try {
        if (!cancelled) await catchUp();
      } catch {
        // Keep what is shown; the next reconnect (or Reload) tries again.
      } finally {
        if (!cancelled) setCatchingUp(false);
      }
    })();
    return () => {
      cancelled = true;
      setCatchingUp(false);
    };
  }, [connection, status, epoch, investigationId, catchUp]);

  /** Puts the server's answer (after a move, or the `current` of a 409) on the board. */
  const apply = useCallback((annotation: BoardAnnotation) => setState((s) => applyAnnotations(s, [annotation])), []);

  const retry = useCallback(() => {
    setState((s) => ({ ...s, error: undefined }));
    catchUp().catch((error: unknown) => setState((s) => ({ ...s, error })));
  }, [catchUp]);

  return { ...state, status, catchingUp, apply, retry, liveMove };
}
