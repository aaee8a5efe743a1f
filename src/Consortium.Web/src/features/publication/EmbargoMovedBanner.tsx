import { useCallback, useEffect, useState } from 'react';
import { isAbort } from '../../api/client';
import { publicationApi, type PublicationNotice } from '../../api/publication';
import { t } from '../../i18n';
import { useLive } from '../../live/LiveConnection';
import { Link, paths } from '../../shared/router';
import { ErrorAlert } from '../../shared/ui';
import { usePublicationPushes } from './usePublicationPushes';

/** The newest notice per wave that still needs the caller's outlet to acknowledge the wave's latest move. */
export function awaitingAcknowledgement(notices: readonly PublicationNotice[]): PublicationNotice[] {
  const byWave = new Map<string, PublicationNotice>();
  for (const notice of notices) {
    if (!notice.needsAcknowledgement) continue;
    const held = byWave.get(notice.waveId);
    if (!held || held.at < notice.at) byWave.set(notice.waveId, notice);
  }
  return [...byWave.values()].sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * On every page: one banner per embargo the caller takes part in that moved and that their outlet has not acknowledged,
 * with the Acknowledge action. The server decides what needs acknowledging; a pushed notice or wave change (someone of
 * the outlet acknowledged, the embargo moved again) makes it read the list again, as does every reconnect.
 */
export function EmbargoMovedBanner() {
  const [notices, setNotices] = useState<PublicationNotice[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  const { status } = useLive();
  const reload = useCallback(() => setRound((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    publicationApi.notices(controller.signal).then(
      (list) => setNotices(awaitingAcknowledgement(list)),
      (e: unknown) => {
        // The banner is a reminder: a failure to read it must not break the page it sits on.
        if (!isAbort(e)) setNotices([]);
      },
    );
    return () => controller.abort();
  }, [round]);

  usePublicationPushes(
    useCallback((push) => {
      if (push.kind === 'notice' || push.kind === 'wave') reload();
    }, [reload]),
    reload,
  );
  // The first connection may come after the first read: read again once connected, for what came in between.
  useEffect(() => {
    if (status === 'connected') reload();
  }, [status, reload]);

  if (notices.length === 0 && error === undefined) return null;
  const acknowledge = async (notice: PublicationNotice) => {
    setBusy(notice.waveId);
    setError(undefined);
    try {
      await publicationApi.acknowledge(notice.waveId);
      setNotices((list) => list.filter((n) => n.waveId !== notice.waveId));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="embargo-banners" role="region" aria-label={t('publication.banner.label')}>
      {notices.map((notice) => (
        <div key={notice.waveId} className="embargo-banner" role="alert" data-testid="embargo-moved-banner" data-wave-id={notice.waveId}>
          <p>
            <strong>{t('publication.banner.title')}</strong> {notice.summary}
          </p>
          <div className="embargo-banner-actions">
            {notice.storyId && <Link to={paths.story(notice.storyId)}>{t('publication.banner.open')}</Link>}
            <button type="button" className="button small" disabled={busy === notice.waveId} onClick={() => void acknowledge(notice)}
              data-testid="banner-acknowledge">
              {t('publication.banner.acknowledge')}
            </button>
          </div>
        </div>
      ))}
      {error !== undefined && <ErrorAlert error={error} />}
    </div>
  );
}
