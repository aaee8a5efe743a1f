import { useId, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { api, describeError } from '../../api/client';
import { visibilities, type Annotation, type NewAnnotation, type Visibility } from '../../api/types';
import { Field } from '../../shared/forms';
import { t, type MessageKey } from '../../i18n';
import { useMe, useOutletName } from '../../shared/session';
import { sourceLines } from './annotationContext';
import { visibilityLabel } from './AnnotationItem';
import { IdentificationFields, identificationDraft } from './IdentificationFields';

type Kind = 'note' | 'tag' | 'identification' | 'verification';
const kinds: readonly Kind[] = ['note', 'tag', 'identification', 'verification'];
const submitKeys: Record<Kind, MessageKey> = {
  note: 'form.submit',
  tag: 'form.submit.tag',
  identification: 'form.submit.identification',
  verification: 'form.submit.verification',
};


interface Props {
  recordId: string;
  /** Member outlets of the investigation other than the caller's: who "named partners" can name. */
  partnerOutletIds?: string[];
  onPosted: (annotation: Annotation) => void;
  textareaRef?: Ref<HTMLTextAreaElement>;
}

/**
 * "Add a note", a tag, an identification or a verification: the kind's fields, who may see it, and a post button.
 * Server problems show in role="alert".
 */
export function AnnotationForm({ recordId, onPosted, textareaRef, partnerOutletIds = [] }: Props) {
  const outletName = useOutletName();
  const me = useMe();
  const [kind, setKind] = useState<Kind>('note');
  const [partners, setPartners] = useState<string[]>([]);
  const [text, setText] = useState('');
  const [tag, setTag] = useState('');
  const [identification, setIdentification] = useState(identificationDraft);
  const [identifiedBy, setIdentifiedBy] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('consortium');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ title: string; detail?: string } | null>(null);
  const hintId = useId();
  const errorId = useId();

  const submit = async () => {
    if (submitting) return;
    if (kind === 'note' && !text.trim()) {
      setError({ title: t('form.empty') });
      return;
    }
    if (kind === 'tag' && !tag.trim()) {
      setError({ title: t('form.tag.empty') });
      return;
    }
    if (kind === 'identification' && !identification.person.trim()) {
      setError({ title: t('form.identification.empty') });
      return;
    }
    if (visibility === 'partners' && partners.length === 0) {
      setError({ title: t('form.partners.none') });
      return;
    }
    setSubmitting(true);
    setError(null);
    try {
      const body: NewAnnotation = {
        kind,
        visibility,
        sharedWithOutletIds: visibility === 'partners' ? partners : undefined,
      };
      if (kind === 'note') body.text = text;
      if (kind === 'tag') body.tag = tag.trim();
      if (kind === 'identification') {
        body.identification = {
          person: identification.person.trim(),
          role: identification.role.trim() || null,
          identifiedByOutletId: identifiedBy || me.outletId,
          confidence: identification.confidence,
          sources: sourceLines(identification.sources),
        };
      }
      const annotation = await api.addAnnotation(recordId, body);
      onPosted(annotation);
      setText('');
      setTag('');
      // The confidence chosen stays for the next identification.
      setIdentification((draft) => ({ ...identificationDraft(), confidence: draft.confidence }));
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
      <Field label={t('form.kind.label')} className="field field-inline">
        {(id) => (
          <select id={id} className="input select" value={kind} onChange={(e) => { setKind(e.target.value as Kind); setError(null); }}>
            {kinds.map((k) => (
              <option key={k} value={k}>
                {t(`form.kind.${k}` as MessageKey)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {kind === 'note' && (
        <Field label={t('form.note.label')}>
          {(id) => (
            <>
              <textarea
                ref={textareaRef}
                id={id}
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
            </>
          )}
        </Field>
      )}
      {kind === 'tag' && (
        <label className="field field-label">
          {t('form.tag.label')}
          <input className="input" value={tag} maxLength={64} onChange={(e) => setTag(e.target.value)} />
        </label>
      )}
      {kind === 'identification' && (
        <fieldset className="field identification-fields">
          <IdentificationFields draft={identification} onChange={setIdentification}>
            <label className="field-label">
              {t('form.identification.outlet')}
              <select className="input select" value={identifiedBy || me.outletId} onChange={(e) => setIdentifiedBy(e.target.value)}>
                {[me.outletId, ...partnerOutletIds].map((outlet) => (
                  <option key={outlet} value={outlet}>
                    {outletName(outlet)}
                  </option>
                ))}
              </select>
            </label>
          </IdentificationFields>
        </fieldset>
      )}
      {kind === 'verification' && <p className="hint">{t('form.verification.hint')}</p>}
      <div className="form-row">
        <Field label={t('form.visibility.label')} className="field field-inline">
          {(id) => (
            <select
              id={id}
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
          )}
        </Field>
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
          {t(submitKeys[kind])}
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
