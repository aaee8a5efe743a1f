import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import { api } from '../../api/client';
import type { Dataset, FacetCount, LeakRecord } from '../../api/types';
import { Link, paths, useRouter } from '../../app/router';
import { Breadcrumbs, ErrorAlert, Loading, PageHeading } from '../../app/ui';
import { useResource } from '../../app/useResource';
import { useShortcuts } from '../../app/useShortcuts';
import { t, tp } from '../../i18n';
import { CompartmentBadge } from './CompartmentBadge';
import { ImportPanel } from './ImportPanel';
import { ValueText } from './ValueText';
import { HighlightText } from './HighlightText';
import { isSearchActive, useRecordPages, type RecordSearch } from './useRecordPages';

const ROW_ESTIMATE_PX = 41;

/** Keeps only digits: the server matches phone numbers by digits. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

function readSearch(search: string): RecordSearch {
  const params = new URLSearchParams(search);
  return { q: params.get('q') ?? '', phone: params.get('phone') ?? '', country: params.get('country') ?? '' };
}

/** A dataset: its records in rowNumber order, searchable by full text, phone digits and country. */
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
          <ImportPanel
            dataset={ds}
            canImport={investigation.data?.myRole === 'coordinator' || investigation.data?.myRole === 'editor'}
            onImported={dataset.reload}
          />
          {/* Keyed by the count: records imported meanwhile are listed afresh. */}
          <RecordsBrowser key={ds.recordCount} dataset={ds} />
        </>
      )}
    </>
  );
}

function RecordsBrowser({ dataset }: { dataset: Dataset }) {
  const { location, navigate } = useRouter();
  const [search, setSearch] = useState<RecordSearch>(() => readSearch(location.search));
  const [text, setText] = useState(search.q);
  const [phone, setPhone] = useState(search.phone);
  const pages = useRecordPages(dataset.id, search);
  const active = isSearchActive(search);
  // Without a search, the country facets come from a search with no filters (one result is enough).
  const facets = useResource(
    (signal) =>
      active ? Promise.resolve(undefined) : api.search(dataset.id, { limit: 1 }, signal).then((page) => page.countries),
    [dataset.id, active],
  );
  const countries: FacetCount[] = (active ? pages.countries : facets.data) ?? [];
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchId = useId();
  const phoneId = useId();
  const hintId = useId();
  const phoneHintId = useId();
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
    for (const key of ['q', 'phone', 'country'] as const) {
      const value = search[key].trim();
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    window.history.replaceState(window.history.state, '', url.pathname + url.search);
  }, [search]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSearch((s) => ({ ...s, q: text.trim(), phone: phone.trim() }));
  };

  const clear = () => {
    setText('');
    setPhone('');
    setSearch({ q: '', phone: '', country: '' });
  };

  const toggleCountry = (value: string | null) => {
    if (value === null) return;
    setSearch((s) => ({ ...s, q: text.trim(), phone: phone.trim(), country: s.country === value ? '' : value }));
  };

  const count = pages.items.length + (pages.hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 12,
    getItemKey: (index) => pages.items[index]?.record.id ?? `loader-${index}`,
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
  }, [search]);

  const paddingTop = virtualItems.length > 0 ? virtualItems[0]!.start : 0;
  const paddingBottom = virtualItems.length > 0 ? virtualizer.getTotalSize() - virtualItems[virtualItems.length - 1]!.end : 0;
  const columns = dataset.columns;
  const columnCount = columns.length + (pages.active ? 2 : 1);

  const openRow = (event: MouseEvent<HTMLTableRowElement>, record: LeakRecord) => {
    // Links inside the row handle their own clicks; text selection should not navigate.
    if ((event.target as HTMLElement).closest('a, button')) return;
    if (window.getSelection()?.toString()) return;
    navigate(paths.record(record.id));
  };

  return (
    <section className="records" aria-labelledby={`${searchId}-caption`}>
      <form className="search-bar" role="search" onSubmit={submit} data-testid="dataset-search-form">
        <div className="search-field">
          <label htmlFor={searchId} className="field-label">
            {t('dataset.search.label')}
          </label>
          <input
            ref={searchRef}
            id={searchId}
            type="search"
            autoComplete="off"
            spellCheck={false}
            maxLength={500}
            className="input search-input"
            placeholder={t('dataset.search.placeholder')}
            aria-describedby={`${hintId} ${statusId}`}
            aria-controls={`${searchId}-table`}
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                if (text || search.q) {
                  setText('');
                  setSearch((s) => ({ ...s, q: '' }));
                } else e.currentTarget.blur();
              }
            }}
          />
          <p id={hintId} className="hint">
            {t('dataset.search.hint')}
          </p>
        </div>
        <div className="search-field">
          <label htmlFor={phoneId} className="field-label">
            {t('dataset.search.phoneLabel')}
          </label>
          <input
            id={phoneId}
            type="search"
            inputMode="tel"
            autoComplete="off"
            spellCheck={false}
            className="input phone-input"
            placeholder={t('dataset.search.phonePlaceholder')}
            aria-describedby={phoneHintId}
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
          />
          <p id={phoneHintId} className="hint">
            {t('dataset.search.phoneHint')}
          </p>
        </div>
        <div className="search-actions">
          <button type="submit" className="button">
            {t('dataset.search.submit')}
          </button>
          {(active || text || phone) && (
            <button type="button" className="button secondary" onClick={clear}>
              {t('dataset.search.clear')}
            </button>
          )}
        </div>
      </form>

      <div className="records-layout">
        <nav aria-label={t('dataset.facets.label')} className="facets" data-testid="country-facets">
          <h2 className="facets-title">{t('dataset.facets.title')}</h2>
          {countries.length === 0 ? (
            <p className="hint">{t('dataset.facets.none')}</p>
          ) : (
            <ul className="facet-list">
              {countries.map((facet) => {
                const label = facet.value ?? t('dataset.facets.noCountry');
                const selected = facet.value !== null && search.country === facet.value;
                return (
                  <li key={facet.value ?? ''}>
                    <button
                      type="button"
                      className="facet-button"
                      data-testid="country-facet"
                      data-country={facet.value ?? ''}
                      aria-pressed={selected}
                      disabled={facet.value === null}
                      onClick={() => toggleCountry(facet.value)}
                    >
                      <span className="facet-value">{label}</span> <span className="facet-count">{facet.count}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          )}
        </nav>
        <div className="records-main">
          <p id={statusId} className="records-status" role="status" data-testid="records-status">
            {pages.started && !pages.loading && pages.items.length === 0 && pages.error === undefined
              ? t('dataset.table.empty')
              : pages.started && pages.active && pages.total !== null
                ? tp('dataset.search.total', pages.total)
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
                  {pages.active && (
                    <th scope="col" className="col-matches">
                      {t('dataset.search.matches')}
                    </th>
                  )}
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
                  const row = pages.items[item.index];
                  if (!row) {
                    return (
                      <tr key={item.key} data-index={item.index} ref={virtualizer.measureElement} className="loader-row">
                        <td colSpan={columnCount}>{pages.error === undefined ? t('dataset.table.loadingMore') : ''}</td>
                      </tr>
                    );
                  }
                  const { record, highlights } = row;
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
                      {pages.active && (
                        <td className="col-matches">
                          {(highlights ?? []).map((h, i) => (
                            <span key={`${h.field}-${i}`} className="highlight" data-testid="search-highlight">
                              <span className="highlight-field">{h.field}</span>{' '}
                              <HighlightText text={h.text} matches={h.matches} />
                            </span>
                          ))}
                        </td>
                      )}
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
        </div>
      </div>
    </section>
  );
}
