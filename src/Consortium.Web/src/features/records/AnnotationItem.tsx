import { useState } from 'react';
import { ApiError, api, describeError } from '../../api/client';
import type { Annotation, AnnotationHistoryEntry, Visibility } from '../../api/types';
import { t, type MessageKey } from '../../i18n';
import { formatDateTime, formatUtc } from '../../shared/datetime';
import { useOutletName } from '../../shared/session';
import { canAnnotate, canCoordinate, evidenceDownloadPath, sourceLines, useAnnotationSetting } from './annotationContext';
import { NoteText } from './NoteText';
import { AssignmentControl, VerificationMove } from './AnnotationChanges';
import { IdentificationFields, identificationDraft } from './IdentificationFields';

const visibilityKeys: Record<Visibility, MessageKey> = {
  consortium: 'visibility.consortium',
  outlet: 'visibility.outlet',
  partners: 'visibility.partners',
  private: 'visibility.private',
};

export function visibilityLabel(visibility: Visibility): string {
  const key = visibilityKeys[visibility];
  return key ? t(key) : visibility;
}

export function VisibilityBadge({ visibility, sharedWith }: { visibility: Visibility; sharedWith?: string[] | null }) {
  const outletName = useOutletName();
  const label = visibilityLabel(visibility);
  const title =
    visibility === 'partners' && sharedWith?.length
      ? t('visibility.partnersWith', { outlets: sharedWith.map(outletName).join(', ') })
      : t('visibility.label', { visibility: label });
  return (
    <span className={`badge badge-visibility badge-${visibility}`} title={title} data-testid="visibility-badge">
      {visibility === 'partners' && sharedWith?.length ? `${label}: ${sharedWith.map(outletName).join(', ')}` : label}
    </span>
  );
}

function AssigneeBadge({ userId }: { userId?: string | null }) {
  const { members } = useAnnotationSetting();
  if (!userId) return null;
  const name = members.find((m) => m.userId === userId)?.displayName ?? userId;
  return (
    <span className="badge" data-testid="assignee">
      {t('assignment.assignedTo', { name })}
    </span>
  );
}

interface Props {
  annotation: Annotation;
  isNew: boolean;
  currentUser?: string;
  replies?: Annotation[];
  liveIds?: ReadonlySet<string>;
  onChanged?: (annotation: Annotation) => void;
  onReply?: (parent: Annotation, text: string) => Promise<void>;
  onTyping?: (annotationId: string) => void;
}

