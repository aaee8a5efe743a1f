import type { PresenceEntry } from '../../api/types';
import { t } from '../../i18n';
import { useOutletName } from '../../shared/session';

/** Who is looking at the record now, and from which outlet; live from the hub. */
export function PresenceList({ viewers }: { viewers: PresenceEntry[] }) {
  const outletName = useOutletName();
  if (viewers.length === 0) return null;
  return (
    <ul className="presence" aria-label={t('presence.label')} data-testid="presence">
      {viewers.map((v) => (
        <li key={v.userId} className="presence-viewer" title={`${v.displayName} (${outletName(v.outletId)})`}>
          <span className="avatar" aria-hidden="true">
            {v.displayName.slice(0, 1).toUpperCase()}
          </span>
          <span>
            {v.displayName} · {outletName(v.outletId)}
          </span>
        </li>
      ))}
    </ul>
  );
}
