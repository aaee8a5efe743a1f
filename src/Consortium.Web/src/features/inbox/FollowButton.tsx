import { useState } from 'react';
import { describeError } from '../../api/client';
import { t } from '../../i18n';
import { inboxApi } from './inboxApi';

/**
 * Follow or unfollow a record: replies, verification changes and assignments on it reach the inbox. The server does
 * not say whether the caller follows already (annotating follows too), so the button offers both, one at a time,
 * starting from "Follow".
 */
export function FollowButton({ recordId }: { recordId: string }) {
  const [following, setFollowing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [error, setError] = useState<unknown>(undefined);

  const change = async () => {
    setBusy(true);
    setError(undefined);
    try {
      if (following) await inboxApi.unfollow(recordId);
      else await inboxApi.follow(recordId);
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
        aria-pressed={following}
        disabled={busy}
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
