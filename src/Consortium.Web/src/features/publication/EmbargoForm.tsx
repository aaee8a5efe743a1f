import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../../api/client';
import { publicationApi, type EmbargoInput, type EmbargoView, type WaveView } from '../../api/publication';
import { t } from '../../i18n';
import { currentTimeZone } from '../../shared/datetime';
import { ErrorAlert, needsFreshSignIn } from '../../shared/ui';
import { ZoneTable } from './Countdown';
import { isKnownZone, messagesFor, parseZoneList, toInputLocalTime } from './time';

const ZONES_KEY = 'consortium.publication.zones';
const DEFAULT_ZONES = 'UTC, America/New_York, Europe/London, Europe/Paris, Asia/Kolkata, Australia/Sydney';

function savedZones(): string {
  try {
    return window.localStorage.getItem(ZONES_KEY) ?? DEFAULT_ZONES;
  } catch {
    return DEFAULT_ZONES;
  }
}

/** Every zone the browser knows, for the zone input's suggestions. */
const knownZones: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
})();

interface Draft {
  localTime: string;
  zone: string;
  offset: string;
  reason: string;
}

/** A move refused for want of a recent sign-in is kept for the page the sign-in returns to (this tab only). */
const draftKey = (mode: Mode) => `consortium.publication.draft.${mode.kind === 'move' ? mode.wave.id : mode.investigationId}`;

function takeDraft(mode: Mode): Draft | null {
  try {
    const text = window.sessionStorage.getItem(draftKey(mode));
    window.sessionStorage.removeItem(draftKey(mode));
    return text ? (JSON.parse(text) as Draft) : null;
  } catch {
    return null;
  }
}

function keepDraft(mode: Mode, draft: Draft): void {
  try {
    window.sessionStorage.setItem(draftKey(mode), JSON.stringify(draft));
  } catch {
    // Without storage the person types it again after signing in.
  }
}

type Mode = { kind: 'create'; investigationId: string } | { kind: 'move'; wave: WaveView };

/**
 * Creates a wave with its embargo, or moves a wave's embargo. As the person types, the server says which instant the
 * local time names in the chosen zones (or why it names none: a DST gap, an unknown zone); on submit its problem is
 * shown beside the field it names. A move needs a reason and a recent sign-in (the alert offers to sign in again).
 */
