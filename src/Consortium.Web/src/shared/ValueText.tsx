import type { RecordValue } from '../api/types';

const phoneLike = /^[+\d][\d\s().-]*$/;

/**
 * One cell value. Phone numbers and other digit strings are always laid out left-to-right
 * (so "+44 7700 900123" reads correctly on right-to-left pages); other text is isolated with <bdi>.
 */
export function ValueText({ value }: { column?: string; value: RecordValue | undefined }) {
  if (value === null || value === undefined || value === '') return <span className="value-empty">—</span>;
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (phoneLike.test(text)) return <span dir="ltr" className="value-ltr">{text}</span>;
  return <bdi>{text}</bdi>;
}
