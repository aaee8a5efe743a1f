import { useId, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { api, describeError } from '../../api/client';
import { visibilities, type Annotation, type Visibility } from '../../api/types';
import { t } from '../../i18n';
import { visibilityLabel } from './AnnotationItem';

interface Props {
  recordId: string;
  onPosted: (annotation: Annotation) => void;
  textareaRef?: Ref<HTMLTextAreaElement>;
}

/** "Add a note": text, who may see it, and a post button. Server problems show in role="alert". */
export function AnnotationForm({ recordId, onPosted, textareaRef }: Props) {
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
    setSubmitting(true);
    setError(null);
    try {
      const annotation = await api.addAnnotation(recordId, { text, visibility });
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
            {visibilities.map((v) => (
              <option key={v} value={v}>
                {visibilityLabel(v)}
              </option>
            ))}
          </select>
        </div>
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
