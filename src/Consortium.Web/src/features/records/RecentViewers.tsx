import { api } from '../../api/client';
import { ErrorAlert } from '../../shared/ui';
import { useResource } from '../../shared/useResource';
import { t } from '../../i18n';
import { formatDateTime, formatUtc } from '../../shared/datetime';

/** Who of the caller's own outlet opened the record in the last 14 days, newest first (never other outlets). */
export function RecentViewers({ recordId }: { recordId: string }) {
  const viewers = useResource((signal) => api.recentViewers(recordId, signal), [recordId]);
  return (
    <section className="record-viewers" aria-labelledby="viewers-heading" data-testid="recent-viewers">
      <h3 id="viewers-heading">{t('record.viewers.heading')}</h3>
      <p className="hint">{t('record.viewers.hint')}</p>
      {viewers.error !== undefined && <ErrorAlert error={viewers.error} onRetry={viewers.reload} />}
      {viewers.data && viewers.data.length === 0 && <p>{t('record.viewers.empty')}</p>}
      {viewers.data && viewers.data.length > 0 && (
        <ul className="viewers">
          {viewers.data.map((viewer) => (
            <li key={viewer.userId}>
              <span className="viewer-name">{viewer.displayName}</span>{' '}
              <time dateTime={viewer.lastViewedAt} title={formatUtc(viewer.lastViewedAt)}>
                {formatDateTime(viewer.lastViewedAt)}
              </time>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
