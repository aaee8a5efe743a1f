import { useState } from 'react';
import { ApiError, api, describeError } from '../../api/client';
import type { Annotation, AnnotationHistoryEntry, Visibility } from '../../api/types';
import { formatDateTime, formatUtc, t, type MessageKey } from '../../i18n';
import { useOutletName } from '../session/session';
import { NoteText } from './NoteText';

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

function Body({ annotation }: { annotation: Annotation }) {
  switch (annotation.kind) {
    case 'tag':
      return <p className="annotation-text">{t('annotation.tag', { tag: annotation.tag ?? '' })}</p>;
    case 'identification':
      return <p className="annotation-text">{t('annotation.identification', { person: annotation.identification?.person ?? '' })}</p>;
    case 'verification':
      return <p className="annotation-text">{t('annotation.verification', { state: annotation.verification?.state ?? '' })}</p>;
    default:
      return <NoteText text={annotation.text} />;
  }
}

/** One annotation with its thread. Notes are Markdown rendered inert (no HTML, no images). */
export function AnnotationItem({ annotation, isNew, currentUser, replies = [], liveIds, onChanged, onReply, onTyping }: Props) {
  const outletName = useOutletName();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(annotation.text);
  const [reply, setReply] = useState('');
  const [history, setHistory] = useState<AnnotationHistoryEntry[] | null>(null);
  const [error, setError] = useState<{ title: string; detail?: string } | null>(null);
  const mine = currentUser !== undefined && annotation.author === currentUser;
  const editable = mine && !annotation.retracted && (annotation.kind === 'note' || annotation.kind === 'comment');

  const change = async (action: () => Promise<Annotation>) => {
    setError(null);
    try {
      onChanged?.(await action());
      setEditing(false);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        const current = (e.problem as { current?: Annotation }).current;
        if (current) onChanged?.(current);
        setEditing(false);
        setError({ title: t('annotation.conflict') });
      } else {
        setError(describeError(e));
      }
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
          {isNew && (
            <span className="badge badge-new" data-testid="annotation-new" title={t('annotations.newLabel')}>
              {t('annotations.new')}
            </span>
          )}
          <time className="annotation-time" dateTime={annotation.createdAt} title={formatUtc(annotation.createdAt)}>
            {formatDateTime(annotation.createdAt)}
          </time>
        </header>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void change(() => api.editAnnotation(annotation.id, annotation.version, { text: draft }));
            }}
          >
            <label className="field-label">
              {t('annotation.editLabel')}
              <textarea className="input textarea" rows={3} value={draft} onChange={(e) => setDraft(e.target.value)} />
            </label>
            <button type="submit" className="button primary">
              {t('annotation.save')}
            </button>
            <button type="button" className="button secondary" onClick={() => setEditing(false)}>
              {t('annotation.cancel')}
            </button>
          </form>
        ) : (
          <Body annotation={annotation} />
        )}
        {onChanged && !editing && (
          <div className="annotation-actions">
            {editable && (
              <button type="button" className="button link" onClick={() => { setDraft(annotation.text); setEditing(true); }}>
                {t('annotation.edit')}
              </button>
            )}
            {mine && !annotation.retracted && (
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
            {!annotation.parentId && !annotation.retracted && (
              <button type="button" className="button link" onClick={() => void change(() => api.resolveAnnotation(annotation.id, annotation.version, !annotation.resolved))}>
                {annotation.resolved ? t('annotation.reopen') : t('annotation.resolve')}
              </button>
            )}
            <button type="button" className="button link" aria-expanded={history !== null} onClick={() => void toggleHistory()}>
              {history ? t('annotation.hideHistory') : t('annotation.history')}
            </button>
          </div>
        )}
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
                {(h.state.kind === 'note' || h.state.kind === 'comment') && <NoteText text={h.state.text} />}
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
        {onReply && !annotation.parentId && !annotation.retracted && (
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
