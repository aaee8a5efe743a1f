import type { FacetCount } from '../../../api/types';
import { verificationStates } from '../../../shared/verification';
import { numericByAlpha2 } from '../../../shared/countryCodes';

/** One country on the map: its alpha-2 code, ISO numeric id in world-atlas, and count. */
export interface CountryRow {
  code: string;
  /** Null when world-atlas has no shape for it (a small territory): listed in the table, not drawn. */
  numeric: string | null;
  count: number;
  atLeast: boolean;
}

/**
 * The country facet as the map draws it: the countries most selected first; numbers without a known country are
 * counted apart (`unknown`), since they have no place on a map.
 */
export function countryRows(countries: readonly FacetCount[]): { rows: CountryRow[]; unknown: number } {
  const rows: CountryRow[] = [];
  let unknown = 0;
  for (const c of countries) {
    if (c.count <= 0) continue;
    const code = c.value?.toUpperCase();
    if (!code) {
      unknown += c.count;
      continue;
    }
    rows.push({ code, numeric: numericByAlpha2[code] ?? null, count: c.count, atLeast: c.atLeast === true });
  }
  rows.sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
  return { rows, unknown };
}

export interface MonthCountLike {
  month: string;
  count: number;
  atLeast?: boolean;
}

/** One month of the timeline (yyyy-MM), zero when nothing was selected in it. */
export interface MonthBucket {
  month: string;
  count: number;
  atLeast: boolean;
}

/** The month after a yyyy-MM month. */
export function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${String(year).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`;
}

/** The most months a timeline shows one by one; wider spans are counted per year. */
export const MAX_MONTHS = 600;

/**
 * The server's months (only those with selections, in any order) as a continuous timeline from the first to the
 * last: a gap in selections is a month at zero, not a month left out. Malformed months are dropped. Spans longer
 * than {@link MAX_MONTHS} (a mistyped year) fall back to the months given, sorted, so the page cannot hang.
 */
export function monthBuckets(months: readonly MonthCountLike[]): MonthBucket[] {
  const known = new Map<string, MonthBucket>();
  for (const m of months) {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m.month) || m.count <= 0) continue;
    const held = known.get(m.month);
    known.set(m.month, { month: m.month, count: (held?.count ?? 0) + m.count, atLeast: (held?.atLeast ?? false) || m.atLeast === true });
  }
  const sorted = [...known.keys()].sort();
  if (sorted.length === 0) return [];
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  const buckets: MonthBucket[] = [];
  for (let month = first; buckets.length <= MAX_MONTHS; month = nextMonth(month)) {
    buckets.push(known.get(month) ?? { month, count: 0, atLeast: false });
    if (month === last) return buckets;
  }
  return sorted.map((month) => known.get(month)!);
}

/** A month (yyyy-MM) as the current language writes it, e.g. "May 2021". */
export function formatMonth(month: string, locale: string): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(Date.UTC(year, m - 1, 1));
}

/** One bar of the funnel: a state (null: no verdict) and its count. */
export interface FunnelRow {
  state: string | null;
  count: number;
  atLeast: boolean;
}

/**
 * The funnel in the order of the verification states (the server sends them so; this keeps that order even for an
 * older server that sent only the states with records), then the records without a verdict.
 */
export function funnelRows(verification: readonly FacetCount[]): FunnelRow[] {
  const byState = new Map(verification.map((v) => [v.value ?? null, v]));
  const order: (string | null)[] = [...verificationStates, ...verification.map((v) => v.value ?? null).filter((v) => v !== null && !(verificationStates as readonly string[]).includes(v)), null];
  return order.map((state) => {
    const found = byState.get(state);
    return { state, count: found?.count ?? 0, atLeast: found?.atLeast === true };
  });
}
