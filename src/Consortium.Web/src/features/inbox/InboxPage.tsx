import { useState } from 'react';
import { api, describeError } from '../../api/client';
import type { Notification } from '../../api/types';
import { Link, paths } from '../../app/router';
import { ErrorAlert, Loading, PageHeading } from '../../app/ui';
import { useResource } from '../../app/useResource';
import { formatDateTime, formatUtc, t } from '../../i18n';
import { useHubEvent } from '../../live/LiveConnection';

/** The caller's inbox, newest first; new entries arrive live. */
export function InboxPage() {
  const inbox = useResource((signal) => api.inbox(signal), []);
  const preference = useResource((signal) => api.digestPreference(signal), []);
  const [message, setMessage] = useState('');

  useHubEvent<[Notification]>('notificationReceived', (n) => {
    if (n) inbox.update((items) => (items.some((i) => i.id === n.id) ? items : [n, ...items]));
  });

  const savePreference = async (dailyDigest: boolean, hourUtc: number) => {
    try {
      preference.update(() => ({ dailyDigest, hourUtc }));
      await api.setDigestPreference({ dailyDigest, hourUtc });
      setMessage(t('inbox.digestSaved'));
    } catch (e) {
      setMessage(describeError(e).title);
    }
  };

  return (
    <>
      <PageHeading title={t('inbox.title')}>{t('inbox.title')}</PageHeading>
      <p className="lede">{t('inbox.lede')}</p>
      {preference.data && (
        <div className="form-row">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={preference.data.dailyDigest}
              onChange={(e) => void savePreference(e.target.checked, preference.data!.hourUtc)}
            />{' '}
            {t('inbox.digest')}
          </label>
          <label className="field-inline">
            {t('inbox.digestHour')}{' '}
            <input
              className="input"
              type="number"
              min={0}
              max={23}
              value={preference.data.hourUtc}
              onChange={(e) => void savePreference(preference.data!.dailyDigest, Number(e.target.value))}
            />
          </label>
          <p className="hint" role="status">
            {message}
          </p>
        </div>
      )}
      {inbox.loading && <Loading />}
      {inbox.error !== undefined && <ErrorAlert error={inbox.error} onRetry={inbox.reload} />}
      {inbox.data && inbox.data.length === 0 && <p>{t('inbox.empty')}</p>}
      {inbox.data && inbox.data.length > 0 && (
        <ul className="inbox" data-testid="inbox">
          {inbox.data.map((n) => (
            <li key={n.id} className={n.read ? 'inbox-entry' : 'inbox-entry is-unread'} data-testid="inbox-entry">
              <span className="badge">{n.reason}</span> {n.summary}{' '}
              <time dateTime={n.at} title={formatUtc(n.at)}>
                {formatDateTime(n.at)}
              </time>{' '}
              <Link to={paths.record(n.recordId)}>{t('inbox.open')}</Link>{' '}
              {!n.read && (
                <button
                  type="button"
                  className="button link"
                  onClick={() =>
                    void api.markRead(n.id).then(() => inbox.update((items) => items.map((i) => (i.id === n.id ? { ...i, read: true } : i))))
                  }
                >
                  {t('inbox.markRead')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