export function EmbargoForm({ mode, onDone, onCancel }: { mode: Mode; onDone: (wave: WaveView) => void; onCancel?: () => void }) {
  const moving = mode.kind === 'move';
  const current = moving ? mode.wave.embargo : null;
  const [draft] = useState(() => takeDraft(mode));
  const [name, setName] = useState('');
  const [localTime, setLocalTime] = useState(draft?.localTime ?? (current ? toInputLocalTime(current.localTime) : ''));
  const [zone, setZone] = useState(draft?.zone ?? current?.zone ?? currentTimeZone());
  const [offset, setOffset] = useState(draft?.offset ?? '');
  const [zonesText, setZonesText] = useState(savedZones);
  const [reason, setReason] = useState(draft?.reason ?? '');
  const [preview, setPreview] = useState<EmbargoView | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(undefined);
  const [submitError, setSubmitError] = useState<unknown>(undefined);
  const [submitting, setSubmitting] = useState(false);
  const ids = { name: useId(), time: useId(), zone: useId(), offset: useId(), zones: useId(), reason: useId(), list: useId(), preview: useId() };

  // Opened by a button, the form takes the focus so keyboard users land in it.
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus();
  }, []);

  const zones = parseZoneList(zonesText);
  const zonesKey = zones.join(',');
  // The server's answer as you type (debounced): the instant in every chosen zone, or the problem with this input.
  useEffect(() => {
    if (!localTime || !zone.trim()) {
      setPreview(null);
      setPreviewError(undefined);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      const input: EmbargoInput = { localTime, zone: zone.trim(), offset: offset.trim() || null };
      publicationApi.preview(input, zonesKey ? zonesKey.split(',') : [], controller.signal).then(
        (view) => {
          setPreview(view);
          setPreviewError(undefined);
        },
        (error: unknown) => {
          if (isAbort(error)) return;
          setPreview(null);
          setPreviewError(error);
        },
      );
    }, 250);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [localTime, zone, offset, zonesKey]);

  useEffect(() => {
    try {
      window.localStorage.setItem(ZONES_KEY, zonesText);
    } catch {
      // A browser refusing storage only forgets the choice.
    }
  }, [zonesText]);

  const [reasonMissing, setReasonMissing] = useState(false);
  const problems = (error: unknown) => (error instanceof ApiError ? (error.problem.errors as Record<string, unknown> | undefined) : undefined);
  // The submit's problem wins over the preview's: it is what the server refused.
  const shownErrors = problems(submitError) ?? problems(previewError);
  const fieldMessages = (field: string) => messagesFor(shownErrors, field);
  const reasonMessages = reasonMissing ? [t('publication.form.reasonMissing')] : fieldMessages('reason');
  const nameMessages = fieldMessages('name');
  const timeMessages = fieldMessages('localTime');
  const zoneMessages = isKnownZone(zone) || !zone.trim() ? fieldMessages('zone') : [t('publication.form.zoneUnknown')];
  const offsetMessages = fieldMessages('offset');
  const fieldErrorShown = [nameMessages, timeMessages, zoneMessages, offsetMessages, reasonMessages].some((m) => m.length > 0);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (submitting) return;
    if (moving && !reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setReasonMissing(false);
    setSubmitting(true);
    setSubmitError(undefined);
    const to: EmbargoInput = { localTime, zone: zone.trim(), offset: offset.trim() || null };
    try {
      const wave = moving
        ? await publicationApi.moveEmbargo(mode.wave.id, mode.wave.version, to, reason.trim())
        : await publicationApi.createWave(mode.investigationId, name.trim(), to);
      onDone(wave);
    } catch (error) {
      if (needsFreshSignIn(error)) keepDraft(mode, { localTime, zone, offset, reason });
      setSubmitError(error);
    } finally {
      setSubmitting(false);
    }
  };

  const described = (id: string, messages: string[], hint?: string) =>
    [hint, messages.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const errorsOf = (id: string, messages: string[]) =>
    messages.length > 0 && (
      <p className="field-error" id={`${id}-error`} data-testid="field-error">
        {messages.join(' ')}
      </p>
    );

  return (
    <form ref={formRef} className="embargo-form form-grid" onSubmit={(e) => void submit(e)} noValidate data-testid={moving ? 'move-embargo-form' : 'new-wave-form'}>
      {!moving && (
        <div className="field">
          <label htmlFor={ids.name} className="field-label">{t('publication.form.waveName')}</label>
          <input id={ids.name} className="input" value={name} onChange={(e) => setName(e.target.value)} required
            aria-invalid={nameMessages.length ? true : undefined} aria-describedby={described(ids.name, nameMessages)} />
          {errorsOf(ids.name, nameMessages)}
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.time} className="field-label">{t('publication.form.localTime')}</label>
        <input id={ids.time} className="input" type="datetime-local" value={localTime} onChange={(e) => setLocalTime(e.target.value)} required
          aria-invalid={timeMessages.length ? true : undefined} aria-describedby={described(ids.time, timeMessages)} />
        {errorsOf(ids.time, timeMessages)}
      </div>
      <div className="field">
        <label htmlFor={ids.zone} className="field-label">{t('publication.form.zone')}</label>
        <input id={ids.zone} className="input" list={ids.list} value={zone} onChange={(e) => setZone(e.target.value)} required autoComplete="off"
          aria-invalid={zoneMessages.length ? true : undefined} aria-describedby={described(ids.zone, zoneMessages)} />
        <datalist id={ids.list}>
          {knownZones.map((z) => <option key={z} value={z} />)}
        </datalist>
        {errorsOf(ids.zone, zoneMessages)}
      </div>
      <div className="field">
        <label htmlFor={ids.offset} className="field-label">{t('publication.form.offset')}</label>
        <input id={ids.offset} className="input input-short" value={offset} onChange={(e) => setOffset(e.target.value)} placeholder="+02:00"
          aria-invalid={offsetMessages.length ? true : undefined} aria-describedby={described(ids.offset, offsetMessages, `${ids.offset}-hint`)} />
        <p className="hint" id={`${ids.offset}-hint`}>{t('publication.form.offsetHint')}</p>
        {errorsOf(ids.offset, offsetMessages)}
      </div>
      <div className="field field-wide">
        <label htmlFor={ids.zones} className="field-label">{t('publication.form.zones')}</label>
        <input id={ids.zones} className="input" value={zonesText} onChange={(e) => setZonesText(e.target.value)} aria-describedby={`${ids.zones}-hint`} />
        <p className="hint" id={`${ids.zones}-hint`}>{t('publication.form.zonesHint')}</p>
      </div>
      {moving && (
        <div className="field field-wide">
          <label htmlFor={ids.reason} className="field-label">{t('publication.form.reason')}</label>
          <textarea id={ids.reason} className="input" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required
            aria-invalid={reasonMessages.length ? true : undefined} aria-describedby={described(ids.reason, reasonMessages, `${ids.reason}-hint`)} />
          <p className="hint" id={`${ids.reason}-hint`}>{t('publication.form.reasonHint')}</p>
          {errorsOf(ids.reason, reasonMessages)}
        </div>
      )}
      <section className="embargo-preview field-wide" aria-labelledby={ids.preview} aria-live="polite" data-testid="embargo-preview">
        <h4 id={ids.preview}>{t('publication.form.preview')}</h4>
        {preview ? <ZoneTable embargo={preview} caption={t('publication.form.preview')} /> : <p className="hint">{t('publication.form.previewEmpty')}</p>}
      </section>
      <div className="form-actions field-wide">
        <button type="submit" className="button" disabled={submitting} aria-busy={submitting}>
          {moving ? t('publication.form.move') : t('publication.form.create')}
        </button>
        {onCancel && (
          <button type="button" className="button secondary" onClick={onCancel}>{t('publication.form.cancel')}</button>
        )}
      </div>
      {submitError !== undefined && !fieldErrorShown && (
        <div className="field-wide" data-testid="embargo-form-problem">
          <ErrorAlert error={submitError} />
        </div>
      )}
    </form>
  );
}
