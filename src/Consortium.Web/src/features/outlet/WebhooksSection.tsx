import { useId, useState } from 'react';
import { fieldErrors } from '../../api/client';
import { ConfirmDialog } from '../../shared/ConfirmDialog';
import { CopyField, OneTimeSecret } from '../../shared/OneTimeSecret';
import { formatDateTime, formatUtc } from '../../shared/datetime';
import { FormPanel, TextField, useSubmitForm } from '../../shared/forms';
import { DataTable, ErrorAlert, Loading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { useMe } from '../../shared/session';
import { WebhookDeliveries } from './WebhookDeliveries';
import { webhooksApi, type WebhookEndpoint } from './webhooksApi';

/**
 * The outlet's webhook endpoints: list with status, register (secret shown once), rotate the secret (the old one
 * keeps signing for a day), disable and enable, delete after a confirmation, and each endpoint's delivery log.
 */
export function WebhooksSection() {
  const me = useMe();
  const endpoints = useResource((signal) => webhooksApi.list(signal), []);
  const headingId = useId();
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [deleting, setDeleting] = useState<WebhookEndpoint | null>(null);
  const [rotating, setRotating] = useState<WebhookEndpoint | null>(null);
  const [logOf, setLogOf] = useState<WebhookEndpoint | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);

  const replace = (changed: WebhookEndpoint) =>
    endpoints.update((current) => current.map((e) => (e.id === changed.id ? changed : e)));

  const toggle = async (endpoint: WebhookEndpoint) => {
    setError(undefined);
    try {
      replace(await webhooksApi.setEnabled(endpoint.id, !endpoint.enabled));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section aria-labelledby={headingId} className="section" data-testid="webhooks-section">
      <h2 id={headingId}>{t('outlet.webhooks.heading')}</h2>
      <p className="hint">{t('outlet.webhooks.lede')}</p>
      <StatusMessage message={status} />
      {error !== undefined && <ErrorAlert error={error} />}
      {endpoints.loading && <Loading />}
      {endpoints.error !== undefined && <ErrorAlert error={endpoints.error} onRetry={endpoints.reload} />}
      {endpoints.data?.length === 0 && <p className="empty">{t('outlet.webhooks.empty')}</p>}
      {endpoints.data && endpoints.data.length > 0 && (
        <div className="table-wrap">
          <DataTable
            testId="webhook-list"
            caption={t('outlet.webhooks.caption', { outlet: me.outletName })}
            columns={[t('outlet.webhooks.col.url'), t('outlet.webhooks.col.events'), t('outlet.webhooks.col.status'), t('outlet.webhooks.col.actions')]}
          >
            {endpoints.data.map((endpoint) => (
              <tr key={endpoint.id} data-testid="webhook-row" data-endpoint-id={endpoint.id}>
                <th scope="row">
                  <code dir="ltr">{endpoint.url}</code>
                  {endpoint.description && <div className="hint">{endpoint.description}</div>}
                </th>
                <td>{endpoint.eventTypes.length === 0 ? t('outlet.webhooks.allEvents') : endpoint.eventTypes.join(', ')}</td>
                <td data-testid="webhook-status">
                  {endpoint.enabled ? t('outlet.webhooks.enabled') : t('outlet.webhooks.disabled')}
                  {endpoint.disabledReason && <div className="hint">{endpoint.disabledReason}</div>}
                  {endpoint.failingSince && (
                    <div className="hint">
                      {t('outlet.webhooks.failing', {
                        time: formatDateTime(endpoint.failingSince),
                        next: endpoint.nextAttemptAt ? formatDateTime(endpoint.nextAttemptAt) : '—',
                      })}
                    </div>
                  )}
                  {endpoint.previousSecretExpiresAt && (
                    <div className="hint" title={formatUtc(endpoint.previousSecretExpiresAt)}>
                      {t('outlet.webhooks.overlap', { time: formatDateTime(endpoint.previousSecretExpiresAt) })}
                    </div>
                  )}
                </td>
                <td>
                  <div className="button-row" role="group" aria-label={t('outlet.webhooks.actionsLabel', { url: endpoint.url })}>
                    <button type="button" className="button secondary small" onClick={() => setLogOf(endpoint)}>
                      {t('outlet.webhooks.log')}
                    </button>
                    <button type="button" className="button secondary small" onClick={() => setRotating(endpoint)}>
                      {t('outlet.webhooks.rotate')}
                    </button>
                    <button type="button" className="button secondary small" onClick={() => void toggle(endpoint)}>
                      {endpoint.enabled ? t('outlet.webhooks.disable') : t('outlet.webhooks.enable')}
                    </button>
                    <button type="button" className="button secondary small danger-text" onClick={() => setDeleting(endpoint)}>
                      {t('outlet.webhooks.delete')}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
      {logOf && <WebhookDeliveries endpoint={logOf} onClose={() => setLogOf(null)} />}
      <CreateForm
        onCreated={(endpoint, value) => {
          endpoints.update((current) => [...current.filter((e) => e.id !== endpoint.id), endpoint]);
          setSecret({ url: endpoint.url, secret: value });
        }}
      />
      {secret && (
        <OneTimeSecret
          heading={t('outlet.webhooks.secret.heading', { url: secret.url })}
          warning={t('outlet.webhooks.secret.warning')}
          onDone={() => setSecret(null)}
          testId="webhook-secret"
        >
          <CopyField label={t('outlet.webhooks.secret.label')} value={secret.secret} testId="webhook-secret-value" />
        </OneTimeSecret>
      )}
      {rotating && (
        <ConfirmDialog
          title={t('outlet.webhooks.rotate.title', { url: rotating.url })}
          confirmLabel={t('outlet.webhooks.rotate.confirm')}
          danger={false}
          onConfirm={async () => {
            const rotated = await webhooksApi.rotate(rotating.id, 24);
            replace(rotated.endpoint);
            setSecret({ url: rotated.endpoint.url, secret: rotated.secret });
          }}
          onClose={() => setRotating(null)}
        >
          <p>{t('outlet.webhooks.rotate.body')}</p>
        </ConfirmDialog>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('outlet.webhooks.delete.title', { url: deleting.url })}
          confirmLabel={t('outlet.webhooks.delete.confirm')}
          onConfirm={async () => {
            await webhooksApi.remove(deleting.id);
            endpoints.update((current) => current.filter((e) => e.id !== deleting.id));
            if (logOf?.id === deleting.id) setLogOf(null);
            setStatus(t('outlet.webhooks.deleted', { url: deleting.url }));
          }}
          onClose={() => setDeleting(null)}
        >
          <p>{t('outlet.webhooks.delete.body')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function CreateForm({ onCreated }: { onCreated: (endpoint: WebhookEndpoint, secret: string) => void }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('');
  const [description, setDescription] = useState('');
  const form = useSubmitForm(
    async () => {
      const eventTypes = events
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      const created = await webhooksApi.create({ url: url.trim(), eventTypes, description: description.trim() || null });
      setUrl('');
      setEvents('');
      setDescription('');
      onCreated(created.endpoint, created.secret);
    },
    () => (url.trim() ? null : t('outlet.webhooks.create.missing')),
  );

  return (
    <FormPanel heading={t('outlet.webhooks.create.heading')} testId="create-webhook-form" submitLabel={t('outlet.webhooks.create.submit')} form={form}>
      <TextField
        label={t('outlet.webhooks.create.url')}
        hint={t('outlet.webhooks.create.urlHint')}
        type="url"
        dir="ltr"
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2000}
        value={url}
        onValue={setUrl}
        invalid={form.failed && (fieldErrors(form.error, 'url').length > 0 || !url.trim())}
        errorId={form.failed ? form.errorId : undefined}
      />
      <TextField
        label={t('outlet.webhooks.create.events')}
        hint={t('outlet.webhooks.create.eventsHint')}
        type="text"
        dir="ltr"
        autoComplete="off"
        spellCheck={false}
        value={events}
        onValue={setEvents}
        invalid={form.failed && fieldErrors(form.error, 'eventTypes').length > 0}
        errorId={form.failed ? form.errorId : undefined}
      />
      <TextField
        label={t('outlet.webhooks.create.description')}
        type="text"
        autoComplete="off"
        maxLength={500}
        value={description}
        onValue={setDescription}
        invalid={form.failed && fieldErrors(form.error, 'description').length > 0}
        errorId={form.failed ? form.errorId : undefined}
      />
    </FormPanel>
  );
}
