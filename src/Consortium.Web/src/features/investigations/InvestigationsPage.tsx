import { api } from '../../api/client';
import { paths } from '../../shared/router';
import { CardContent, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t, tp } from '../../i18n';
import { useOutletName } from '../../shared/session';
import { NewInvestigationForm } from './NewInvestigationForm';

/** Home: the investigations the signed-in user's outlet belongs to. */
export function InvestigationsPage() {
  const investigations = useResource((signal) => api.investigations(signal), []);
  const outletName = useOutletName();

  return (
    <>
      <PageHeading title={t('investigations.title')}>{t('investigations.title')}</PageHeading>
      {investigations.loading && <Loading />}
      {investigations.error !== undefined && (
        <ErrorAlert error={investigations.error} onRetry={investigations.reload} />
      )}
      {investigations.data?.length === 0 && <p className="empty">{t('investigations.empty')}</p>}
      {investigations.data && investigations.data.length > 0 && (
        <ul className="card-list">
          {investigations.data.map((inv) => (
            <li key={inv.id} className="card">
              <CardContent
                title={inv.name}
                to={paths.investigation(inv.id)}
                headingLevel={2}
                linkTestId="investigation-link"
                description={inv.description}
                meta={
                  <>
                    <span>{t('investigations.coordinator', { outlet: outletName(inv.coordinatorOutletId) })}</span>
                    <span>{tp('investigations.members', inv.memberOutletIds.length)}</span>
                    <span>{tp('investigations.datasets', inv.datasetCount)}</span>
                  </>
                }
              />
            </li>
          ))}
        </ul>
      )}
      {/* After the list: what a person comes for first is their investigations. */}
      <NewInvestigationForm />
    </>
  );
}
