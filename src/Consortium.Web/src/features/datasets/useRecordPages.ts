import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { LeakRecord } from '../../api/types';

export const PAGE_SIZE = 100;

interface PagesState {
  items: LeakRecord[];
  next: number | null;
  /** True once the first page of the current query has arrived. */
  started: boolean;
  loading: boolean;
  error: unknown;
}

const empty: PagesState = { items: [], next: null, started: false, loading: true, error: undefined };

/** Keyset-paged records of a dataset (`after` = last rowNumber), filtered by phone digits. */
export function useRecordPages(datasetId: string, digits: string) {
  const [state, setState] = useState<PagesState>(empty);
  const controllerRef = useRef<AbortController | null>(null);
  const loadingRef = useRef(false);

  const fetchPage = useCallback(
    async (after: number | null, reset: boolean) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      loadingRef.current = true;
      setState((s) => (reset ? empty : { ...s, loading: true, error: undefined }));
      try {
        const page = await api.records(datasetId, { after, limit: PAGE_SIZE, q: digits }, controller.signal);
        if (controller.signal.aborted) return;
        setState((s) => ({
          items: reset ? page.items : [...s.items, ...page.items],
          next: page.next ?? null,
          started: true,
          loading: false,
          error: undefined,
        }));
      } catch (error) {
        if (controller.signal.aborted || isAbort(error)) return;
        setState((s) => ({ ...s, started: true, loading: false, error }));
      } finally {
        if (controllerRef.current === controller) loadingRef.current = false;
      }
    },
    [datasetId, digits],
  );

  useEffect(() => {
    void fetchPage(null, true);
    return () => controllerRef.current?.abort();
  }, [fetchPage]);

  const hasMore = state.started && state.next !== null;

  const loadMore = useCallback(() => {
    if (loadingRef.current || !hasMore) return;
    void fetchPage(state.next, false);
  }, [fetchPage, hasMore, state.next]);

  const retry = useCallback(() => {
    if (!state.started) void fetchPage(null, true);
    else void fetchPage(state.next, false);
  }, [fetchPage, state.started, state.next]);

  return { ...state, hasMore, loadMore, retry };
}
