// Loaded only through a dynamic import (EChart.tsx): ECharts and the world map stay out of the main bundle.
import { BarChart, MapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

// SVG rather than canvas: crisp at 200% zoom and in print, and the few hundred shapes here draw fast either way.
echarts.use([BarChart, MapChart, GridComponent, TooltipComponent, VisualMapComponent, SVGRenderer]);

export { echarts };

let world: Promise<void> | null = null;

/** Registers the world map ("world": Natural Earth 1:110m countries from world-atlas, named by alpha-2 code) once. */
export function registerWorld(): Promise<void> {
  world ??= (async () => {
    const [{ feature }, atlas, { worldFeatures }] = await Promise.all([
      import('topojson-client'),
      import('world-atlas/countries-110m.json'),
      import('./worldMap'),
    ]);
    const topology = (atlas as { default?: unknown }).default ?? atlas;
    const countries = feature(topology as never, (topology as { objects: { countries: never } }).objects.countries) as unknown as {
      type: 'FeatureCollection';
      features: Parameters<typeof worldFeatures>[0];
    };
    // Shapes without a code get names of their own that no data carries, so ECharts keeps them apart.
    const features = worldFeatures(countries.features).map((f, i) => (f.properties?.name ? f : { ...f, properties: { ...f.properties, name: `~${i}` } }));
    echarts.registerMap('world', { type: 'FeatureCollection', features } as never);
  })();
  return world;
}
