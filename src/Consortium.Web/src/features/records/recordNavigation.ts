import { api } from '../../api/client';
import type { LeakRecord } from '../../api/types';

/** The record after this one in the dataset's rowNumber order, or null at the end. */
export async function findNextRecord(record: LeakRecord, signal?: AbortSignal): Promise<LeakRecord | null> {
  const page = await api.records(record.datasetId, { after: record.rowNumber, limit: 1 }, signal);
  return page.items[0] ?? null;
}

const WINDOW = 100;
const MAX_WINDOWS = 20;

/**
 * The record before this one. The API pages forward only (`after`), so read the window of
 * rows just before this one and take the last of them; row numbers may have gaps, so step
 * further back if a window holds none (bounded).
 */
export async function findPreviousRecord(record: LeakRecord, signal?: AbortSignal): Promise<LeakRecord | null> {
  let upper = record.rowNumber;
  for (let i = 0; i < MAX_WINDOWS && upper > 0; i++) {
    const after = Math.max(0, upper - WINDOW - 1);
    const page = await api.records(record.datasetId, { after: after > 0 ? after : null, limit: WINDOW }, signal);
    const before = page.items.filter((r) => r.rowNumber < upper);
    const last = before[before.length - 1];
    if (last) return last;
    if (after === 0) return null;
    upper = after + 1;
  }
  return null;
}
