import { describe, expect, it } from 'vitest';
import { countdownParts, formatCountdown, isKnownZone, messagesFor, parseZoneList, toInputLocalTime, utcOffset, zoneDisplay } from './time';

describe('countdown', () => {
  const lift = '2027-03-29T16:00:00Z';
  const at = (iso: string) => Date.parse(iso);

  it('counts days, hours, minutes and seconds to the lift', () => {
    expect(countdownParts(at(lift), at('2027-03-27T13:58:55Z'))).toEqual({ past: false, days: 2, hours: 2, minutes: 1, seconds: 5 });
    expect(formatCountdown(lift, at('2027-03-27T13:58:55Z'))).toBe('2 d 02:01:05');
  });

  it('drops the days on the last day and rounds down to the second', () => {
    expect(formatCountdown(lift, at('2027-03-29T15:59:58.400Z'))).toBe('00:00:01');
  });

  it('says how long ago an instant passed, and counts the instant itself as passed', () => {
    expect(countdownParts(at(lift), at(lift)).past).toBe(true);
    expect(formatCountdown(lift, at('2027-03-29T17:01:02Z'))).toBe('due 01:01:02 ago');
  });

  it('leaves what is not an instant as it is', () => {
    expect(formatCountdown('soon', 0)).toBe('soon');
  });
});

describe('zone display', () => {
  // The example: 18:00 in Paris the day after the spring change is 16:00 UTC.
  const lift = '2027-03-29T16:00:00Z';

  it('shows one instant in each zone with its UTC offset, across daylight saving time', () => {
    expect(zoneDisplay(lift, 'Europe/Paris', 'en')).toEqual({ zone: 'Europe/Paris', local: 'Mon, Mar 29, 2027, 18:00', offset: 'UTC+02:00' });
    expect(zoneDisplay(lift, 'America/Mexico_City', 'en').local).toBe('Mon, Mar 29, 2027, 10:00');
    expect(zoneDisplay(lift, 'Asia/Kolkata', 'en')).toMatchObject({ local: 'Mon, Mar 29, 2027, 21:30', offset: 'UTC+05:30' });
    expect(zoneDisplay(lift, 'Australia/Sydney', 'en')).toMatchObject({ local: 'Tue, Mar 30, 2027, 03:00', offset: 'UTC+11:00' });
  });

  it('writes a zero offset as UTC+00:00 and follows the zone’s winter offset', () => {
    expect(utcOffset(lift, 'UTC')).toBe('UTC+00:00');
    expect(utcOffset('2027-01-15T12:00:00Z', 'Europe/London')).toBe('UTC+00:00');
    expect(utcOffset('2027-01-15T12:00:00Z', 'Europe/Paris')).toBe('UTC+01:00');
    expect(utcOffset('2027-01-15T12:00:00Z', 'America/New_York')).toBe('UTC-05:00');
  });

  it('knows IANA zones and refuses made-up ones', () => {
    expect(isKnownZone('Europe/Paris')).toBe(true);
    expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownZone('  ')).toBe(false);
  });

  it('reads a typed list of zones: known ones, each once, in order, at most six', () => {
    expect(parseZoneList('Europe/Paris, Asia/Kolkata,Europe/Paris; Nowhere/Else  UTC')).toEqual(['Europe/Paris', 'Asia/Kolkata', 'UTC']);
    expect(parseZoneList('UTC Europe/Paris Europe/London Asia/Tokyo Asia/Kolkata America/Lima Africa/Lagos')).toHaveLength(6);
  });

  it('cuts the server’s local time to what a datetime-local input takes', () => {
    expect(toInputLocalTime('2027-03-29T18:00:00')).toBe('2027-03-29T18:00');
  });
});

describe('messagesFor', () => {
  const errors = { 'to.localTime': ['18:00 does not occur on that day in Europe/Paris.'], reason: ['Say why.'], 'to.zone': 'not a list' };

  it('finds a field’s messages under whichever object the server named it', () => {
    expect(messagesFor(errors, 'localTime')).toEqual(['18:00 does not occur on that day in Europe/Paris.']);
    expect(messagesFor({ 'embargo.localTime': ['past'] }, 'localtime')).toEqual(['past']);
    expect(messagesFor(errors, 'reason')).toEqual(['Say why.']);
  });

  it('gives nothing for other fields, malformed entries or no problem at all', () => {
    expect(messagesFor(errors, 'zone')).toEqual([]);
    expect(messagesFor(errors, 'offset')).toEqual([]);
    expect(messagesFor(undefined, 'reason')).toEqual([]);
  });
});
