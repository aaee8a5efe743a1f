import { alpha2OfAtlasCountry } from './countryCodes';

/** A world-atlas country feature, as topojson-client gives it. */
export interface AtlasFeature {
  type: 'Feature';
  id?: string | number;
  properties: { name?: string } | null;
  geometry: unknown;
}

/**
 * The world-atlas countries named by their alpha-2 code (the name ECharts matches series data by); shapes with no
 * known code (disputed areas world-atlas draws without an id) are kept, unnamed, so the map has no holes.
 */
export function namedByAlpha2<F extends AtlasFeature>(features: readonly F[]): F[] {
  return features.map((f) => ({ ...f, properties: { ...f.properties, name: alpha2OfAtlasCountry(f.id, f.properties?.name ?? undefined) ?? '' } }));
}
