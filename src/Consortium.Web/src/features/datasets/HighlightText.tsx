import type { ReactNode } from 'react';
import type { HighlightSpan } from '../../api/types';

/**
 * Plain text with its matched spans in <mark>: the text is sliced at the spans (UTF-16 offsets) and rendered as
 * React text nodes, never as HTML.
 */
export function HighlightText({ text, matches }: { text: string; matches: readonly HighlightSpan[] }) {
  const spans = [...matches]
    .filter((m) => m.length > 0 && m.start >= 0 && m.start < text.length)
    .sort((a, b) => a.start - b.start);
  const parts: ReactNode[] = [];
  let cursor = 0;
  for (const span of spans) {
    const start = Math.max(span.start, cursor);
    const end = Math.min(span.start + span.length, text.length);
    if (end <= start) continue;
    if (start > cursor) parts.push(text.slice(cursor, start));
    parts.push(<mark key={start}>{text.slice(start, end)}</mark>);
    cursor = end;
  }
  if (cursor < text.length) parts.push(text.slice(cursor));
  return <bdi className="highlight-text">{parts}</bdi>;
}
