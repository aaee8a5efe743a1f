import { useEffect, useState } from 'react';
import type { EmbargoView, ZonedTime } from '../../api/publication';
import { t, type MessageKey } from '../../i18n';
import { formatUtc } from '../../shared/datetime';
import { formatCountdown, zoneDisplay } from './time';

/** The current time, renewed every `everyMs` while mounted (one timer per countdown is cheap enough). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

const stateBadges: Record<string, string> = {
  draft: 'badge-muted',
  locked: 'badge-info',
  postponed: 'badge-warn',
  'brought-forward': 'badge-warn',
  lifted: 'badge-ok',
  'lifted-early': 'badge-ok',
  cancelled: 'badge-danger',
  ready: 'badge-info',
  published: 'badge-ok',
};

/** An embargo's or a story's state, as a badge like the rest of the app's states. */
export function StateBadge({ state, kind }: { state: string; kind: 'embargo' | 'story' }) {
  return (
    <span className={`badge ${stateBadges[state] ?? 'badge-muted'}`} data-testid={`${kind}-state`} data-state={state}>
      {t(`publication.${kind}State.${state}` as MessageKey)}
    </span>
  );
}

/**
 * A live countdown to an embargo's instant: the remaining time, and the UTC instant on hover. A timer's ticking is
 * not announced (role="timer" is not a live region), so screen readers are not flooded every second.
 */
export function Countdown({ embargo }: { embargo: EmbargoView }) {
  const now = useNow();
  const over = ['lifted', 'lifted-early', 'cancelled'].includes(embargo.state);
  const utc = formatUtc(embargo.utc);
  if (over) {
    return (
      <span className="countdown countdown-over" title={t('publication.utcTitle', { utc })}>
        {t(embargo.state === 'cancelled' ? 'publication.countdown.cancelled' : 'publication.countdown.lifted')}
      </span>
    );
  }
  return (
    <time className="countdown" role="timer" dateTime={utc} title={t('publication.utcTitle', { utc })} data-testid="countdown">
      <span className="visually-hidden">{t('publication.countdown.label')} </span>
      {formatCountdown(embargo.utc, now)}
    </time>
  );
}

const labelOrder = ['you', 'outlet', 'entered', 'asked', 'utc'];

/** The server's zones for an instant, each once, the caller's own first and UTC last. */
export function shownZones(shown: readonly ZonedTime[]): ZonedTime[] {
  const seen = new Set<string>();
  return [...shown]
    .sort((a, b) => labelOrder.indexOf(a.label) - labelOrder.indexOf(b.label))
    .filter((z) => (seen.has(z.zone) ? false : (seen.add(z.zone), true)));
}

/** The instant in the caller's zone, their outlet's, the one it was entered in, UTC and any asked for: zone, offset, local time. */
export function ZoneTable({ embargo, caption }: { embargo: EmbargoView; caption: string }) {
  const utc = formatUtc(embargo.utc);
  return (
    <table className="zone-table" data-testid="zone-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('publication.zones.where')}</th>
          <th scope="col">{t('publication.zones.zone')}</th>
          <th scope="col">{t('publication.zones.local')}</th>
        </tr>
      </thead>
      <tbody>
        {shownZones(embargo.shown).map((zoned) => {
          const display = zoneDisplay(embargo.utc, zoned.zone);
          return (
            <tr key={`${zoned.label}-${zoned.zone}`} data-zone={zoned.zone} data-label={zoned.label}>
              <th scope="row">{t(`publication.zones.label.${zoned.label}` as MessageKey)}</th>
              <td>
                {zoned.zone} <span className="zone-offset">({t('publication.zones.offset', { offset: zoned.offset })}, {zoned.abbreviation})</span>
              </td>
              <td>
                <time dateTime={utc} title={t('publication.utcTitle', { utc })}>
                  {display.local}
                </time>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** One line: the instant in the caller's own zone with its offset; the UTC instant on hover. */
export function EmbargoInstant({ embargo }: { embargo: EmbargoView }) {
  const mine = shownZones(embargo.shown)[0];
  const zone = mine?.zone ?? 'UTC';
  const display = zoneDisplay(embargo.utc, zone);
  const utc = formatUtc(embargo.utc);
  return (
    <time dateTime={utc} title={t('publication.utcTitle', { utc })} className="embargo-instant">
      {display.local} <span className="zone-offset">{zone} ({display.offset})</span>
    </time>
  );
}
