import type { Annotation, Visibility } from '../../api/types';
import { formatDateTime, formatUtc, t, type MessageKey } from '../../i18n';
import { useOutletName } from '../session/session';

const visibilityKeys: Record<Visibility, MessageKey> = {
  consortium: 'visibility.consortium',
  outlet: 'visibility.outlet',
  private: 'visibility.private',
};

export function visibilityLabel(visibility: Visibility): string {
  const key = visibilityKeys[visibility];
  return key ? t(key) : visibility;
}

export function VisibilityBadge({ visibility }: { visibility: Visibility }) {
  const label = visibilityLabel(visibility);
  return (
    <span className={`badge badge-visibility badge-${visibility}`} title={t('visibility.label', { visibility: label })}>
      {label}
    </span>
  );
}

/** One annotation. Its text is plain text: React escapes it, and line breaks are kept by CSS. */
export function AnnotationItem({ annotation, isNew }: { annotation: Annotation; isNew: boolean }) {
  const outletName = useOutletName();
  return (
    <li
      className={isNew ? 'annotation is-new' : 'annotation'}
      data-testid="annotation"
      data-annotation-id={annotation.id}
      data-sequence={annotation.sequence}
      data-new={isNew ? 'true' : undefined}
    >
      <article aria-label={`${annotation.authorName}, ${formatDateTime(annotation.createdAt)}`}>
        <header className="annotation-meta">
          <span className="annotation-author">{annotation.authorName}</span>
          <span className="annotation-outlet">{outletName(annotation.outletId)}</span>
          <VisibilityBadge visibility={annotation.visibility} />
          {isNew && (
            <span className="badge badge-new" data-testid="annotation-new" title={t('annotations.newLabel')}>
              {t('annotations.new')}
            </span>
          )}
          <time className="annotation-time" dateTime={annotation.createdAt} title={formatUtc(annotation.createdAt)}>
            {formatDateTime(annotation.createdAt)}
          </time>
        </header>
        <p className="annotation-text">{annotation.text}</p>
      </article>
    </li>
  );
}
