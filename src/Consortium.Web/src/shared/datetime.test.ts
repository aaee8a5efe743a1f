import { describe, expect, it } from 'vitest';
import { setLanguage } from '../i18n';
import {
  currentTimeZone,
  formatDateTime as formatWithSpaces,
  formatDateTimeSeconds as formatSecondsWithSpaces,
  formatNumber,
  formatUtc,
  localInputToIso,
  setTimeZone,
  toLocalInputValue,
} from './datetime';

// ICU versions differ in the space before AM/PM (U+202F or a plain space): compare with plain spaces.
const formatDateTime = (iso: string, zone?: string) => formatWithSpaces(iso, zone).replace(/\s/g, ' ');
const formatDateTimeSeconds = (iso: string, zone?: string) => formatSecondsWithSpaces(iso, zone).replace(/\s/g, ' ');

describe('formatDateTime', () => {
  const embargo = '2026-11-25T17:00:00Z';

  it('shows one instant at each outlet its own wall-clock time', () => {
    expect(formatDateTime(embargo, 'Europe/Paris')).toBe('Nov 25, 2026, 6:00 PM');
    expect(formatDateTime(embargo, 'America/New_York')).toBe('Nov 25, 2026, 12:00 PM');
    expect(formatDateTime(embargo, 'Asia/Kolkata')).toBe('Nov 25, 2026, 10:30 PM');
  });

  it('follows daylight saving time: Paris is UTC+2 in summer and UTC+1 in winter', () => {
    expect(formatDateTime('2026-07-01T10:00:00Z', 'Europe/Paris')).toBe('Jul 1, 2026, 12:00 PM');
    expect(formatDateTime('2026-01-15T10:00:00Z', 'Europe/Paris')).toBe('Jan 15, 2026, 11:00 AM');
  });

  it('crosses the date line into the next day', () => {
    expect(formatDateTime('2026-11-25T23:30:00Z', 'Pacific/Auckland')).toBe('Nov 26, 2026, 12:30 PM');
  });

  it('keeps seconds for logs', () => {
    expect(formatDateTimeSeconds('2026-11-25T17:00:05Z', 'Europe/London')).toBe('Nov 25, 2026, 5:00:05 PM');
  });

  it('gives back what it cannot read instead of "Invalid Date"', () => {
    expect(formatDateTime('not a date')).toBe('not a date');
    expect(formatUtc('')).toBe('');
  });
});

describe('formatUtc', () => {
  it('names the exact instant in UTC whatever offset the server wrote', () => {
    expect(formatUtc('2026-11-25T18:00:00+01:00')).toBe('2026-11-25T17:00:00.000Z');
  });
});

describe('datetime-local inputs (read in the user zone, Europe/Paris in these tests)', () => {
  it('turn a typed wall-clock time into the UTC instant, summer and winter', () => {
    expect(localInputToIso('2026-07-01T12:00')).toBe('2026-07-01T10:00:00.000Z');
    expect(localInputToIso('2026-01-15T12:00')).toBe('2026-01-15T11:00:00.000Z');
  });

  it('refuse what is not a date', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('2026-13-45T99:99')).toBeNull();
  });

  it('show an instant as the value the input expects, and read it back to the same minute', () => {
    const value = toLocalInputValue(new Date('2026-03-29T01:30:00Z'));
    expect(value).toBe('2026-03-29T03:30');
    expect(localInputToIso(value)).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('the person’s own time zone (a preference that may differ from the browser’s)', () => {
  it('shows instants and reads inputs in the chosen zone, and the browser’s again when cleared', () => {
    setTimeZone('America/New_York');
    try {
      expect(currentTimeZone()).toBe('America/New_York');
      expect(formatDateTime('2026-11-25T17:00:00Z').replace(/\s/g, ' ')).toBe('Nov 25, 2026, 12:00 PM');
      expect(localInputToIso('2026-11-25T12:00')).toBe('2026-11-25T17:00:00.000Z');
      expect(toLocalInputValue(new Date('2026-11-25T17:00:00Z'))).toBe('2026-11-25T12:00');
    } finally {
      setTimeZone(null);
    }
    expect(currentTimeZone()).toBe('Europe/Paris');
  });

  it('ignores a zone the browser does not know', () => {
    setTimeZone('Mars/Olympus_Mons');
    expect(currentTimeZone()).toBe('Europe/Paris');
  });

  it('reads a time that occurs twice as the earlier one, and moves a skipped time past the gap', () => {
    // Paris: 2026-10-25 02:30 happens at UTC+2 then at UTC+1; 2026-03-29 02:30 does not happen.
    expect(localInputToIso('2026-10-25T02:30', 'Europe/Paris')).toBe('2026-10-25T00:30:00.000Z');
    expect(localInputToIso('2026-03-29T02:30', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('dates in the person’s language', () => {
  it('writes French and Arabic dates the way those languages do', () => {
    setLanguage('fr');
    expect(formatDateTime('2026-11-25T17:00:00Z', 'Europe/Paris').replace(/\s/g, ' ')).toBe('25 nov. 2026, 18:00');
    setLanguage('ar');
    expect(formatDateTime('2026-11-25T17:00:00Z', 'Asia/Beirut')).toBe(
      new Intl.DateTimeFormat('ar', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Beirut' }).format(new Date('2026-11-25T17:00:00Z')),
    );
    expect(formatNumber(1234567)).toBe(new Intl.NumberFormat('ar').format(1234567));
    setLanguage('en');
  });
});
