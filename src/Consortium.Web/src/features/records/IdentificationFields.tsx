import type { ReactNode } from 'react';
import type { Identification } from '../../api/types';
import { t, type MessageKey } from '../../i18n';
import { confidences } from './annotationContext';

/** An identification as typed: sources one per line. */
export interface IdentificationDraft {
  person: string;
  role: string;
  confidence: string;
  sources: string;
}

/** The draft of an identification as it stands (empty, confidence medium, when there is none). */
export const identificationDraft = (identification?: Identification | null): IdentificationDraft => ({
  person: identification?.person ?? '',
  role: identification?.role ?? '',
  confidence: identification?.confidence ?? 'medium',
  sources: (identification?.sources ?? []).join('\n'),
});

interface Props {
  draft: IdentificationDraft;
  onChange: (draft: IdentificationDraft) => void;
  /** Fields between the role and the confidence (the outlet that identified, when it may be chosen). */
  children?: ReactNode;
}

/** The fields of an identification, shared by the form that adds one and the one that edits it. */
export function IdentificationFields({ draft, onChange, children }: Props) {
  const set = (field: keyof IdentificationDraft) => (value: string) => onChange({ ...draft, [field]: value });
  return (
    <>
      <label className="field-label">
        {t('form.identification.person')}
        <input className="input" value={draft.person} maxLength={500} onChange={(e) => set('person')(e.target.value)} />
      </label>
      <label className="field-label">
        {t('form.identification.role')}
        <input className="input" value={draft.role} maxLength={500} onChange={(e) => set('role')(e.target.value)} />
      </label>
      {children}
      <label className="field-label">
        {t('form.identification.confidence')}
        <select className="input select" value={draft.confidence} onChange={(e) => set('confidence')(e.target.value)}>
          {confidences.map((c) => (
            <option key={c} value={c}>
              {t(`confidence.${c}` as MessageKey)}
            </option>
          ))}
        </select>
      </label>
      <label className="field-label">
        {t('form.identification.sources')}
        <textarea className="input textarea" rows={3} value={draft.sources} onChange={(e) => set('sources')(e.target.value)} />
      </label>
    </>
  );
}
