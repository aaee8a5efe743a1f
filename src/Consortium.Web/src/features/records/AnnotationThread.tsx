import { useEffect, useRef } from 'react';
import type { Annotation } from '../../api/types';
import { ErrorAlert, Loading } from '../../shared/ui';
import { t, tp } from '../../i18n';
import { AnnotationItem } from './AnnotationItem';

interface Props {
  items: Annotation[];
  liveIds: ReadonlySet<string>;
  loaded: boolean;
  error: unknown;
  onRetry: () => void;
  currentUser?: string;
  onChanged?: (annotation: Annotation) => void;
  onReply?: (parent: Annotation, text: string) => Promise<void>;
  onTyping?: (annotationId: string) => void;
}

/** The thread, oldest first. Follows new annotations to the bottom when the reader is already there. */
export function AnnotationThread({ items, liveIds, loaded, error, onRetry, currentUser, onChanged, onReply, onTyping }: Props) {
  const listRef = useRef<HTMLOListElement>(null);
  const count = items.length;
  const atBottomRef = useRef(true);

  useEffect(() => {
    const list = listRef.current;
    if (list && atBottomRef.current) list.scrollTop = list.scrollHeight;
  }, [count]);

  if (!loaded && error !== undefined) return <ErrorAlert error={error} onRetry={onRetry} />;
  if (!loaded) return <Loading />;

  return (
    <>
      <p className="thread-count" aria-live="polite">
        {count === 0 ? t('annotations.empty') : tp('annotations.count', count)}
      </p>
      <ol
        ref={listRef}
        className="annotation-list"
        data-testid="annotation-list"
        tabIndex={0}
        aria-labelledby="annotations-heading"
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottomRef.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {items
          .filter((annotation) => !annotation.parentId || !items.some((a) => a.id === annotation.parentId))
          .map((annotation) => (
            <AnnotationItem
              key={annotation.id}
              annotation={annotation}
              isNew={liveIds.has(annotation.id)}
              currentUser={currentUser}
              replies={items.filter((a) => a.parentId === annotation.id)}
              liveIds={liveIds}
              onChanged={onChanged}
              onReply={onReply}
              onTyping={onTyping}
            />
          ))}
      </ol>
    </>
  );
}
