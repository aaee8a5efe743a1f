import { api } from '../../api/client';
import { Breadcrumbs, investigationTrail, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t, tp } from '../../i18n';
import { CompartmentBadge } from './CompartmentBadge';
import { ImportPanel } from './ImportPanel';
import { ExportPanel } from './ExportPanel';
import { SearchBrowser } from './SearchBrowser';

/** Keeps only digits: the server matches phone numbers by digits. */
export function digitsOnly(value: string): string {
  return value.replace(/\D+/g, '');
}

/** A dataset: its records, searchable, filterable by every facet, sortable, paged on a cursor as the table scrolls. */
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
          ...investigationTrail(investigationId, investigation.data?.name, '…'),
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
          {/* The roles that bring data in take it out; the server checks again and asks for a recent sign-in. */}
          {(investigation.data?.myRole === 'coordinator' || investigation.data?.myRole === 'editor') && <ExportPanel datasetId={ds.id} />}
          {/* Keyed by the count: records imported meanwhile are listed afresh. */}
          <SearchBrowser
            key={ds.recordCount}
            scope={{ kind: 'dataset', id: ds.id }}
            columns={ds.columns}
            datasets={[ds]}
            caption={t('dataset.table.caption', { dataset: ds.name })}
          />
        </>
      )}
    </>
  );
}
