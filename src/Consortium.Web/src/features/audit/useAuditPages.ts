import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { AuditEntry, AuditFilter } from '../../api/types';

export const AUDIT_PAGE_SIZE = 100;

interface PagesState {
  items: AuditEntry[];
  next: number | null;
  /** True once the first page for the current filter has answered (or failed). */
  started: boolean;
  loading: boolean;
  error: unknown;
  /** True once any page has come back: the caller may read this log (a later filter change keeps it true). */
  accessible: boolean;
}

const empty: PagesState = { items: [], next: null, started: false, loading: true, error: undefined, accessible: false };

/** An investigation's audit entries, newest first, keyset-paged by chain index (`after` = the page's `next`). */
export function useAuditPages(investigationId: string, filter: AuditFilter) {
  const [state, setState] = useState<PagesState>(empty);
  const controllerRef = useRef<AbortController | null>(null);
  const loadingRef = useRef(false);
  const { action, actor, from, to } = filter;

  const fetchPage = useCallback(
    async (after: number | null, reset: boolean) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      loadingRef.current = true;
      setState((s) => (reset ? { ...empty, accessible: s.accessible } : { ...s, loading: true, error: undefined }));
      try {
        const page = await api.audit(
          investigationId,
          { action, actor, from, to, after, limit: AUDIT_PAGE_SIZE },
          controller.signal,
        );
        if (controller.signal.aborted) return;
        setState((s) => ({
          items: reset ? page.items : [...s.items, ...page.items],
          next: page.next ?? null,
          started: true,
          loading: false,
          error: undefined,
          accessible: true,
        }));
      } catch (error) {
        if (controller.signal.aborted || isAbort(error)) return;
        setState((s) => ({ ...s, started: true, loading: false, error }));
      } finally {
        if (controllerRef.current === controller) loadingRef.current = false;
      }
    },
    [investigationId, action, actor, from, to],
  );

  useEffect(() => {
    void fetchPage(null, true);
    return () => controllerRef.current?.abort();
  }, [fetchPage]);

  const hasMore = state.started && state.error === undefined && state.next !== null;

  const loadMore = useCallback(() => {
    if (loadingRef.current || state.next === null) return;
    void fetchPage(state.next, false);
  }, [fetchPage, state.next]);

  /** After a failure: the first page again if none arrived, else the page that failed. */
  const retry = useCallback(() => {
    if (state.items.length === 0) void fetchPage(null, true);
    else void fetchPage(state.next, false);
  }, [fetchPage, state.items.length, state.next]);

  return { ...state, hasMore, loadMore, retry };
}
