import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState, type MouseEvent } from 'react';
import { api } from '../../api/client';
import type { Dataset, LeakRecord } from '../../api/types';
import { Link, paths, useRouter } from '../../app/router';
import { Breadcrumbs, ErrorAlert, Loading, PageHeading } from '../../app/ui';
import { useResource } from '../../app/useResource';
import { useShortcuts } from '../../app/useShortcuts';
import { t, tp } from '../../i18n';
import { CompartmentBadge } from './CompartmentBadge';
import { ValueText } from './ValueText';
import { useRecordPages } from './useRecordPages';

const ROW_ESTIMATE_PX = 41;

/** Keeps only digits: the server matches phone numbers by digits. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), delayMs);
    return () => window.clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

function readQueryParam(search: string): string {
  return new URLSearchParams(search).get('q') ?? '';
}

/** A dataset: its records in rowNumber order, searchable by phone digits. */
export function DatasetPage({ id }: { id: string }) {
  const dataset = useResource((signal) => api.dataset(id, signal), [id]);
  const investigationId = dataset.data?.investigationId;
  const investigation = useResource(
    (signal) => (investigationId ? api.investigation(investigationId, signal) : Promise.resolve(undefined)),
    [investigationId],
  );
  const ds = dataset.data;

  return (
    <>
      <Breadcrumbs
        items={[
          { label: t('nav.investigations'), to: paths.home() },
          ...(investigationId
            ? [{ label: investigation.data?.name ?? '…', to: paths.investigation(investigationId) }]
            : []),
          { label: ds?.name ?? t('app.loading') },
        ]}
      />
      {dataset.loading && <Loading />}
      {dataset.error !== undefined && <ErrorAlert error={dataset.error} onRetry={dataset.reload} />}
      {ds && (
        <>
          <PageHeading title={ds.name}>{ds.name}</PageHeading>
          {ds.description && <p className="lede">{ds.description}</p>}
          <p className="card-meta">
            <CompartmentBadge dataset={ds} />
            <span>{tp('dataset.records', ds.recordCount)}</span>
          </p>
          <RecordsBrowser dataset={ds} />
        </>
      )}
    </>
  );
}

function RecordsBrowser({ dataset }: { dataset: Dataset }) {
  const { location, navigate } = useRouter();
  const [query, setQuery] = useState(() => readQueryParam(location.search));
  const digits = useDebounced(digitsOnly(query), 250);
  const pages = useRecordPages(dataset.id, digits);
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchId = useId();
  const hintId = useId();
  const statusId = useId();

  useShortcuts({
    '/': () => {
      searchRef.current?.focus();
      searchRef.current?.select();
    },
  });

  // Keep the search in the address so Back from a record returns to the same list.
  useEffect(() => {
    const url = new URL(window.location.href);
    if (digits) url.searchParams.set('q', digits);
    else url.searchParams.delete('q');
    window.history.replaceState(window.history.state, '', url.pathname + url.search);
  }, [digits]);

  const count = pages.items.length + (pages.hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 12,
    getItemKey: (index) => pages.items[index]?.id ?? `loader-${index}`,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastIndex = virtualItems.length > 0 ? virtualItems[virtualItems.length - 1]!.index : -1;

  // Infinite scroll: fetch the next page when the loader row comes into view.
  useEffect(() => {
    if (pages.hasMore && !pages.loading && pages.error === undefined && lastIndex >= pages.items.length - 1) {
      pages.loadMore();
    }
  }, [lastIndex, pages]);

  // A new search starts at the top.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [digits]);

  const paddingTop = virtualItems.length > 0 ? virtualItems[0]!.start : 0;
  const paddingBottom = virtualItems.length > 0 ? virtualizer.getTotalSize() - virtualItems[virtualItems.length - 1]!.end : 0;
  const columns = dataset.columns;
  const columnCount = columns.length + 1;

  const openRow = (event: MouseEvent<HTMLTableRowElement>, record: LeakRecord) => {
    // Links inside the row handle their own clicks; text selection should not navigate.
    if ((event.target as HTMLElement).closest('a, button')) return;
    if (window.getSelection()?.toString()) return;
    navigate(paths.record(record.id));
  };

  return (
    <section className="records" aria-labelledby={`${searchId}-caption`}>
      <div className="search-bar" role="search">
        <label htmlFor={searchId} className="field-label">
          {t('dataset.search.label')}
        </label>
        <input
          ref={searchRef}
          id={searchId}
          type="search"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          className="input search-input"
          placeholder={t('dataset.search.placeholder')}
          aria-describedby={`${hintId} ${statusId}`}
          aria-controls={`${searchId}-table`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              if (query) setQuery('');
              else e.currentTarget.blur();
            }
          }}
        />
        <p id={hintId} className="hint">
          {t('dataset.search.hint')}
        </p>
      </div>

      <p id={statusId} className="records-status" role="status">
        {pages.started && !pages.loading && pages.items.length === 0 && pages.error === undefined
          ? t('dataset.table.empty')
          : pages.started
            ? tp('dataset.table.shown', pages.items.length)
            : ''}
      </p>

      <div
        ref={scrollRef}
        className="table-scroll"
        tabIndex={0}
        role="region"
        aria-labelledby={`${searchId}-caption`}
      >
        <table className="records-table" id={`${searchId}-table`} aria-rowcount={pages.hasMore ? -1 : pages.items.length + 1}>
          <caption id={`${searchId}-caption`} className="visually-hidden">
            {t('dataset.table.caption', { dataset: dataset.name })}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col" className="col-row">
                {t('dataset.table.row')}
              </th>
              {columns.map((column) => (
                <th scope="col" key={column}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {paddingTop > 0 && (
              <tr aria-hidden="true" className="spacer">
                <td colSpan={columnCount} style={{ height: paddingTop }} />
              </tr>
            )}
            {virtualItems.map((item) => {
              const record = pages.items[item.index];
              if (!record) {
                return (
                  <tr key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="loader-row">
                    <td colSpan={columnCount}>{pages.error === undefined ? t('dataset.table.loadingMore') : ''}</td>
                  </tr>
                );
              }
              return (
                <tr
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  data-testid="record-row"
                  data-row-number={record.rowNumber}
                  aria-rowindex={item.index + 2}
                  className="record-row"
                  onClick={(e) => openRow(e, record)}
                >
                  <td className="col-row">
                    <Link
                      to={paths.record(record.id)}
                      aria-label={t('dataset.table.openRecord', { row: record.rowNumber })}
                    >
                      {record.rowNumber}
                    </Link>
                  </td>
                  {columns.map((column) => (
                    <td key={column}>
                      <ValueText column={column} value={record.values[column]} />
                    </td>
                  ))}
                </tr>
              );
            })}
            {paddingBottom > 0 && (
              <tr aria-hidden="true" className="spacer">
                <td colSpan={columnCount} style={{ height: paddingBottom }} />
              </tr>
            )}
          </tbody>
        </table>
      </div>

      {!pages.started && pages.error === undefined && <Loading />}
      {pages.error !== undefined && <ErrorAlert error={pages.error} onRetry={pages.retry} />}
      <div className="records-footer">
        {pages.hasMore ? (
          <button type="button" className="button secondary" onClick={pages.loadMore} disabled={pages.loading}>
            {pages.loading ? t('dataset.table.loadingMore') : t('dataset.table.loadMore')}
          </button>
        ) : (
          pages.started && pages.items.length > 0 && <p className="hint">{t('dataset.table.end')}</p>
        )}
      </div>
    </section>
  );
}
