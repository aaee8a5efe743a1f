import { useEffect, useState } from 'react';
import { api, describeError, isAbort } from '../../api/client';
import { t } from '../../i18n';

/**
 * Follow or unfollow a record: replies, verification changes and assignments on it reach the inbox. A toggle button
 * (aria-pressed) whose label stays the same; annotating a record follows it too, so the state comes from the server.
 */
export function FollowButton({ recordId }: { recordId: string }) {
  const [following, setFollowing] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    setFollowing(null);
    api.following(recordId, controller.signal).then(
      (state) => setFollowing(state.following),
      (e: unknown) => {
        if (!isAbort(e)) setError(e);
      },
    );
    return () => controller.abort();
  }, [recordId]);

  const change = async () => {
    if (following === null) return;
    setBusy(true);
    setError(undefined);
    try {
      if (following) await api.unfollow(recordId);
      else await api.follow(recordId);
      setFollowing(!following);
      setMessage(following ? t('follow.unfollowed') : t('follow.followed'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="follow-box">
      <button
        type="button"
        className="button secondary small"
        aria-pressed={following ?? false}
        disabled={busy || following === null}
        onClick={() => void change()}
        data-testid="follow-button"
      >
        {t('follow.follow')}
      </button>
      <span className="hint" role="status">
        {message}
      </span>
      {error !== undefined && (
        <p className="alert" role="alert">
          {describeError(error).title}
        </p>
      )}
    </div>
  );
}
