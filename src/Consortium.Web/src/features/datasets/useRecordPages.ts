import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { FacetCount, LeakRecord, SearchHighlight } from '../../api/types';

export const PAGE_SIZE = 100;

/** A listed record; in a search, with the highlights that say why it matched. */
export interface RecordRow {
  record: LeakRecord;
  highlights?: SearchHighlight[];
}

export interface RecordSearch {
  /** Full text (websearch syntax). */
  q: string;
  /** Phone digits, any format. */
  phone: string;
  /** Two-letter country code. */
  country: string;
}

export function isSearchActive(search: RecordSearch): boolean {
  return search.q.trim() !== '' || search.phone.trim() !== '' || search.country !== '';
}

interface PagesState {
  items: RecordRow[];
  next: number | null;
  /** In a search: matches of the whole search, and matches per country (without the country filter). */
  total: number | null;
  countries: FacetCount[] | null;
  /** True once the first page of the current query has arrived. */
  started: boolean;
  loading: boolean;
  error: unknown;
}

const empty: PagesState = {
  items: [],
  next: null,
  total: null,
  countries: null,
  started: false,
  loading: true,
  error: undefined,
};

/**
 * Keyset-paged records of a dataset (`after` = last rowNumber): the plain list (`/records`) when no search is
 * active, otherwise the search (`/search`) with its highlights, total and country facets.
 */
export function useRecordPages(datasetId: string, search: RecordSearch) {
  const [state, setState] = useState<PagesState>(empty);
  const controllerRef = useRef<AbortController | null>(null);
  const loadingRef = useRef(false);
  const { q, phone, country } = search;
  const active = isSearchActive(search);

  const fetchPage = useCallback(
    async (after: number | null, reset: boolean) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      loadingRef.current = true;
      setState((s) => (reset ? empty : { ...s, loading: true, error: undefined }));
      try {
        if (active) {
          const page = await api.search(
            datasetId,
            { q: q.trim(), phone: phone.trim(), country, after, limit: PAGE_SIZE },
            controller.signal,
          );
          if (controller.signal.aborted) return;
          setState((s) => ({
            items: [...(reset ? [] : s.items), ...page.items.map((r) => ({ record: r.record, highlights: r.highlights }))],
            next: page.next ?? null,
            total: page.total,
            countries: page.countries,
            started: true,
            loading: false,
            error: undefined,
          }));
        } else {
          const page = await api.records(datasetId, { after, limit: PAGE_SIZE }, controller.signal);
          if (controller.signal.aborted) return;
          setState((s) => ({
            items: [...(reset ? [] : s.items), ...page.items.map((record) => ({ record }))],
            next: page.next ?? null,
            total: null,
            countries: null,
            started: true,
            loading: false,
            error: undefined,
          }));
        }
      } catch (error) {
        if (controller.signal.aborted || isAbort(error)) return;
        setState((s) => ({ ...s, started: true, loading: false, error }));
      } finally {
        if (controllerRef.current === controller) loadingRef.current = false;
      }
    },
    [datasetId, active, q, phone, country],
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

  return { ...state, active, hasMore, loadMore, retry };
}
