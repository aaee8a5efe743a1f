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
