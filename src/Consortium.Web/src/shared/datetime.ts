import { currentLocale, formatNumber } from '../i18n';

/**
 * Dates, times and numbers as the UI shows them: the one place that calls Intl for them, in the person's language
 * and time zone. Instants come from the server in UTC (ISO 8601) and are shown in the person's zone (their
 * preference, else the browser's), with the exact UTC instant on hover. `timeZone` is for tests and callers that show
 * another zone (the embargo desk's table of zones).
 */

export { formatNumber };

let preferredZone: string | null = null;

/** The browser's own zone, e.g. Europe/Paris. */
export function browserTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const zoneListeners = new Set<() => void>();

/** Sets the person's zone (null: the browser's again). An id the browser does not know is ignored. */
export function setTimeZone(zone: string | null | undefined): void {
  const next = zone && isKnownZone(zone) ? zone : null;
  if (next === preferredZone) return;
  preferredZone = next;
  for (const listener of zoneListeners) listener();
}

/** For useSyncExternalStore: the app shows its pages afresh when the person's zone changes. */
export function subscribeTimeZone(listener: () => void): () => void {
  zoneListeners.add(listener);
  return () => zoneListeners.delete(listener);
}

/** The person's time zone: their preference, else the browser's. */
export function currentTimeZone(): string {
  return preferredZone ?? browserTimeZone();
}

/** Whether the browser knows an IANA zone id. */
export function isKnownZone(zone: string): boolean {
  if (!zone.trim()) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone.trim() });
    return true;
  } catch {
    return false;
  }
}

/** Local date and time in the person's time zone. */
export function formatDateTime(iso: string, timeZone?: string): string {
  return format(iso, { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone ?? currentTimeZone() });
}

/** Local date and time to the second, in the person's time zone (for logs, where seconds matter). */
export function formatDateTimeSeconds(iso: string, timeZone?: string): string {
  return format(iso, { dateStyle: 'medium', timeStyle: 'medium', timeZone: timeZone ?? currentTimeZone() });
}

/** A calendar date (no time) in the person's time zone. */
export function formatDate(iso: string, timeZone?: string): string {
  return format(iso, { dateStyle: 'medium', timeZone: timeZone ?? currentTimeZone() });
}

function format(iso: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLocale(), options).format(date);
}

/** The exact instant in UTC, e.g. 2026-11-25T17:00:00.000Z. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString();
}

/**
 * Helpers for <input type="datetime-local">, whose value is a wall-clock time: read and written in the person's
 * zone (which may differ from the browser's), never with hand-written offsets.
 */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The wall-clock fields of an instant in a zone, as a UTC timestamp of those fields (for offset arithmetic). */
function wallClockMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/** "YYYY-MM-DDTHH:mm" for a date, in the person's zone (the input's format). */
export function toLocalInputValue(date: Date, timeZone: string = currentTimeZone()): string {
  const wall = new Date(wallClockMs(Math.floor(date.getTime() / 1000) * 1000, timeZone));
  return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
}

/**
 * The UTC instant (ISO 8601) of a datetime-local value read in the person's zone, or null when it is not a valid
 * date. A time that occurs twice (clocks going back) is the earlier; one that does not exist (clocks going forward)
 * moves forward by the gap, as browsers do for the local zone.
 */
export function localInputToIso(value: string, timeZone: string = currentTimeZone()): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s || 0);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== d) return null;
  // The zone's offsets a day either side: a wall-clock time is one of them applied (two, around a change).
  const day = 86_400_000;
  const offsets = [wallClockMs(wall - day, timeZone) - (wall - day), wallClockMs(wall + day, timeZone) - (wall + day)];
  const fits = offsets.map((o) => wall - o).filter((ms) => wallClockMs(ms, timeZone) === wall);
  const instant = fits.length > 0 ? Math.min(...fits) : wall - offsets[0]!;
  return new Date(instant).toISOString();
}
