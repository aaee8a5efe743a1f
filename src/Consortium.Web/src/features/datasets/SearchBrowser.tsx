import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import type { Dataset, LeakRecord } from '../../api/types';
import { Link, paths, useRouter } from '../../shared/router';
import { ErrorAlert, Loading } from '../../shared/ui';
import { useShortcuts } from '../../shared/useShortcuts';
import { Field } from '../../shared/forms';
import { t, tp } from '../../i18n';
import { FacetPanel } from './FacetPanel';
import { HighlightText } from './HighlightText';
import { ValueText } from '../../shared/ValueText';
import { emptySearch, isSearchActive, readSearch, searchKeys, toQuery, useRecordPages, type RecordSearch, type SearchScope } from './useRecordPages';
import { LeakPictures } from './pictures/LeakPictures';

const ROW_ESTIMATE_PX = 41;

/**
 * Search over a dataset or a whole investigation: the search form (text, phone digits, date range, sort), the facet
 * panel with counts, and the virtualised result table that loads the next page on its cursor as it scrolls.
 */
export function SearchBrowser({
  scope,
  columns,
  datasets,
  caption,
}: {
  scope: SearchScope;
  columns: string[];
  /** The datasets searched, for the dataset facet and column (investigation-wide search). */
  datasets: Dataset[];
  caption: string;
}) {
  const { location, navigate } = useRouter();
  const [search, setSearch] = useState<RecordSearch>(() => readSearch(location.search));
  const [text, setText] = useState(search.q);
  const [phone, setPhone] = useState(search.phone);
  const [from, setFrom] = useState(search.from);
  const [to, setTo] = useState(search.to);
  // One search call on opening the page gives the first rows, the total and every facet.
  const pages = useRecordPages(scope, search);
  const active = isSearchActive(search);
  const investigationWide = scope.kind === 'investigation';
  const datasetNames = new Map(datasets.map((d) => [d.id, d.name]));
  // The pictures follow this same search (decision 0032); a dataset's come with its investigation, for live pushes.
  const chartScope = scope.kind === 'investigation' ? scope : datasets[0] ? { ...scope, investigationId: datasets[0].investigationId } : null;
  const fromId = useId();
  const toId = useId();
  const orderId = useId();
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const searchId = useId();
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
    for (const key of searchKeys) {
      const value = search[key].trim();
      if (value && value !== emptySearch[key]) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    window.history.replaceState(window.history.state, '', url.pathname + url.search);
  }, [search]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSearch((s) => ({ ...s, q: text.trim(), phone: phone.trim(), from, to }));
  };

  const clear = () => {
    setText('');
    setPhone('');
    setFrom('');
    setTo('');
    setSearch((s) => ({ ...emptySearch, sort: s.sort, order: s.order }));
  };

  /** Picks a facet value, or drops it when it is the one already picked; the typed text goes along. */
  const toggle = (key: 'country' | 'dataset' | 'verification' | 'tag' | 'annotated', value: string) => {
    setSearch((s) => ({ ...s, q: text.trim(), phone: phone.trim(), from, to, [key]: s[key] === value ? '' : value }));
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
  const columnCount = columns.length + (pages.active ? 2 : 1) + (investigationWide ? 1 : 0);

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
        <Field label={t('dataset.search.phoneLabel')} className="search-field">
          {(id) => (
            <>
              <input
                id={id}
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
            </>
          )}
        </Field>
        <fieldset className="search-field date-range">
          <legend className="field-label">{t('search.dates.legend')}</legend>
          <label htmlFor={fromId} className="visually-hidden">
            {t('search.dates.from')}
          </label>
          <input id={fromId} type="date" className="input" value={from} onChange={(e) => setFrom(e.target.value)} aria-label={t('search.dates.from')} />
          <span aria-hidden="true">–</span>
          <label htmlFor={toId} className="visually-hidden">
            {t('search.dates.to')}
          </label>
          <input id={toId} type="date" className="input" value={to} onChange={(e) => setTo(e.target.value)} aria-label={t('search.dates.to')} />
        </fieldset>
        <Field label={t('search.sort.label')} className="search-field">
          {(id) => (
            <>
              <select
                id={id}
                className="input"
                value={search.sort}
                onChange={(e) => {
                  const sort = e.target.value as RecordSearch['sort'];
                  setSearch((s) => ({ ...s, sort }));
                }}
              >
                <option value="row">{t('search.sort.row')}</option>
                <option value="date">{t('search.sort.date')}</option>
                <option value="country">{t('search.sort.country')}</option>
              </select>
              <label htmlFor={orderId} className="visually-hidden">
                {t('search.order.label')}
              </label>
              <select
                id={orderId}
                className="input"
                aria-label={t('search.order.label')}
                value={search.order}
                onChange={(e) => {
                  const order = e.target.value as RecordSearch['order'];
                  setSearch((s) => ({ ...s, order }));
                }}
              >
                <option value="asc">{t('search.order.asc')}</option>
                <option value="desc">{t('search.order.desc')}</option>
              </select>
            </>
          )}
        </Field>
        <div className="search-actions">
          <button type="submit" className="button">
            {t('dataset.search.submit')}
          </button>
          {(active || text || phone || from || to) && (
            <button type="button" className="button secondary" onClick={clear}>
              {t('dataset.search.clear')}
            </button>
          )}
        </div>
      </form>

      {chartScope && <LeakPictures scope={chartScope} query={toQuery(search)} datasetName={(id) => datasetNames.get(id) ?? id} />}

      <div className="records-layout">
        <FacetPanel
          facets={pages.facets}
          search={search}
          investigationWide={investigationWide}
          datasetName={(id) => datasetNames.get(id) ?? id}
          onToggle={toggle}
        />
        <div className="records-main">
          <p id={statusId} className="records-status" role="status" data-testid="records-status">
            {pages.started && !pages.loading && pages.items.length === 0 && pages.error === undefined
              ? t('dataset.table.empty')
              : pages.started && pages.total !== null
                ? tp(pages.totalIsLowerBound ? 'dataset.search.totalAtLeast' : pages.active ? 'dataset.search.total' : 'dataset.records', pages.total)
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
                {caption}
              </caption>
              <thead>
                <tr aria-rowindex={1}>
                  <th scope="col" className="col-row">
                    {t('dataset.table.row')}
                  </th>
                  {investigationWide && <th scope="col">{t('search.dataset')}</th>}
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
                      {investigationWide && <td>{datasetNames.get(record.datasetId) ?? ''}</td>}
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
