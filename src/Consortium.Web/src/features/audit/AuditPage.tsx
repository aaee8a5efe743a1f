import { useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../../api/client';
import type { AuditFilter } from '../../api/types';
import { useRouter } from '../../shared/router';
import { Breadcrumbs, investigationTrail, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t, tp } from '../../i18n';
import { InvestigationTabs } from '../../shared/InvestigationTabs';
import { useOutletName } from '../../shared/session';
import { AuditFilters, type ActorChoice } from './AuditFilters';
import { AuditTable } from './AuditTable';
import { useAuditPages } from './useAuditPages';

const filterKeys = ['action', 'actor', 'from', 'to'] as const;

/** The filter in the address (`?action=&actor=&from=&to=`, times as UTC instants), so a reload or a shared link keeps it. */
function readFilter(search: string): AuditFilter {
  const params = new URLSearchParams(search);
  const filter: AuditFilter = {};
  for (const key of filterKeys) {
    const value = params.get(key);
    if (!value) continue;
    if ((key === 'from' || key === 'to') && Number.isNaN(Date.parse(value))) continue;
    filter[key] = value;
  }
  return filter;
}

function writeFilter(filter: AuditFilter): void {
  const url = new URL(window.location.href);
  for (const key of filterKeys) {
    const value = filter[key];
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  window.history.replaceState(window.history.state, '', url.pathname + url.search);
}

function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 403 || error.status === 404);
}

/**
 * `/investigations/:id/audit`: the investigation's audit log for its coordinators, newest first, filtered by action,
 * person and time, paged with "Load more". Anyone else who opens the address sees the server's refusal.
 */
export function AuditPage({ id }: { id: string }) {
  const { location } = useRouter();
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  // Every member may read the member list: it names the people the actor filter offers.
  const members = useResource((signal) => api.members(id, signal), [id]);
  const outletName = useOutletName();
  const [filter, setFilter] = useState<AuditFilter>(() => readFilter(location.search));
  const pages = useAuditPages(id, filter);
  const inv = investigation.data;

  const apply = (next: AuditFilter) => {
    writeFilter(next);
    setFilter(next);
  };

  const names = useMemo(() => new Map((members.data ?? []).map((m) => [m.userId, m.displayName])), [members.data]);

  // Members first; then anyone the loaded entries name who is no longer a member (removed, or access expired).
  const actors = useMemo<ActorChoice[]>(() => {
    const people = new Map<string, { name: string; outletId: string | null }>();
    for (const m of members.data ?? []) people.set(m.userId, { name: m.displayName, outletId: m.outletId });
    for (const e of pages.items) {
      if (!people.has(e.actorUserId)) people.set(e.actorUserId, { name: e.actorDisplayName, outletId: e.actorOutletId });
    }
    return [...people.entries()]
      .map(([userId, p]) => ({
        userId,
        label: t('audit.filters.actorOption', {
          name: p.name,
          outlet: p.outletId ? outletName(p.outletId) : t('audit.unidentified'),
        }),
      }))
      .sort((a, b) => a.label.localeCompare(b.label));
  }, [members.data, pages.items, outletName]);

  const title = inv ? t('audit.heading', { investigation: inv.name }) : t('audit.title');
  const filtered = filterKeys.some((key) => filter[key]);

  return (
    <>
      <Breadcrumbs
        items={[
          ...investigationTrail(id, inv?.name),
          { label: t('audit.title') },
        ]}
      />
      {investigation.loading && <Loading />}
      {investigation.error !== undefined && <ErrorAlert error={investigation.error} onRetry={investigation.reload} />}
      {inv && (
        <>
          <PageHeading title={title}>{title}</PageHeading>
          <InvestigationTabs id={id} current="audit" myRole={inv.myRole} />
          {!pages.accessible ? (
            // Until a page has come back, the server has not said whether this caller may read the log.
            pages.error !== undefined ? (
              <ErrorAlert error={pages.error} onRetry={isRefusal(pages.error) ? undefined : pages.retry} />
            ) : (
              <Loading />
            )
          ) : (
            <>
              <p className="lede">{t('audit.lede')}</p>
              <p className="hint audit-chain" data-testid="audit-chain-note">
                {t('audit.chain')} {t('audit.chainIndex')}
              </p>
              <AuditFilters applied={filter} actors={actors} busy={pages.loading} onApply={apply} />
              <AuditEntries
                pages={pages}
                filtered={filtered}
                caption={t('audit.table.caption', { investigation: inv.name })}
                outletName={outletName}
                personName={(userId) => names.get(userId)}
              />
            </>
          )}
        </>
      )}
    </>
  );
}

function AuditEntries({
  pages,
  filtered,
  caption,
  outletName,
  personName,
}: {
  pages: ReturnType<typeof useAuditPages>;
  filtered: boolean;
  caption: string;
  outletName: (outletId: string) => string;
  personName: (userId: string) => string | undefined;
}) {
  const endRef = useRef<HTMLParagraphElement>(null);
  // "Load more" disappears with the last page: focus then moves to the end note instead of being lost.
  const focusEnd = useRef(false);
  useEffect(() => {
    if (pages.loading || !focusEnd.current) return;
    focusEnd.current = false;
    if (!pages.hasMore && pages.error === undefined) endRef.current?.focus();
  }, [pages.loading, pages.hasMore, pages.error]);

  const status = !pages.started
    ? ''
    : pages.items.length === 0 && pages.error === undefined
      ? filtered
        ? t('audit.empty')
        : t('audit.emptyAll')
      : tp('audit.shown', pages.items.length);

  return (
    <div className="section audit-entries">
      <p className="records-status" role="status" data-testid="audit-status">
        {status}
      </p>
      {!pages.started && pages.error === undefined && <Loading />}
      {pages.items.length > 0 && (
        <AuditTable
          entries={pages.items}
          caption={caption}
          outletName={outletName}
          personName={personName}
          busy={pages.loading}
        />
      )}
      {pages.error !== undefined && <ErrorAlert error={pages.error} onRetry={pages.retry} />}
      <div className="records-footer">
        {pages.hasMore ? (
          <button
            type="button"
            className="button secondary"
            onClick={() => {
              if (pages.loading) return;
              focusEnd.current = true;
              pages.loadMore();
            }}
            // Not `disabled`: a disabled button drops keyboard focus while the page loads.
            aria-disabled={pages.loading}
            aria-busy={pages.loading}
            data-testid="audit-load-more"
          >
            {pages.loading ? t('audit.loadingMore') : t('audit.loadMore')}
          </button>
        ) : (
          pages.started &&
          pages.items.length > 0 &&
          pages.error === undefined && (
            <p className="hint" ref={endRef} tabIndex={-1}>
              {t('audit.end')}
            </p>
          )
        )}
      </div>
    </div>
  );
}
