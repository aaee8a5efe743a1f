import { api } from '../../api/client';
import { Breadcrumbs, investigationTrail, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { DatasetList } from './DatasetList';
import { InvestigationTabs } from '../../shared/InvestigationTabs';
import { useOutletName } from '../../shared/session';
import { NewDatasetForm } from './NewDatasetForm';
import { LeakPictures } from './pictures/LeakPictures';

/** One investigation and its datasets. */
export function InvestigationPage({ id }: { id: string }) {
  const investigation = useResource((signal) => api.investigation(id, signal), [id]);
  const datasets = useResource((signal) => api.investigationDatasets(id, signal), [id]);
  const outletName = useOutletName();
  const inv = investigation.data;
  // Coordinators may set compartments; the server checks again on every change.
  const isCoordinator = inv?.myRole === 'coordinator';

  return (
    <>
      <Breadcrumbs
        items={[...investigationTrail(null, undefined), { label: inv?.name ?? t('app.loading') }]}
      />
      {investigation.loading && <Loading />}
      {investigation.error !== undefined && (
        <ErrorAlert error={investigation.error} onRetry={investigation.reload} />
      )}
      {inv && (
        <>
          <PageHeading title={inv.name}>{inv.name}</PageHeading>
          {inv.description && <p className="lede">{inv.description}</p>}
          <InvestigationTabs id={id} current="datasets" myRole={inv.myRole} />
          <dl className="facts">
            <div>
              <dt>{t('investigation.coordinator')}</dt>
              <dd>{outletName(inv.coordinatorOutletId)}</dd>
            </div>
            <div>
              <dt>{t('investigation.members')}</dt>
              <dd>{inv.memberOutletIds.map(outletName).join(', ')}</dd>
            </div>
          </dl>
          <LeakPictures scope={{ kind: 'investigation', id }} query={{}} datasetName={(d) => datasets.data?.find((x) => x.id === d)?.name ?? d} />
          <section aria-labelledby="datasets-heading" className="section">
            <h2 id="datasets-heading">{t('investigation.datasetsHeading')}</h2>
            {datasets.loading && <Loading />}
            {datasets.error !== undefined && <ErrorAlert error={datasets.error} onRetry={datasets.reload} />}
            {datasets.data && (
              <DatasetList
                datasets={datasets.data}
                compartments={
                  isCoordinator
                    ? {
                        memberOutletIds: inv.memberOutletIds,
                        onSaved: (saved) =>
                          datasets.update((current) => current.map((d) => (d.id === saved.id ? saved : d))),
                      }
                    : undefined
                }
              />
            )}
            {/* Coordinators and editors add datasets; the server checks the role again. */}
            {(inv.myRole === 'coordinator' || inv.myRole === 'editor') && <NewDatasetForm investigation={inv} />}
          </section>
        </>
      )}
    </>
  );
}
