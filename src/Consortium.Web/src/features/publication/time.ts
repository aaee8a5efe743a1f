import { currentLocale, t } from '../../i18n';

/**
 * Pure helpers of the embargo desk's times. Instants come from the server in UTC; a zone's local time and offset are
 * read with Intl.DateTimeFormat's timeZone (the browser's TZDB), never from hand-written offsets.
 */

export interface Countdown {
  /** True once the instant has passed. */
  past: boolean;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** Whole days, hours, minutes and seconds from `nowMs` to `targetMs` (rounded down to the second). */
export function countdownParts(targetMs: number, nowMs: number): Countdown {
  const remaining = Math.floor((targetMs - nowMs) / 1000);
  const total = Math.abs(remaining);
  return {
    past: remaining <= 0,
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3_600),
    minutes: Math.floor((total % 3_600) / 60),
    seconds: total % 60,
  };
}

const two = (n: number) => String(n).padStart(2, '0');

/** "3 d 04:05:06" or "04:05:06" before the instant; "passed 00:01:02 ago" after it. */
export function formatCountdown(targetIso: string, nowMs: number): string {
  const target = Date.parse(targetIso);
  if (Number.isNaN(target)) return targetIso;
  const parts = countdownParts(target, nowMs);
  const clock = `${two(parts.hours)}:${two(parts.minutes)}:${two(parts.seconds)}`;
  const span = parts.days > 0 ? t('publication.countdown.days', { days: parts.days, clock }) : clock;
  return parts.past ? t('publication.countdown.past', { span }) : span;
}

/** "UTC+02:00", "UTC-03:30", "UTC+00:00": the zone's offset at that instant, as Intl knows it. */
export function utcOffset(iso: string, timeZone: string): string {
  const date = new Date(iso);
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  // Intl writes "GMT+02:00", and at offset zero "GMT" or "GMT+00:00" depending on its version.
  return !part || part === 'GMT' ? 'UTC+00:00' : part.replace(/^GMT/, 'UTC');
}

/** An instant as a person reads it in a zone: local date and time, the zone's id and its UTC offset then. */
export interface ZoneDisplay {
  zone: string;
  local: string;
  offset: string;
}

export function zoneDisplay(iso: string, timeZone: string, locale: string = currentLocale()): ZoneDisplay {
  const date = new Date(iso);
  const local = new Intl.DateTimeFormat(locale, {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
  return { zone: timeZone, local, offset: utcOffset(iso, timeZone) };
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

/** Zones typed as a list ("Europe/Paris, Asia/Kolkata"): trimmed, known to the browser, each once, at most `max`. */
export function parseZoneList(text: string, max = 6): string[] {
  const zones: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const zone = raw.trim();
    if (zone && isKnownZone(zone) && !zones.includes(zone)) zones.push(zone);
  }
  return zones.slice(0, max);
}

/**
 * The messages a validation problem gives for one input, whichever object the server named it under
 * (`embargo.localTime` when creating, `to.localTime` when moving): keys matching `field` or ending in `.field`.
 */
export function messagesFor(errors: Record<string, unknown> | undefined | null, field: string): string[] {
  if (!errors) return [];
  const wanted = field.toLowerCase();
  const found: string[] = [];
  for (const [key, value] of Object.entries(errors)) {
    const k = key.toLowerCase();
    if ((k === wanted || k.endsWith(`.${wanted}`)) && Array.isArray(value)) {
      found.push(...value.filter((m): m is string => typeof m === 'string'));
    }
  }
  return found;
}

/** "2027-03-29T18:00" for the datetime-local input, from the server's local time "2027-03-29T18:00:00". */
export function toInputLocalTime(localTime: string): string {
  return localTime.slice(0, 16);
}
