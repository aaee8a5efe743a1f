import { useId, useState } from 'react';
import { api } from '../../api/client';
import type { SyncClient, SyncClientCredentials } from '../../api/types';
import { ConfirmDialog } from '../../shared/ConfirmDialog';
import { CopyField, OneTimeSecret } from '../../shared/OneTimeSecret';
import { FormPanel, TextField, useSubmitForm } from '../../shared/forms';
import { useFieldProblems } from '../../shared/FormErrors';
import { DataTable, ErrorAlert, Loading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { useMe } from '../../shared/session';

/** The outlet's sync clients: list, "Register a sync client" (credentials shown once), "Delete" after a confirmation. */
export function SyncClientsSection() {
  const me = useMe();
  const clients = useResource((signal) => api.syncClients(signal), []);
  const headingId = useId();
  const [credentials, setCredentials] = useState<SyncClientCredentials | null>(null);
  const [deleting, setDeleting] = useState<SyncClient | null>(null);
  const [status, setStatus] = useState<string | null>(null);

  const remove = async (client: SyncClient) => {
    await api.deleteSyncClient(client.clientId);
    clients.update((current) => current.filter((c) => c.clientId !== client.clientId));
    setStatus(t('outlet.clients.deleted', { name: client.displayName || client.clientId }));
  };

  return (
    <section aria-labelledby={headingId} className="section">
      <h2 id={headingId}>{t('outlet.clients.heading')}</h2>
      <p className="hint">{t('outlet.clients.lede')}</p>
      <StatusMessage message={status} />
      {clients.loading && <Loading />}
      {clients.error !== undefined && <ErrorAlert error={clients.error} onRetry={clients.reload} />}
      {clients.data?.length === 0 && <p className="empty">{t('outlet.clients.empty')}</p>}
      {clients.data && clients.data.length > 0 && (
        <div className="table-wrap">
          <DataTable
            testId="sync-client-list"
            caption={t('outlet.clients.caption', { outlet: me.outletName })}
            columns={[t('outlet.clients.col.name'), t('outlet.clients.col.id'), t('outlet.clients.col.actions')]}
          >
              {clients.data.map((client) => (
                <tr key={client.clientId} data-testid="sync-client-row" data-client-id={client.clientId}>
                  <th scope="row">{client.displayName}</th>
                  <td>
                    <code dir="ltr">{client.clientId}</code>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button secondary small danger-text"
                      aria-label={t('outlet.clients.deleteLabel', { name: client.displayName || client.clientId })}
                      onClick={() => setDeleting(client)}
                    >
                      {t('outlet.clients.delete')}
                    </button>
                  </td>
                </tr>
              ))}
          </DataTable>
        </div>
      )}
      <RegisterForm
        onRegistered={(created) => {
          clients.update((current) => [
            ...current.filter((c) => c.clientId !== created.clientId),
            { clientId: created.clientId, displayName: created.displayName },
          ]);
          setCredentials(created);
        }}
      />
      {credentials && (
        <OneTimeSecret
          heading={t('outlet.register.resultHeading', { name: credentials.displayName })}
          warning={t('outlet.register.warning')}
          onDone={() => setCredentials(null)}
          testId="sync-client-credentials"
        >
          <CopyField label={t('outlet.register.clientId')} value={credentials.clientId} testId="sync-client-id" />
          <CopyField label={t('outlet.register.secret')} value={credentials.clientSecret} testId="sync-client-secret" />
        </OneTimeSecret>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('outlet.clients.delete.title', { name: deleting.displayName || deleting.clientId })}
          confirmLabel={t('outlet.clients.delete.confirm')}
          onConfirm={() => remove(deleting)}
          onClose={() => setDeleting(null)}
        >
          <p>{t('outlet.clients.delete.body', { clientId: deleting.clientId })}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function RegisterForm({ onRegistered }: { onRegistered: (credentials: SyncClientCredentials) => void }) {
  const [name, setName] = useState('');
  const form = useSubmitForm(
    async () => {
      const created = await api.registerSyncClient({ displayName: name.trim() });
      setName('');
      onRegistered(created);
    },
    () => (name.trim() ? null : t('outlet.register.missing')),
  );

  const problems = useFieldProblems(form.error, ['displayName']);

  return (
    <FormPanel heading={t('outlet.register.heading')} testId="register-client-form" submitLabel={t('outlet.register.submit')} form={form} shownBesideFields={problems.fields}>
      <TextField
        label={t('outlet.register.name')}
        hint={t('outlet.register.nameHint')}
        type="text"
        autoComplete="off"
        required
        maxLength={200}
        value={name}
        onValue={setName}
        invalid={form.failed && !name.trim()}
        problem={problems.of('displayName')}
        errorId={form.failed ? form.errorId : undefined}
      />
    </FormPanel>
  );
}
