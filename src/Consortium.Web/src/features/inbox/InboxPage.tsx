import { useEffect, useState } from 'react';
import { api, describeError } from '../../api/client';
import { Link, paths } from '../../shared/router';
import { ErrorAlert, Loading, PageHeading, StatusMessage } from '../../shared/ui';
import { t, type MessageKey } from '../../i18n';
import { formatDateTime, formatUtc } from '../../shared/datetime';
import type { DigestPreference, InboxEntry } from '../../api/types';
import { useInbox } from './InboxProvider';

const reasons = ['mention', 'reply', 'assignment', 'verification'] as const;

function reasonLabel(reason: string): string {
  return (reasons as readonly string[]).includes(reason) ? t(`inbox.reason.${reason}` as MessageKey) : reason;
}

/** The person's inbox: mentions, replies, assignments and verification changes on followed records, live. */
export function InboxPage() {
  const inbox = useInbox();
  const [filter, setFilter] = useState<'all' | 'unread'>('all');
  const [message, setMessage] = useState<string | null>(null);
  const [markError, setMarkError] = useState<unknown>(undefined);
  const shown = (inbox.entries ?? []).filter((e) => filter === 'all' || !e.read);

  const markRead = async (entry: InboxEntry) => {
    setMarkError(undefined);
    try {
      await inbox.markRead(entry.id);
      setMessage(t('inbox.markedRead'));
    } catch (error) {
      setMarkError(error);
    }
  };

  return (
    <>
      <PageHeading title={t('inbox.title')}>{t('inbox.title')}</PageHeading>
      <p className="lede" data-testid="inbox-unread">
        {inbox.unread === 0 ? t('inbox.allRead') : t('inbox.unreadCount', { count: inbox.unread })}
      </p>
      <DigestToggle />
      <fieldset className="inbox-filter">
        <legend>{t('inbox.show')}</legend>
        <label className="field-inline">
          <input type="radio" name="inbox-filter" checked={filter === 'all'} onChange={() => setFilter('all')} />{' '}
          {t('inbox.showAll')}
        </label>
        <label className="field-inline">
          <input type="radio" name="inbox-filter" checked={filter === 'unread'} onChange={() => setFilter('unread')} />{' '}
          {t('inbox.showUnread')}
        </label>
      </fieldset>
      <StatusMessage message={message} />
      {markError !== undefined && <ErrorAlert error={markError} />}
      {inbox.entries === undefined && inbox.error === undefined && <Loading />}
      {inbox.error !== undefined && <ErrorAlert error={inbox.error} onRetry={inbox.reload} />}
      {inbox.entries !== undefined && shown.length === 0 && <p className="empty">{t('inbox.empty')}</p>}
      {shown.length > 0 && (
        <ul className="inbox-list" data-testid="inbox-list">
          {shown.map((entry) => (
            <li
              key={entry.id}
              className={entry.read ? 'inbox-entry' : 'inbox-entry is-unread'}
              data-testid="inbox-entry"
              data-reason={entry.reason}
              data-read={entry.read ? 'true' : 'false'}
              data-new={inbox.liveIds.has(entry.id) ? 'true' : undefined}
            >
              <p className="inbox-entry-head">
                <span className="badge">{reasonLabel(entry.reason)}</span>{' '}
                {!entry.read && <span className="badge badge-new">{t('inbox.unread')}</span>}{' '}
                <time dateTime={entry.at} title={formatUtc(entry.at)} className="hint">
                  {formatDateTime(entry.at)}
                </time>
              </p>
              <p className="inbox-summary">{entry.summary}</p>
              <p className="inbox-actions">
                <Link to={paths.record(entry.recordId)}>{t('inbox.openRecord')}</Link>
                {!entry.read && (
                  <button type="button" className="button secondary small" onClick={() => void markRead(entry)}>
                    {t('inbox.markRead')}
                    <span className="visually-hidden">: {entry.summary}</span>
                  </button>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Daily digest on or off; saved when changed (a checkbox, so one change is one save). */
function DigestToggle() {
  const [preference, setPreference] = useState<DigestPreference | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [hour, setHour] = useState(7);

  useEffect(() => {
    const controller = new AbortController();
    api.digestPreference(controller.signal).then(
      (p) => {
        setPreference(p);
        setHour(p.hourUtc);
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setError(e);
      },
    );
    return () => controller.abort();
  }, []);

  const save = async (dailyDigest: boolean, hourUtc: number) => {
    if (!preference) return;
    setSaving(true);
    setError(undefined);
    setMessage(null);
    // The checkbox shows the change at once; a refusal puts it back.
    const before = preference;
    setPreference({ dailyDigest, hourUtc });
    try {
      const saved = await api.setDigestPreference({ dailyDigest, hourUtc });
      const hourOnly = saved.dailyDigest === before.dailyDigest;
      setPreference(saved);
      setHour(saved.hourUtc);
      setMessage(hourOnly
        ? t('inbox.digestHourSaved', { hour: String(saved.hourUtc).padStart(2, '0') })
        : saved.dailyDigest ? t('inbox.digestOn', { hour: String(saved.hourUtc).padStart(2, '0') }) : t('inbox.digestOff'));
    } catch (e) {
      setPreference(before);
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="panel inbox-digest" aria-labelledby="digest-heading">
      <h2 id="digest-heading">{t('inbox.digestHeading')}</h2>
      {preference ? (
        <label className="field-inline">
          <input
            type="checkbox"
            checked={preference.dailyDigest}
            disabled={saving}
            onChange={(event) => void save(event.target.checked, preference.hourUtc)}
            aria-describedby="digest-hint"
          />{' '}
          {t('inbox.digestLabel')}
        </label>
      ) : (
        error === undefined && <Loading />
      )}
      {preference && (
        <form
          className="form-row"
          onSubmit={(event) => {
            event.preventDefault();
            void save(preference.dailyDigest, hour);
          }}
        >
          <label className="field-inline">
            {t('inbox.digestHour')}{' '}
            <select className="input" value={hour} onChange={(event) => setHour(Number(event.target.value))}>
              {Array.from({ length: 24 }, (_, h) => (
                <option key={h} value={h}>
                  {String(h).padStart(2, '0')}:00 UTC
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="button secondary small" disabled={saving || hour === preference.hourUtc}>
            {t('inbox.digestHourSave')}
          </button>
        </form>
      )}
      <p className="hint" id="digest-hint">
        {t('inbox.digestHint', { hour: String(preference?.hourUtc ?? 7).padStart(2, '0') })}
      </p>
      <p className="status-message" role="status">
        {message ?? ''}
      </p>
      {error !== undefined && (
        <div className="alert" role="alert">
          <p className="alert-title">{describeError(error).title}</p>
        </div>
      )}
    </section>
  );
}
