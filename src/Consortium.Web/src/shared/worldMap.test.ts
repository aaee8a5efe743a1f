import { describe, expect, it } from 'vitest';
import { feature } from 'topojson-client';
import atlas from 'world-atlas/countries-110m.json';
import { alpha2OfAtlasCountry, numericByAlpha2 } from './countryCodes';
import { cutAtAntimeridian, namedByAlpha2, splitAtAntimeridian, worldFeatures, type AtlasFeature } from './worldMap';

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

describe('the antimeridian', () => {
  it('cuts a ring that crosses it into pieces closed along it', () => {
    // A square from 170°E to 170°W, stitched across 180°.
    const ring = [[170, 10], [-170, 10], [-170, -10], [170, -10], [170, 10]];
    const pieces = splitAtAntimeridian(ring);
    expect(pieces).toHaveLength(2);
    expect(pieces.every((p) => p.every(([x]) => x! >= 170) || p.every(([x]) => x! <= -170))).toBe(true);
    expect(pieces.every((p) => p[0]![0] === p.at(-1)![0] && p[0]![1] === p.at(-1)![1])).toBe(true);
    expect(pieces.flat().some(([x, y]) => x === 180 && y === 10)).toBe(true);
  });

  it('leaves rings that do not cross it alone', () => {
    const ring = [[0, 0], [10, 0], [10, 10], [0, 0]];
    expect(splitAtAntimeridian(ring)).toEqual([ring]);
    expect(cutAtAntimeridian({ type: 'Polygon', coordinates: [ring] })).toEqual({ type: 'Polygon', coordinates: [ring] });
  });

  it('leaves no world-atlas shape with a line across the map', () => {
    const topology = atlas as unknown as Parameters<typeof feature>[0] & { objects: { countries: Parameters<typeof feature>[1] } };
    const countries = feature(topology, topology.objects.countries) as unknown as { features: AtlasFeature[] };
    const drawn = worldFeatures(countries.features);
    const rings = drawn.flatMap((f) => {
      const g = f.geometry as { type: string; coordinates: number[][][] | number[][][][] };
      return g.type === 'Polygon' ? (g.coordinates as number[][][]) : (g.coordinates as number[][][][]).flat();
    });
    const jumps = rings.filter((ring) => ring.some((p, i) => i > 0 && Math.abs(p[0]! - ring[i - 1]![0]!) > 180));

    expect(jumps).toEqual([]);
    expect(drawn.some((f) => f.properties?.name === 'AQ')).toBe(false);
    expect(drawn.some((f) => f.properties?.name === 'RU')).toBe(true);
  });
});
