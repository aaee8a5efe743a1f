import { currentLocale } from '../i18n';

/**
 * Dates and times as the UI shows them: instants come from the server in UTC (ISO 8601) and are shown in the user's
 * time zone, with the exact UTC instant on hover. `timeZone` is for tests and callers that show another zone.
 */

/** Local date and time in the user's time zone. */
export function formatDateTime(iso: string, timeZone?: string): string {
  return format(iso, { dateStyle: 'medium', timeStyle: 'short', timeZone });
}

/** Local date and time to the second, in the user's time zone (for logs, where seconds matter). */
export function formatDateTimeSeconds(iso: string, timeZone?: string): string {
  return format(iso, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
}

function format(iso: string, options: Intl.DateTimeFormatOptions): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(currentLocale(), options).format(date);
}

/** The user's time zone as the browser knows it, e.g. Europe/Paris. */
export function currentTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The exact instant in UTC, e.g. 2026-11-25T17:00:00.000Z. */
export function formatUtc(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString();
}

/** Helpers for <input type="datetime-local">, whose value is a wall-clock time in the user's time zone. */

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** "YYYY-MM-DDTHH:mm" for a date, in local time (the input's format). */
export function toLocalInputValue(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The UTC instant (ISO 8601) of a datetime-local value, or null when it is not a valid date. */
export function localInputToIso(value: string): string | null {
  // Without an offset, the Date constructor reads "YYYY-MM-DDTHH:mm" as local time.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
