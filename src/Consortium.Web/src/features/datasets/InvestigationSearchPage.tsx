import { api } from '../../api/client';
import { Breadcrumbs, investigationTrail, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { SearchBrowser } from './SearchBrowser';
import { InvestigationTabs } from '../../shared/InvestigationTabs';

/** Search across every dataset of an investigation that the caller's outlet sees (the server applies compartments). */
export function InvestigationSearchPage({ id }: { id: string }) {
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const datasets = useResource((signal) => api.investigationDatasets(id, signal), [id]);
  const inv = investigation.data;
  // Every column of every dataset searched, in the order the datasets list them.
  const columns = [...new Set((datasets.data ?? []).flatMap((d) => d.columns))];

  return (
    <>
      <Breadcrumbs
        items={[
          ...investigationTrail(id, inv?.name),
          { label: t('investigation.tab.search') },
        ]}
      />
      {(investigation.loading || datasets.loading) && <Loading />}
      {investigation.error !== undefined && <ErrorAlert error={investigation.error} onRetry={investigation.reload} />}
      {datasets.error !== undefined && <ErrorAlert error={datasets.error} onRetry={datasets.reload} />}
      {inv && datasets.data && (
        <>
          <PageHeading title={t('search.page.title', { investigation: inv.name })}>
            {t('search.page.title', { investigation: inv.name })}
          </PageHeading>
          <InvestigationTabs id={id} current="search" myRole={inv.myRole} />
          <SearchBrowser
            scope={{ kind: 'investigation', id }}
            columns={columns}
            datasets={datasets.data}
            caption={t('search.page.caption', { investigation: inv.name })}
          />
        </>
      )}
    </>
  );
}
