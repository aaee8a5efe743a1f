import { useId, useState } from 'react';
import type { Annotation } from '../../api/types';
import { describeError } from '../../api/client';
import { t } from '../../i18n';
import { useOutletName } from '../session/session';
import { annotationApi, canVerify, useAnnotationSetting, type Evidence } from './annotationContext';

type Change = (action: () => Promise<Annotation>) => Promise<boolean>;

/** The steps without forensic details (tool, indicators, evidence); the server decides who may take which. */
const consentSteps = new Set(['identified', 'consent-obtained']);

const emptyEvidence: Evidence = { name: '', sha256: '', size: 0, description: '' };

/**
 * One step of a verification's state machine: the next states the caller's role allows, the tool and
 * indicator-set version, evidence (a file uploaded into the investigation, which fills in its name, SHA-256 and size;
 * or only those, for a file kept outside the platform) and a comment.
 * On a 409 the annotation shows its current state and the form keeps its input, so "Move" retries.
 */
export function VerificationMove({ annotation, change }: { annotation: Annotation; change: Change }) {
  const { role, investigationId } = useAnnotationSetting();
  // The server's answer: the machine's next states, and those the caller may choose (role, peer review by another analyst).
  const all = annotation.verification?.nextStates ?? [];
  const allowed = annotation.verification?.allowedNextStates ?? [];
  const [next, setNext] = useState('');
  const [tool, setTool] = useState('');
  const [indicators, setIndicators] = useState('');
  const [comment, setComment] = useState('');
  const [evidence, setEvidence] = useState<Evidence[]>([]);
  const [busy, setBusy] = useState(false);
  const [uploading, setUploading] = useState<number | null>(null);
  const [uploadProblem, setUploadProblem] = useState<string | null>(null);
  const selectId = useId();
  const chosen = allowed.includes(next as (typeof allowed)[number]) ? next : (allowed[0] ?? '');
  const forensic = chosen !== '' && !consentSteps.has(chosen);

  if (all.length === 0) return <p className="hint">{t('verification.done')}</p>;
  if (allowed.length === 0) {
    return <p className="hint">{canVerify(role) ? t('verification.peerReviewOther') : t('verification.analystsOnly')}</p>;
  }

  const setPiece = (n: number, piece: Partial<Evidence>) => setEvidence((list) => list.map((e, i) => (i === n ? { ...e, ...piece } : e)));

  // The file goes to the investigation first; the server names it by its SHA-256, which the citation then carries.
  const upload = (n: number, file: File | undefined) => {
    if (!file || !investigationId) return;
    setUploading(n);
    setUploadProblem(null);
    annotationApi
      .uploadEvidence(investigationId, file)
      .then((stored) => setPiece(n, { name: file.name, sha256: stored.sha256, size: stored.size }))
      .catch((error: unknown) => setUploadProblem(describeError(error).detail ?? describeError(error).title))
      .finally(() => setUploading(null));
  };

  return (
    <form
      className="verification-move"
      aria-label={t('verification.move')}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void change(() =>
          annotationApi.moveVerification(annotation.id, annotation.version, {
            state: chosen,
            tool: tool.trim() || undefined,
            indicatorSetVersion: indicators.trim() || undefined,
            evidence: evidence.length > 0 ? evidence.map((p) => ({ ...p, description: p.description?.trim() || null })) : undefined,
            comment: comment.trim() || undefined,
          }),
        ).then((moved) => {
          setBusy(false);
          if (moved) {
            setNext('');
            setEvidence([]);
            setComment('');
          }
        });
      }}
    >
      <label htmlFor={selectId} className="field-label">
        {t('verification.moveLegend')}
      </label>
      <select id={selectId} className="input select" value={chosen} onChange={(e) => setNext(e.target.value)}>
        {allowed.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      {forensic && (
        <>
          <label className="field-label">
            {t('verification.toolLabel')}
            <input className="input" value={tool} maxLength={500} onChange={(e) => setTool(e.target.value)} />
          </label>
          <label className="field-label">
            {t('verification.indicatorsLabel')}
            <input className="input" value={indicators} maxLength={500} onChange={(e) => setIndicators(e.target.value)} />
          </label>
          {evidence.map((piece, n) => (
            <fieldset key={n} className="evidence-piece">
              <legend>{t('verification.evidence')} {n + 1}</legend>
              {investigationId && (
                <label className="field-label">
                  {t('verification.evidenceFile')}
                  <input className="input" type="file" disabled={uploading !== null} onChange={(e) => upload(n, e.target.files?.[0])} />
                </label>
              )}
              {uploading === n && <p className="hint">{t('verification.uploading')}</p>}
              <label className="field-label">
                {t('verification.evidenceName')}
                <input className="input" value={piece.name} onChange={(e) => setPiece(n, { name: e.target.value })} />
              </label>
              <label className="field-label">
                {t('verification.evidenceSha')}
                <input className="input" value={piece.sha256} pattern="[0-9a-fA-F]{64}" onChange={(e) => setPiece(n, { sha256: e.target.value.trim() })} />
              </label>
              <label className="field-label">
                {t('verification.evidenceSize')}
                <input className="input" type="number" min={0} value={piece.size} onChange={(e) => setPiece(n, { size: Number(e.target.value) })} />
              </label>
              <label className="field-label">
                {t('verification.evidenceDescription')}
                <input className="input" value={piece.description ?? ''} onChange={(e) => setPiece(n, { description: e.target.value })} />
              </label>
              <button type="button" className="button link" onClick={() => setEvidence((list) => list.filter((_, i) => i !== n))}>
                {t('verification.removeEvidence')}
              </button>
            </fieldset>
          ))}
          {uploadProblem && (
            <p className="alert" role="alert">
              {uploadProblem}
            </p>
          )}
          <button type="button" className="button secondary" onClick={() => setEvidence((list) => [...list, { ...emptyEvidence }])}>
            {t('verification.addEvidence')}
          </button>
        </>
      )}
      <label className="field-label">
        {t('verification.commentLabel')}
        <input className="input" value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <button type="submit" className="button primary" disabled={busy || uploading !== null} aria-busy={busy}>
        {t('verification.submitMove')}
      </button>
    </form>
  );
}

/** Assigns a thread to a current member of the investigation, or unassigns it. The server checks the assignee may read it. */
export function AssignmentControl({ annotation, change }: { annotation: Annotation; change: Change }) {
  const { members } = useAnnotationSetting();
  const outletName = useOutletName();
  const [picked, setPicked] = useState<string | null>(null);
  const selectId = useId();
  const value = picked ?? annotation.assigneeUserId ?? '';
  if (members.length === 0) return null;
  return (
    <form
      className="assignment-control"
      onSubmit={(e) => {
        e.preventDefault();
        void change(() => annotationApi.assign(annotation.id, annotation.version, value === '' ? null : value)).then((done) => {
          if (done) setPicked(null);
        });
      }}
    >
      <label htmlFor={selectId} className="field-label">
        {t('assignment.label')}
      </label>
      <select id={selectId} className="input select" value={value} onChange={(e) => setPicked(e.target.value)}>
        <option value="">{t('assignment.nobody')}</option>
        {members.map((m) => (
          <option key={m.userId} value={m.userId}>
            {m.displayName} ({outletName(m.outletId)})
          </option>
        ))}
      </select>
      <button type="submit" className="button secondary">
        {t('assignment.assign')}
      </button>
    </form>
  );
}
