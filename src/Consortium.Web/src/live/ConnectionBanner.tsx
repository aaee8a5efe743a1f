import { t } from '../i18n';
import type { LiveStatus } from './LiveConnection';

interface Props {
  status: LiveStatus;
  catchingUp: boolean;
}

/**
 * "Offline — reconnecting…" while the live connection is down, "Catching up…" while missed
 * changes are fetched after a reconnect, and nothing once current. The polite live region
 * stays mounted so screen readers announce each change.
 */
export function ConnectionBanner({ status, catchingUp }: Props) {
  const offline = status === 'reconnecting' || status === 'disconnected';
  const message = offline ? t('live.offline') : catchingUp ? t('live.catchingUp') : null;
  return (
    <div className="banner-slot" aria-live="polite" aria-atomic="true">
      {message && (
        <div
          className={offline ? 'connection-banner is-offline' : 'connection-banner is-syncing'}
          data-testid="connection-banner"
          data-state={offline ? 'offline' : 'catching-up'}
        >
          <span className="connection-dot" aria-hidden="true" />
          {message}
        </div>
      )}
    </div>
  );
}
