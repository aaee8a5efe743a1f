import { api } from '../../api/client';
import { paths } from '../../shared/router';
import { Breadcrumbs, ErrorAlert, Loading, PageHeading } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { useMe } from '../../shared/session';
import { AccountsSection } from './AccountsSection';
import { SyncClientsSection } from './SyncClientsSection';
import { WebhooksSection } from './WebhooksSection';

/**
 * Outlet administration (`/outlet`): the outlet's accounts, sync clients and webhook endpoints. The server answers only the outlet's
 * administrators; anyone else sees its 403 problem here, and the header shows them no link to this page.
 */
export function OutletPage() {
  const me = useMe();
  const accounts = useResource((signal) => api.outletAccounts(signal), []);

  return (
    <>
      <Breadcrumbs items={[{ label: t('nav.investigations'), to: paths.home() }, { label: t('outlet.title') }]} />
      <PageHeading title={t('outlet.title')}>{t('outlet.title')}</PageHeading>
      <p className="lede">{t('outlet.lede', { outlet: me.outletName })}</p>
      {accounts.loading && <Loading />}
      {accounts.error !== undefined && <ErrorAlert error={accounts.error} onRetry={accounts.reload} />}
      {accounts.data && (
        <>
          <AccountsSection accounts={accounts.data} update={accounts.update} />
          <SyncClientsSection />
          <WebhooksSection />
        </>
      )}
    </>
  );
}
