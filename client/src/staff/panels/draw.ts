/** What the panels draw on the map's overlays: styles, and GeoJSON (CRS84 or EPSG:27700) as features in EPSG:27700. */
import Feature from 'ol/Feature.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import Point from 'ol/geom/Point.js';
import type Geometry from 'ol/geom/Geometry.js';
import { Circle as CircleStyle, Fill, Stroke, Style, Text } from 'ol/style.js';
import { useBritishNationalGrid } from '../../shared/projection.ts';
import type { OverlayLike } from './types.ts';

const geojson = new GeoJSON();

/** A GeoJSON geometry as an EPSG:27700 geometry (from CRS84 when `lonLat`), or null when it cannot be read. */
export function readGeometry(g: unknown, lonLat: boolean): Geometry | null {
  if (!g || typeof g !== 'object') return null;
  useBritishNationalGrid();
  try {
    return geojson.readGeometry(g, lonLat ? { dataProjection: 'EPSG:4326', featureProjection: 'EPSG:27700' } : {});
  } catch {
    return null;
  }
}

export function replaceFeatures(overlay: OverlayLike | undefined, features: Feature[]): void {
  const src = overlay?.getSource();
  if (!src) return;
  src.clear();
  if (features.length) src.addFeatures(features);
}

export const HIT_STYLE = new Style({
  stroke: new Stroke({ color: '#ffdd00', width: 6 }),
  fill: new Fill({ color: 'rgba(255, 221, 0, 0.25)' }),
  image: new CircleStyle({
    radius: 9,
    stroke: new Stroke({ color: '#0b0c0c', width: 3 }),
    fill: new Fill({ color: '#ffdd00' }),
  }),
});
export const HIT_OUTLINE = new Style({ stroke: new Stroke({ color: '#0b0c0c', width: 2, lineDash: [6, 4] }) });

export const BUFFER_STYLE = new Style({
  stroke: new Stroke({ color: '#1d70b8', width: 2, lineDash: [8, 6] }),
  fill: new Fill({ color: 'rgba(29, 112, 184, 0.08)' }),
});
export const AREA_STYLE = new Style({
  stroke: new Stroke({ color: '#4c2c92', width: 3 }),
  fill: new Fill({ color: 'rgba(76, 44, 146, 0.1)' }),
});

/** A numbered marker: the recipients' numbers at an address point; struck through (grey) when removed. */
export function numberMarker(x: number, y: number, label: string, selected: boolean, removed = false): Feature {
  const f = new Feature(new Point([x, y]));
  f.setStyle(
    new Style({
      image: new CircleStyle({
        radius: 11 + Math.min(12, Math.max(0, label.length - 2) * 3),
        fill: new Fill({ color: removed ? '#b1b4b6' : selected ? '#ffdd00' : '#1d70b8' }),
        stroke: new Stroke({ color: removed || selected ? '#0b0c0c' : '#ffffff', width: 2 }),
      }),
      text: new Text({
        text: label,
        font: 'bold 12px "GDS Transport", arial, sans-serif',
        fill: new Fill({ color: removed || selected ? '#0b0c0c' : '#ffffff' }),
      }),
    }),
  );
  return f;
}