// Every value below comes from users and is rendered as React text (escaped): never as HTML, never as a link.
function Body({ annotation }: { annotation: Annotation }) {
  const outletName = useOutletName();
  const { members } = useAnnotationSetting();
  const nameOf = (userId: string) => members.find((m) => m.userId === userId)?.displayName ?? userId;
  switch (annotation.kind) {
    case 'tag':
      return <p className="annotation-text" data-testid="annotation-tag">{t('annotation.tag', { tag: annotation.tag ?? '' })}</p>;
    case 'identification': {
      const i = annotation.identification;
      return (
        <div className="annotation-text" data-testid="annotation-identification">
          <p>{t('annotation.identification', { person: i?.person ?? '' })}</p>
          {i?.role && <p>{t('identification.role', { role: i.role })}</p>}
          {i && <p>{t('identification.by', { outlet: outletName(i.identifiedByOutletId) })}</p>}
          {i && <p>{t('identification.confidence', { confidence: t(`confidence.${i.confidence}` as MessageKey) })}</p>}
          {i && i.sources.length > 0 && (
            <>
              <p>{t('identification.sources')}</p>
              <ul className="identification-sources">
                {i.sources.map((source, n) => (
                  <li key={n}>{source}</li>
                ))}
              </ul>
            </>
          )}
        </div>
      );
    }
    case 'verification': {
      const v = annotation.verification;
      return (
        <div className="annotation-text" data-testid="annotation-verification" data-state={v?.state}>
          <p>{t('annotation.verification', { state: v?.state ?? '' })}</p>
          {v?.analystUserId && <p>{t('verification.analyst', { name: nameOf(v.analystUserId) })}</p>}
          {v?.tool && <p>{t('verification.tool', { tool: v.tool })}</p>}
          {v?.indicatorSetVersion && <p>{t('verification.indicators', { version: v.indicatorSetVersion })}</p>}
          {v?.evidence && v.evidence.length > 0 && (
            <>
              <p>{t('verification.evidence')}</p>
              <ul className="verification-evidence">
                {v.evidence.map((e, n) => (
                  <li key={n}>
                    {t('verification.evidenceItem', { name: e.name, size: e.size, sha256: e.sha256 })}
                    {e.description ? ` — ${e.description}` : ''}
                    {e.stored && (
                      <>
                        {' '}
                        <a className="evidence-download" href={evidenceDownloadPath(annotation.id, e.sha256)} download={e.name}>
                          {t('verification.download')}
                        </a>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      );
    }
    default:
      return <NoteText text={annotation.text} />;
  }
}

/** One annotation with its thread. Notes are Markdown rendered inert (no HTML, no images). */
export function AnnotationItem({ annotation, isNew, currentUser, replies = [], liveIds, onChanged, onReply, onTyping }: Props) {
  const outletName = useOutletName();
  const [editing, setEditing] = useState(false);
  const { role } = useAnnotationSetting();
  const [draft, setDraft] = useState(annotation.text);
  const [tagDraft, setTagDraft] = useState(annotation.tag ?? '');
  const [identification, setIdentification] = useState(() => identificationDraft(annotation.identification));
  const [reply, setReply] = useState('');
  const [history, setHistory] = useState<AnnotationHistoryEntry[] | null>(null);
  const [error, setError] = useState<{ title: string; detail?: string } | null>(null);
  const mine = currentUser !== undefined && annotation.author === currentUser;
  const annotating = canAnnotate(role);
  const editable = mine && annotating && !annotation.retracted && annotation.kind !== 'verification';

  const startEditing = () => {
    setDraft(annotation.text);
    setTagDraft(annotation.tag ?? '');
    setIdentification(identificationDraft(annotation.identification));
    setEditing(true);
  };

  const edit = () => {
    switch (annotation.kind) {
      case 'tag':
        return api.editAnnotation(annotation.id, annotation.version, { tag: tagDraft });
      case 'identification':
        return api.editAnnotation(annotation.id, annotation.version, {
          identification: {
            person: identification.person,
            role: identification.role.trim() || null,
            confidence: identification.confidence,
            sources: sourceLines(identification.sources),
          },
        });
      default:
        return api.editAnnotation(annotation.id, annotation.version, { text: draft });
    }
  };

  /** Applies a change; on 409 shows the current state and keeps what the user typed, so sending again retries. */
  const change = async (action: () => Promise<Annotation>) => {
    setError(null);
    try {
      onChanged?.(await action());
      setEditing(false);
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const current = (e.problem as { current?: Annotation }).current;
        if (current) onChanged?.(current);
        setError({ title: current ? t('annotation.conflictRetry', { version: current.version }) : t('annotation.conflict'), detail: e.problem.detail ?? undefined });
      } else {
        setError(describeError(e));
      }
      return false;
    }
  };

  const toggleHistory = async () => {
    if (history) {
      setHistory(null);
      return;
    }
    try {
      setHistory(await api.annotationHistory(annotation.id));
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <li
      className={`annotation${isNew ? ' is-new' : ''}${annotation.retracted ? ' is-retracted' : ''}`}
      data-testid="annotation"
      data-annotation-id={annotation.id}
      data-sequence={annotation.sequence}
      data-version={annotation.version}
      data-new={isNew ? 'true' : undefined}
    >
      <article aria-label={`${annotation.authorName}, ${formatDateTime(annotation.createdAt)}`}>
        <header className="annotation-meta">
          <span className="annotation-author">{annotation.authorName}</span>
          <span className="annotation-outlet">{outletName(annotation.outletId)}</span>
          <VisibilityBadge visibility={annotation.visibility} sharedWith={annotation.sharedWithOutletIds} />
          {annotation.retracted && <span className="badge badge-retracted">{t('annotation.retracted')}</span>}
          {annotation.resolved && <span className="badge">{t('annotation.resolved')}</span>}
          <AssigneeBadge userId={annotation.assigneeUserId} />
          {isNew && (
            <span className="badge badge-new" data-testid="annotation-new" title={t('annotations.newLabel')}>
              {t('annotations.new')}
            </span>
          )}
          <time className="annotation-time" dateTime={annotation.createdAt} title={formatUtc(annotation.createdAt)}>
            {formatDateTime(annotation.createdAt)}
          </time>
        </header>
        <Body annotation={annotation} />
        {editing && (
          <form
            className="annotation-edit"
            onSubmit={(e) => {
              e.preventDefault();
              void change(edit);
            }}
          >
            {(annotation.kind === 'note' || annotation.kind === 'comment') && (
              <label className="field-label">
                {t('annotation.editLabel')}
                <textarea className="input textarea" rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} />
              </label>
            )}
            {annotation.kind === 'tag' && (
              <label className="field-label">
                {t('form.tag.label')}
                <input className="input" value={tagDraft} maxLength={64} onChange={(e) => setTagDraft(e.target.value)} />
              </label>
            )}
            {annotation.kind === 'identification' && (
              <IdentificationFields draft={identification} onChange={setIdentification} />
            )}
            <button type="submit" className="button primary">
              {t('annotation.save')}
            </button>
            <button type="button" className="button secondary" onClick={() => { setEditing(false); setError(null); }}>
              {t('annotation.cancel')}
            </button>
          </form>
        )}
        {onChanged && !editing && (
          <div className="annotation-actions">
            {editable && (
              <button type="button" className="button link" onClick={startEditing}>
                {t('annotation.edit')}
              </button>
            )}
            {(mine || canCoordinate(role)) && annotating && !annotation.retracted && (
              <button
                type="button"
                className="button link"
                onClick={() => {
                  if (window.confirm(t('annotation.retractConfirm'))) void change(() => api.retractAnnotation(annotation.id, annotation.version));
                }}
              >
                {t('annotation.retract')}
              </button>
            )}
            {annotating && !annotation.parentId && !annotation.retracted && (
              <button type="button" className="button link" onClick={() => void change(() => api.resolveAnnotation(annotation.id, annotation.version, !annotation.resolved))}>
                {annotation.resolved ? t('annotation.reopen') : t('annotation.resolve')}
              </button>
            )}
            <button type="button" className="button link" aria-expanded={history !== null} onClick={() => void toggleHistory()}>
              {history ? t('annotation.hideHistory') : t('annotation.history')}
            </button>
          </div>
        )}
        {onChanged && annotating && annotation.kind === 'verification' && !annotation.retracted && (
          <VerificationMove annotation={annotation} change={change} />
        )}
        {onChanged && annotating && !annotation.parentId && !annotation.retracted && <AssignmentControl annotation={annotation} change={change} />}
        {error && (
          <div className="alert" role="alert">
            <p className="alert-title">{error.title}</p>
            {error.detail && <p className="alert-detail">{error.detail}</p>}
          </div>
        )}
        {history && (
          <ol className="annotation-history" data-testid="annotation-history">
            {history.map((h) => (
              <li key={h.version}>
                <time dateTime={h.at} title={formatUtc(h.at)}>
                  {formatDateTime(h.at)}
                </time>{' '}
                {h.byName}: {h.change}
                {/* The state after each change, for every kind: what a tag, an identification or a verification was then. */}
                <Body annotation={h.state} />
              </li>
            ))}
          </ol>
        )}
        {replies.length > 0 && (
          <ol className="annotation-replies">
            {replies.map((r) => (
              <AnnotationItem key={r.id} annotation={r} isNew={liveIds?.has(r.id) ?? false} currentUser={currentUser} onChanged={onChanged} />
            ))}
          </ol>
        )}
        {onReply && annotating && !annotation.parentId && !annotation.retracted && (
          <form
            className="annotation-reply"
            onSubmit={(e) => {
              e.preventDefault();
              if (!reply.trim()) return;
              void onReply(annotation, reply).then(() => setReply(''), (err: unknown) => setError(describeError(err)));
            }}
          >
            <label className="field-label">
              {t('annotation.replyLabel')}
              <input className="input" value={reply} onChange={(e) => { setReply(e.target.value); onTyping?.(annotation.id); }} />
            </label>
            <button type="submit" className="button secondary">
              {t('annotation.reply')}
            </button>
          </form>
        )}
      </article>
    </li>
  );
}
