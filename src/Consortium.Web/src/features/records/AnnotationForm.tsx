import { useId, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import { api, describeError } from '../../api/client';
import { visibilities, type Annotation, type NewAnnotation, type Visibility } from '../../api/types';
import { t, type MessageKey } from '../../i18n';
import { useMe, useOutletName } from '../../shared/session';
import { confidences, sourceLines } from './annotationContext';
import { visibilityLabel } from './AnnotationItem';
import { IdentificationFields } from './IdentificationFields';

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
  const [person, setPerson] = useState('');
  const [personRole, setPersonRole] = useState('');
  const [confidence, setConfidence] = useState<(typeof confidences)[number]>('medium');
  const [sources, setSources] = useState('');
  const [identifiedBy, setIdentifiedBy] = useState('');
  const kindId = useId();
  const [visibility, setVisibility] = useState<Visibility>('consortium');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<{ title: string; detail?: string } | null>(null);
  const textId = useId();
  const hintId = useId();
  const visibilityId = useId();
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
    if (kind === 'identification' && !person.trim()) {
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
          person: person.trim(),
          role: personRole.trim() || null,
          identifiedByOutletId: identifiedBy || me.outletId,
          confidence,
          sources: sourceLines(sources),
        };
      }
      const annotation = await api.addAnnotation(recordId, body);
      onPosted(annotation);
      setText('');
      setTag('');
      setPerson('');
      setPersonRole('');
      setSources('');
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
      <div className="field field-inline">
        <label htmlFor={kindId} className="field-label">
          {t('form.kind.label')}
        </label>
        <select id={kindId} className="input select" value={kind} onChange={(e) => { setKind(e.target.value as Kind); setError(null); }}>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {t(`form.kind.${k}` as MessageKey)}
            </option>
          ))}
        </select>
      </div>
      {kind === 'note' && (
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
      )}
      {kind === 'tag' && (
        <label className="field field-label">
          {t('form.tag.label')}
          <input className="input" value={tag} maxLength={64} onChange={(e) => setTag(e.target.value)} />
        </label>
      )}
      {kind === 'identification' && (
        <fieldset className="field identification-fields">
          <IdentificationFields
            person={person}
            setPerson={setPerson}
            personRole={personRole}
            setPersonRole={setPersonRole}
            confidence={confidence}
            setConfidence={(value) => setConfidence(value as (typeof confidences)[number])}
            sources={sources}
            setSources={setSources}
          >
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
