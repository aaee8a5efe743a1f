import { describe, expect, it } from 'vitest';
import { feature } from 'topojson-client';
import atlas from 'world-atlas/countries-110m.json';
import { alpha2OfAtlasCountry, numericByAlpha2 } from './countryCodes';
import { namedByAlpha2, type AtlasFeature } from './worldMap';

describe('country codes', () => {
  it('maps alpha-2 codes to the ISO numeric ids world-atlas uses', () => {
    expect(numericByAlpha2.GB).toBe('826');
    expect(numericByAlpha2.FR).toBe('250');
    expect(numericByAlpha2.AF).toBe('004');
    expect(numericByAlpha2.MX).toBe('484');
    expect(numericByAlpha2.SS).toBe('728');
  });

  it('is one-to-one over every officially assigned code', () => {
    const codes = Object.keys(numericByAlpha2);
    expect(codes).toHaveLength(249);
    expect(new Set(Object.values(numericByAlpha2)).size).toBe(249);
    expect(codes.every((c) => /^[A-Z]{2}$/.test(c))).toBe(true);
  });

  it('names every country world-atlas draws, except two areas no ISO code covers', () => {
    const topology = atlas as unknown as Parameters<typeof feature>[0] & { objects: { countries: Parameters<typeof feature>[1] } };
    const countries = feature(topology, topology.objects.countries) as unknown as { features: AtlasFeature[] };
    const named = namedByAlpha2(countries.features);
    const unnamed = countries.features.filter((_, i) => !named[i]!.properties?.name).map((f) => f.properties?.name);
    const atlasNames = new Map(countries.features.map((f) => [alpha2OfAtlasCountry(f.id, f.properties?.name), f.properties?.name]));

    expect(unnamed.sort()).toEqual(['N. Cyprus', 'Somaliland']);
    expect(new Set(named.map((f) => f.properties?.name).filter(Boolean)).size).toBe(countries.features.length - 2);
    expect(atlasNames.get('GB')).toBe('United Kingdom');
    expect(atlasNames.get('FR')).toBe('France');
    expect(atlasNames.get('XK')).toBe('Kosovo');
    expect(atlasNames.get('IN')).toBe('India');
  });
});
