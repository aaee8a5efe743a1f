import { useId, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { api, describeError } from '../../api/client';
import { visibilities, type Annotation, type Visibility } from '../../api/types';
import { t } from '../../i18n';
import { useOutletName } from '../session/session';
import { visibilityLabel } from './AnnotationItem';

interface Props {
  recordId: string;
  /** Member outlets of the investigation other than the caller's: who "named partners" can name. */
  partnerOutletIds?: string[];
  onPosted: (annotation: Annotation) => void;
  textareaRef?: Ref<HTMLTextAreaElement>;
}

/** "Add a note": text, who may see it, and a post button. Server problems show in role="alert". */
export function AnnotationForm({ recordId, onPosted, textareaRef, partnerOutletIds = [] }: Props) {
  const outletName = useOutletName();
  const [partners, setPartners] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('consortium');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ title: string; detail?: string } | null>(null);
  const textId = useId();
  const hintId = useId();
  const visibilityId = useId();
  const errorId = useId();

  const submit = async () => {
    if (submitting) return;
    if (!text.trim()) {
      setError({ title: t('form.empty') });
      return;
    }
    if (visibility === 'partners' && partners.length === 0) {
      setError({ title: t('form.partners.none') });
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const annotation = await api.addAnnotation(recordId, {
        text,
        visibility,
        sharedWithOutletIds: visibility === 'partners' ? partners : undefined,
      });
      onPosted(annotation);
      setText('');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setSubmitting(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void submit();
    } else if (event.key === 'Escape') {
      // Leave the textarea so the page's single-key shortcuts work again.
      event.currentTarget.blur();
    }
  };

  return (
    <form className="annotation-form" onSubmit={onSubmit} noValidate>
      <div className="field">
        <label htmlFor={textId} className="field-label">
          {t('form.note.label')}
        </label>
        <textarea
          ref={textareaRef}
          id={textId}
          className="input textarea"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
          aria-invalid={error ? true : undefined}
        />
        <p id={hintId} className="hint">
          {t('form.note.hint')}
        </p>
      </div>
      <div className="form-row">
        <div className="field field-inline">
          <label htmlFor={visibilityId} className="field-label">
            {t('form.visibility.label')}
          </label>
          <select
            id={visibilityId}
            className="input select"
            value={visibility}
            onChange={(e) => setVisibility(e.target.value as Visibility)}
          >
            {visibilities.filter((v) => v !== 'partners' || partnerOutletIds.length > 0).map((v) => (
              <option key={v} value={v}>
                {visibilityLabel(v)}
              </option>
            ))}
          </select>
        </div>
        {visibility === 'partners' && (
          <fieldset className="field partner-picker">
            <legend className="field-label">{t('form.partners.legend')}</legend>
            {partnerOutletIds.map((outlet) => (
              <label key={outlet} className="checkbox">
                <input
                  type="checkbox"
                  checked={partners.includes(outlet)}
                  onChange={(e) => setPartners((p) => (e.target.checked ? [...p, outlet] : p.filter((o) => o !== outlet)))}
                />{' '}
                {outletName(outlet)}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" className="button primary" disabled={submitting} aria-busy={submitting}>
          {t('form.submit')}
        </button>
      </div>
      {error && (
        <div className="alert" role="alert" id={errorId}>
          <p className="alert-title">{error.title}</p>
          {error.detail && <p className="alert-detail">{error.detail}</p>}
        </div>
      )}
    </form>
  );
}
