import { describe, expect, it } from 'vitest';
import { countryRows, formatMonth, funnelRows, monthBuckets, nextMonth } from './chartData';

describe('country rows', () => {
  it('puts the most selected first and counts numbers without a country apart', () => {
    const { rows, unknown } = countryRows([
      { value: 'FR', count: 3, atLeast: false },
      { value: 'gb', count: 5, atLeast: true },
      { value: null, count: 2, atLeast: false },
      { value: 'SG', count: 3, atLeast: false },
      { value: 'DE', count: 0, atLeast: false },
    ]);
    expect(rows).toEqual([
      { code: 'GB', numeric: '826', count: 5, atLeast: true },
      { code: 'FR', numeric: '250', count: 3, atLeast: false },
      { code: 'SG', numeric: '702', count: 3, atLeast: false },
    ]);
    expect(unknown).toBe(2);
  });

  it('keeps a code with no numeric id (none on the map) in the table', () => {
    expect(countryRows([{ value: 'ZZ', count: 1, atLeast: false }]).rows).toEqual([{ code: 'ZZ', numeric: null, count: 1, atLeast: false }]);
  });
});

describe('month buckets', () => {
  it('fills the months between the first and the last with zeros, in order', () => {
    expect(monthBuckets([
      { month: '2021-02', count: 1 },
      { month: '2020-11', count: 4 },
      { month: '2021-01', count: 2, atLeast: true },
    ])).toEqual([
      { month: '2020-11', count: 4, atLeast: false },
      { month: '2020-12', count: 0, atLeast: false },
      { month: '2021-01', count: 2, atLeast: true },
      { month: '2021-02', count: 1, atLeast: false },
    ]);
  });

  it('drops malformed and empty months and gives nothing for nothing', () => {
    expect(monthBuckets([])).toEqual([]);
    expect(monthBuckets([{ month: '2021-13', count: 1 }, { month: '', count: 3 }, { month: '2021-05', count: 0 }])).toEqual([]);
    expect(monthBuckets([{ month: '2021-05', count: 2 }])).toEqual([{ month: '2021-05', count: 2, atLeast: false }]);
  });

  it('does not spell out centuries of empty months for a mistyped year', () => {
    const buckets = monthBuckets([{ month: '0021-05', count: 1 }, { month: '2021-05', count: 2 }]);
    expect(buckets.map((b) => b.month)).toEqual(['0021-05', '2021-05']);
  });

  it('steps over the turn of the year', () => {
    expect(nextMonth('2021-12')).toBe('2022-01');
    expect(nextMonth('2021-09')).toBe('2021-10');
  });

  it('writes a month in the language asked for', () => {
    expect(formatMonth('2021-05', 'en')).toBe('May 2021');
    expect(formatMonth('2021-05', 'fr')).toBe('mai 2021');
  });
});

describe('funnel rows', () => {
  it('keeps the order of the states, zeros included, and ends with the records without a verdict', () => {
    const rows = funnelRows([
      { value: null, count: 7, atLeast: false },
      { value: 'infected', count: 2, atLeast: false },
      { value: 'identified', count: 1, atLeast: false },
    ]);
    expect(rows.map((r) => r.state)).toEqual([
      'unverified', 'identified', 'consent-obtained', 'forensics-submitted', 'infected', 'attempted', 'inconclusive', 'no-evidence', 'peer-reviewed', null,
    ]);
    expect(rows.find((r) => r.state === 'infected')?.count).toBe(2);
    expect(rows.find((r) => r.state === 'unverified')?.count).toBe(0);
    expect(rows.at(-1)).toEqual({ state: null, count: 7, atLeast: false });
  });
});
