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

type Position = number[];
type Ring = Position[];

/** The latitude where the segment from a to b (the short way round, across ±180°) meets the antimeridian. */
function crossingLatitude(a: Position, b: Position): number {
  const [ax, ay] = a as [number, number];
  const [bx, by] = b as [number, number];
  const unwrapped = ax > 0 ? bx + 360 : bx - 360;
  const edge = ax > 0 ? 180 : -180;
  return ay + ((by - ay) * (edge - ax)) / (unwrapped - ax);
}

/**
 * A ring cut where it crosses the antimeridian, each piece closed along it. world-atlas stitches shapes across ±180°
 * (Russia, Fiji) for spherical projections that cut them again; ECharts draws plain longitude and latitude, where an
 * uncut ring becomes a line across the whole map.
 */
export function splitAtAntimeridian(ring: Ring): Ring[] {
  const parts: Ring[] = [[]];
  ring.forEach((point, i) => {
    const previous = ring[i - 1];
    if (previous && Math.abs(point[0]! - previous[0]!) > 180) {
      const latitude = crossingLatitude(previous, point);
      const side = previous[0]! > 0 ? 180 : -180;
      parts[parts.length - 1]!.push([side, latitude]);
      parts.push([[-side, latitude]]);
    }
    parts[parts.length - 1]!.push(point);
  });
  if (parts.length === 1) return [ring];
  // The ring's last piece goes on into its first: they are on the same side.
  const last = parts.pop()!;
  parts[0] = [...last, ...parts[0]!.slice(1)];
  return parts.map((part) => [...part, part[0]!]);
}

interface Geometry {
  type: string;
  coordinates?: unknown;
}

/** A country's geometry with every outer ring cut at the antimeridian (a cut polygon loses its holes: none of these has any). */
export function cutAtAntimeridian<G extends Geometry>(geometry: G): G {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates as Ring[]] : geometry.type === 'MultiPolygon' ? (geometry.coordinates as Ring[][]) : null;
  if (!polygons) return geometry;
  let cut = false;
  const pieces = polygons.flatMap((polygon) => {
    const outer = splitAtAntimeridian(polygon[0]!);
    if (outer.length === 1) return [polygon];
    cut = true;
    return outer.map((ring) => [ring]);
  });
  return cut ? { ...geometry, type: 'MultiPolygon', coordinates: pieces } : geometry;
}

/** Antarctica: around the pole, it has no shape in plain longitude and latitude, and nobody there is in a leak of phone numbers. */
export const LEFT_OFF_THE_MAP = new Set(['AQ']);

/** The features ECharts draws: named by alpha-2 code, cut at the antimeridian, Antarctica left off. */
export function worldFeatures<F extends AtlasFeature>(features: readonly F[]): F[] {
  return namedByAlpha2(features)
    .filter((f) => !LEFT_OFF_THE_MAP.has(f.properties?.name ?? ''))
    .map((f) => ({ ...f, geometry: cutAtAntimeridian(f.geometry as Geometry) }));
}
