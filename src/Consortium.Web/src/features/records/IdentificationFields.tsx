import type { ReactNode } from 'react';
import { t, type MessageKey } from '../../i18n';
import { confidences } from './annotationContext';

interface Props {
  person: string;
  setPerson: (value: string) => void;
  personRole: string;
  setPersonRole: (value: string) => void;
  confidence: string;
  setConfidence: (value: string) => void;
  sources: string;
  setSources: (value: string) => void;
  /** Fields between the role and the confidence (the outlet that identified, when it may be chosen). */
  children?: ReactNode;
}

/** The fields of an identification, shared by the form that adds one and the one that edits it. */
export function IdentificationFields({ person, setPerson, personRole, setPersonRole, confidence, setConfidence, sources, setSources, children }: Props) {
  return (
    <>
      <label className="field-label">
        {t('form.identification.person')}
        <input className="input" value={person} maxLength={500} onChange={(e) => setPerson(e.target.value)} />
      </label>
      <label className="field-label">
        {t('form.identification.role')}
        <input className="input" value={personRole} maxLength={500} onChange={(e) => setPersonRole(e.target.value)} />
      </label>
      {children}
      <label className="field-label">
        {t('form.identification.confidence')}
        <select className="input select" value={confidence} onChange={(e) => setConfidence(e.target.value)}>
          {confidences.map((c) => (
            <option key={c} value={c}>
              {t(`confidence.${c}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      <label className="field-label">
        {t('form.identification.sources')}
        <textarea className="input textarea" rows={3} value={sources} onChange={(e) => setSources(e.target.value)} />
      </label>
    </>
  );
}
