import { useId, useMemo, useState, type FormEvent } from 'react';
import { describeError } from '../api/http';
import { currentLocale, languages, t, type Language } from '../i18n';
import { currentTimeZone, isKnownZone } from './datetime';
import { savePreferences } from './preferences';

function allZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/**
 * The language and time-zone picker of the header. A language applies at once and is saved for the person (every
 * device, the server's sign-in pages too); the zone is saved with its own button, as it is typed.
 */
export function PreferencesMenu() {
  const language = currentLocale();
  const [zone, setZone] = useState(currentTimeZone());
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const zones = useMemo(allZones, []);
  const languageId = useId();
  const zoneId = useId();
  const zoneHintId = useId();

  const fail = (e: unknown) => setError(t('prefs.failed', { problem: describeError(e).detail ?? describeError(e).title }));

  const chooseLanguage = (next: Language) => {
    setError(null);
    setStatus(null);
    savePreferences({ language: next }).catch(fail);
  };

  const saveZone = (event: FormEvent) => {
    event.preventDefault();
    setStatus(null);
    if (!isKnownZone(zone)) {
      setError(t('prefs.zoneUnknown'));
      return;
    }
    setError(null);
    savePreferences({ timeZone: zone.trim() }).then(
      (kept) => setStatus(t('prefs.saved', { zone: kept.timeZone ?? zone })),
      fail,
    );
  };

  return (
    <details className="prefs-menu" data-testid="prefs-menu">
      {/* The name is the visible summary with what it is about in front (WCAG 2.5.3, axe label-content-name-mismatch). */}
      <summary>
        <span className="visually-hidden">{t('prefs.menu')} </span>
        {t('prefs.menuSummary', { language: languages[language].name, zone: currentTimeZone() })}
      </summary>
      <div className="prefs-panel">
        <label htmlFor={languageId}>{t('prefs.language')}</label>
        <select
          id={languageId}
          data-testid="language-select"
          value={language}
          onChange={(e) => chooseLanguage(e.target.value as Language)}
        >
          {(Object.keys(languages) as Language[]).map((code) => (
            <option key={code} value={code} lang={code}>
              {languages[code].name}
            </option>
          ))}
        </select>
        <form onSubmit={saveZone} className="prefs-zone">
          <label htmlFor={zoneId}>{t('prefs.timeZone')}</label>
          <input
            id={zoneId}
            data-testid="timezone-input"
            list={`${zoneId}-list`}
            value={zone}
            dir="ltr"
            aria-describedby={zoneHintId}
            onChange={(e) => setZone(e.target.value)}
          />
          <datalist id={`${zoneId}-list`}>
            {zones.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <p className="hint" id={zoneHintId}>
            {t('prefs.timeZoneHint')}
          </p>
          <button type="submit" className="button small">
            {t('prefs.save')}
          </button>
        </form>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <p role="status" className="prefs-status">
          {status}
        </p>
      </div>
    </details>
  );
}
