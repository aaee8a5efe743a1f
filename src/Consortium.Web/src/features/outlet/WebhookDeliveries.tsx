import { useEffect, useId, useRef, useState } from 'react';
import { formatDateTimeSeconds, formatUtc } from '../../shared/datetime';
import { DataTable, ErrorAlert, Loading, StatusMessage } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t, type MessageKey } from '../../i18n';
import { webhooksApi, type WebhookAttempt, type WebhookDelivery, type WebhookEndpoint } from './webhooksApi';

const statusKeys: Record<string, MessageKey> = {
  delivered: 'outlet.webhooks.status.delivered',
  retrying: 'outlet.webhooks.status.retrying',
  failed: 'outlet.webhooks.status.failed',
  withdrawn: 'outlet.webhooks.status.withdrawn',
};

/** One endpoint's delivery log, newest first: each event's status and every attempt, with a redelivery per event. */
export function WebhookDeliveries({ endpoint, onClose }: { endpoint: WebhookEndpoint; onClose: () => void }) {
  const deliveries = useResource((signal) => webhooksApi.deliveries(endpoint.id, signal), [endpoint.id]);
  const headingId = useId();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => headingRef.current?.focus(), [endpoint.id]);

  const redeliver = async (delivery: WebhookDelivery) => {
    setBusy(delivery.id);
    setError(undefined);
    try {
      const updated = await webhooksApi.redeliver(endpoint.id, delivery.id);
      deliveries.update((current) => current.map((d) => (d.id === updated.id ? updated : d)));
      setStatus(t('outlet.webhooks.deliveries.redelivered', { id: delivery.eventId }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby={headingId} className="panel" data-testid="webhook-deliveries">
      <h3 id={headingId} ref={headingRef} tabIndex={-1}>
        {t('outlet.webhooks.deliveries.heading', { url: endpoint.url })}
      </h3>
      <div className="button-row">
        <button type="button" className="button secondary small" onClick={deliveries.reload}>
          {t('outlet.webhooks.deliveries.refresh')}
        </button>
        <button type="button" className="button secondary small" onClick={onClose}>
          {t('outlet.webhooks.deliveries.close')}
        </button>
      </div>
      <StatusMessage message={status} />
      {error !== undefined && <ErrorAlert error={error} />}
      {deliveries.loading && <Loading />}
      {deliveries.error !== undefined && <ErrorAlert error={deliveries.error} onRetry={deliveries.reload} />}
      {deliveries.data?.length === 0 && <p className="empty">{t('outlet.webhooks.deliveries.empty')}</p>}
      {deliveries.data && deliveries.data.length > 0 && (
        <div className="table-wrap">
          <DataTable
            testId="webhook-delivery-list"
            caption={t('outlet.webhooks.deliveries.caption', { url: endpoint.url })}
            columns={[
              t('outlet.webhooks.deliveries.col.event'),
              t('outlet.webhooks.deliveries.col.status'),
              t('outlet.webhooks.deliveries.col.attempts'),
              t('outlet.webhooks.deliveries.col.actions'),
            ]}
          >
            {deliveries.data.map((delivery) => (
              <tr key={delivery.id} data-testid="webhook-delivery-row">
                <th scope="row">
                  <div>{delivery.type}</div>
                  <code dir="ltr" className="hint">
                    {delivery.eventId}
                  </code>
                </th>
                <td data-testid="webhook-delivery-status">{t(statusKeys[delivery.status] ?? 'outlet.webhooks.status.retrying')}</td>
                <td>
                  <ol className="attempt-list">
                    {delivery.attemptLog.map((attempt, n) => (
                      <li key={n} title={formatUtc(attempt.at)}>
                        <AttemptText attempt={attempt} />
                      </li>
                    ))}
                  </ol>
                </td>
                <td>
                  <button
                    type="button"
                    className="button secondary small"
                    disabled={busy === delivery.id}
                    aria-busy={busy === delivery.id}
                    aria-label={t('outlet.webhooks.deliveries.redeliverLabel', { id: delivery.eventId })}
                    onClick={() => void redeliver(delivery)}
                  >
                    {t('outlet.webhooks.deliveries.redeliver')}
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </section>
  );
}

function AttemptText({ attempt }: { attempt: WebhookAttempt }) {
  const result =
    attempt.statusCode !== null && attempt.statusCode !== undefined
      ? t('outlet.webhooks.deliveries.http', { code: attempt.statusCode })
      : (attempt.error ?? t('outlet.webhooks.deliveries.noAnswer'));
  return (
    <>
      {t('outlet.webhooks.deliveries.attempt', { time: formatDateTimeSeconds(attempt.at), result, latency: attempt.latencyMs })}
      {attempt.manual && <> {t('outlet.webhooks.deliveries.manual')}</>}
      {attempt.statusCode !== null && attempt.error && <div className="hint">{attempt.error}</div>}
    </>
  );
}
