/**
 * The map's data layers: Redline's own vector tiles in the OS grid (one VectorTile layer per layer that GET
 * /api/tiles lists, drawn with the flat style the server sends), the optional OS raster base map (GET
 * /api/basemap; the key stays on the server behind its proxy route), and the layer switcher with its key.
 * With no tile service at all (the requests fail) the map still works: the switcher says so.
 */
import TileGrid from 'ol/tilegrid/TileGrid.js';
import VectorTileLayer from 'ol/layer/VectorTile.js';
import VectorTileSource from 'ol/source/VectorTile.js';
import MVT from 'ol/format/MVT.js';
import TileLayer from 'ol/layer/Tile.js';
import XYZ from 'ol/source/XYZ.js';
import type { FlatStyleLike } from 'ol/style/flat.js';
import { OS_GRID } from '../../../../shared/os-tile-grid.ts';

export interface TileLayerInfo {
  id: string;
  title: string;
  kind?: string;
  minZoom?: number;
  style?: FlatStyleLike;
  legend?: unknown;
  /** the tile URL template ({z}/{x}/{y} on the OS grid) */
  url?: string;
  attribution?: string;
}

export interface BasemapInfo {
  configured: boolean;
  /** a template with {style}, {z}, {x}, {y} */
  url?: string;
  /** the styles there are (Road_27700, Light_27700, Outdoor_27700) */
  layers?: string[];
  attribution?: string;
  title?: string;
  maxZoom?: number;
}

/** The OS grid as an OpenLayers tile grid (shared by the vector tiles and the OS base map). */
export function osTileGrid(): TileGrid {
  return new TileGrid({
    origin: [...OS_GRID.origin],
    resolutions: [...OS_GRID.resolutions],
    tileSize: OS_GRID.tileSize,
    extent: [...OS_GRID.extent],
  });
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T | null> {
  try {
    const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' }, ...init });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}

export function vectorTileLayer(info: TileLayerInfo, grid: TileGrid): VectorTileLayer {
  const layer = new VectorTileLayer({
    source: new VectorTileSource({
      format: new MVT({ layers: [info.id] }),
      tileGrid: grid,
      projection: 'EPSG:27700',
      // a tile the server cannot make is left empty (OpenLayers marks it failed): the map stays usable
      url: info.url ?? `/api/tiles/${encodeURIComponent(info.id)}/{z}/{x}/{y}.mvt`,
      attributions: info.attribution,
    }),
    declutter: info.kind === 'addresses' || info.id === 'addresses',
    renderMode: 'hybrid',
    properties: { id: info.id, title: info.title, kind: info.kind ?? 'data' },
  });
  if (info.minZoom !== undefined) layer.setMinZoom(info.minZoom - 1e-6);
  if (info.style) layer.setStyle(lightenFills(info.style) as FlatStyleLike);
  return layer;
}

/** The most opaque a layer's area fill is drawn: outlines and the red line stand out over many layers (overlapping
 *  areas of one layer, such as Article 4 directions, add up, hence well under the 0.15 a single area could take). */
export const MAX_FILL_OPACITY = 0.08;

/** A colour (#rgb, #rrggbb(aa), rgb(a)(), or [r,g,b,a]) with its opacity at most `max`; anything else as it was. */
export function lightenColour(c: unknown, max = MAX_FILL_OPACITY): unknown {
  if (Array.isArray(c) && (c.length === 3 || c.length === 4) && c.every((n) => typeof n === 'number'))
    return [c[0], c[1], c[2], Math.min(c.length === 4 ? (c[3] as number) : 1, max)];
  if (typeof c !== 'string') return c;
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(c.trim());
  if (hex) {
    let h = hex[1]!;
    if (h.length === 3) h = [...h].map((d) => d + d).join('');
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    const a = h.length === 8 ? parseInt(h.slice(6, 8), 16) / 255 : 1;
    return `rgba(${r},${g},${b},${Math.min(a, max)})`;
  }
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$/i.exec(c.trim());
  if (rgb) return `rgba(${rgb[1]},${rgb[2]},${rgb[3]},${Math.min(rgb[4] === undefined ? 1 : Number(rgb[4]), max)})`;
  return c;
}

/** A flat style (or a list of rules) with each area fill made light (lightenColour); strokes and points kept. */
export function lightenFills(style: unknown): unknown {
  if (Array.isArray(style)) return style.map(lightenFills);
  if (!style || typeof style !== 'object') return style;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(style as Record<string, unknown>)) {
    if (k === 'fill-color') out[k] = lightenColour(v);
    else if (k === 'style') out[k] = lightenFills(v);
    else out[k] = v;
  }
  return out;
}

export function basemapLayer(info: BasemapInfo, grid: TileGrid): TileLayer<XYZ> {
  return new TileLayer({
    source: new XYZ({
      url: (info.url ?? '/api/basemap/{style}/{z}/{x}/{y}.png').replace('{style}', basemapStyle(info)),
      projection: 'EPSG:27700',
      tileGrid: grid,
      attributions: info.attribution ?? 'Contains OS data © Crown copyright and database rights',
      crossOrigin: null,
    }),
    properties: { id: 'basemap', title: info.title ?? 'Ordnance Survey base map' },
  });
}

/** The OS style drawn under the data: Light if there is one (Redline's colours read best on it). */
export function basemapStyle(info: BasemapInfo): string {
  const styles = info.layers ?? [];
  return styles.find((s) => /^Light/i.test(s)) ?? styles[0] ?? 'Light_27700';
}

/** The key's swatch colours from a flat style (first fill, stroke and circle colours found), or from `legend`. */
export function swatchOf(info: TileLayerInfo): { fill?: string; stroke?: string; text?: string; point?: boolean } {
  // the server's legend: [{ label, geometry: 'polygon'|'line'|'point', style }]
  if (Array.isArray(info.legend) && info.legend.length) {
    const first = info.legend[0] as { label?: unknown; geometry?: unknown; style?: FlatStyleLike };
    const inner = swatchOf({ ...info, legend: null, style: first.style ?? info.style });
    return {
      ...inner,
      point: first.geometry === 'point',
      ...(first.geometry === 'line' ? { fill: 'transparent' } : {}),
    };
  }
  const legend = info.legend as { fill?: unknown; stroke?: unknown; color?: unknown; label?: unknown } | string | null;
  if (typeof legend === 'string') return { text: legend };
  const pick = (v: unknown) =>
    typeof v === 'string'
      ? v
      : Array.isArray(v) && v.every((n) => typeof n === 'number')
        ? `rgba(${v.join(',')})`
        : undefined;
  const out: { fill?: string; stroke?: string; text?: string; point?: boolean } = {};
  if (legend && typeof legend === 'object') {
    out.fill = pick(legend.fill) ?? pick(legend.color);
    out.stroke = pick(legend.stroke);
    if (typeof legend.label === 'string') out.text = legend.label;
  }
  const styles = (Array.isArray(info.style) ? info.style : info.style ? [info.style] : []) as Array<
    Record<string, unknown>
  >;
  for (const s of styles) {
    const st = (s.style as Record<string, unknown> | undefined) ?? s;
    out.fill ??= pick(lightenColour(st['fill-color'])) ?? pick(st['circle-fill-color']);
    out.stroke ??= pick(st['stroke-color']) ?? pick(st['circle-stroke-color']);
  }
  return out;
}
