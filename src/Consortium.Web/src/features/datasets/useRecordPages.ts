import { useCallback, useEffect, useRef, useState } from 'react';
import { api, isAbort } from '../../api/client';
import type { LeakRecord, SearchFacets, SearchHighlight, SearchQuery, SearchSort } from '../../api/types';

export const PAGE_SIZE = 100;

/** A listed record, with the highlights that say why it matched. */
export interface RecordRow {
  record: LeakRecord;
  highlights?: SearchHighlight[];
}

/** What is searched: a dataset, or every dataset of an investigation the caller sees. */
export type SearchScope = { kind: 'dataset'; id: string } | { kind: 'investigation'; id: string };

/** Every parameter of a search, as text ('' for unset), as kept in the address bar. */
export interface RecordSearch {
  /** Full text (websearch syntax). */
  q: string;
  /** Phone digits, any format. */
  phone: string;
  /** Two-letter country code. */
  country: string;
  dataset: string;
  verification: string;
  tag: string;
  annotated: '' | 'true' | 'false';
  from: string;
  to: string;
  sort: SearchSort;
  order: 'asc' | 'desc';
}

export const searchKeys = ['q', 'phone', 'country', 'dataset', 'verification', 'tag', 'annotated', 'from', 'to', 'sort', 'order'] as const;

export const emptySearch: RecordSearch = {
  q: '',
  phone: '',
  country: '',
  dataset: '',
  verification: '',
  tag: '',
  annotated: '',
  from: '',
  to: '',
  sort: 'row',
  order: 'asc',
};

export function readSearch(search: string): RecordSearch {
  const params = new URLSearchParams(search);
  const get = (key: string) => params.get(key) ?? '';
  const sort = get('sort');
  const annotated = get('annotated');
  return {
    q: get('q'),
    phone: get('phone'),
    country: get('country'),
    dataset: get('dataset'),
    verification: get('verification'),
    tag: get('tag'),
    annotated: annotated === 'true' || annotated === 'false' ? annotated : '',
    from: get('from'),
    to: get('to'),
    sort: sort === 'date' || sort === 'country' ? sort : 'row',
    order: get('order') === 'desc' ? 'desc' : 'asc',
  };
}

export function isSearchActive(search: RecordSearch): boolean {
  return searchKeys.some((key) => key !== 'sort' && key !== 'order' && search[key].trim() !== '');
}

export function toQuery(search: RecordSearch): SearchQuery {
  return {
    q: search.q.trim(),
    phone: search.phone.trim(),
    country: search.country,
    dataset: search.dataset,
    verification: search.verification,
    tag: search.tag,
    annotated: search.annotated,
    from: search.from,
    to: search.to,
    sort: search.sort,
    order: search.order,
  };
}

interface PagesState {
  items: RecordRow[];
  next: string | null;
  /** Matches of the whole search and the facet counts, from its first page. */
  total: number | null;
  /** The total (and the record counts of the facets) are lower bounds. */
  totalIsLowerBound: boolean;
  facets: SearchFacets | null;
  /** True once the first page of the current search has arrived. */
  started: boolean;
  loading: boolean;
  error: unknown;
}

const empty: PagesState = {
  items: [],
  next: null,
  total: null,
  totalIsLowerBound: false,
  facets: null,
  started: false,
  loading: true,
  error: undefined,
};

/**
 * Pages of a search on its opaque cursor. Opening the page is one search call (results, total and facets at once);
 * further pages ask for no facets, so scrolling deep costs a keyset page each and nothing more.
 */
export function useRecordPages(scope: SearchScope, search: RecordSearch) {
  const [state, setState] = useState<PagesState>(empty);
  const controllerRef = useRef<AbortController | null>(null);
  const loadingRef = useRef(false);
  const key = JSON.stringify(toQuery(search));
  const active = isSearchActive(search);

  const fetchPage = useCallback(
    async (after: string | null, reset: boolean) => {
      controllerRef.current?.abort();
      const controller = new AbortController();
      controllerRef.current = controller;
      loadingRef.current = true;
      setState((s) => (reset ? empty : { ...s, loading: true, error: undefined }));
      try {
        const query = { ...(JSON.parse(key) as SearchQuery), after, limit: PAGE_SIZE, facets: after === null };
        const page =
          scope.kind === 'dataset'
            ? await api.search(scope.id, query, controller.signal)
            : await api.searchInvestigation(scope.id, query, controller.signal);
        if (controller.signal.aborted) return;
        setState((s) => ({
          items: [...(reset ? [] : s.items), ...page.items.map((r) => ({ record: r.record, highlights: r.highlights }))],
          next: page.next ?? null,
          total: reset ? page.total : s.total,
          totalIsLowerBound: reset ? page.totalIsLowerBound === true : s.totalIsLowerBound,
          facets: reset ? page.facets : s.facets,
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
    [scope.kind, scope.id, key],
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
