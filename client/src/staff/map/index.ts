/**
 * The staff map (issue 12): OpenLayers in native EPSG:27700 (the one proj4 definition, client/src/shared/
 * projection.ts), the OS tile grid, Redline's own vector tiles with a layer switcher and key, the optional OS base
 * map, a scale line, zoom buttons, the pointer's easting/northing, keyboard panning and a text description of what
 * it shows (#map-description). Panels (client/src/staff/panels/*.ts) use only the StaffMap interface.
 */
import 'ol/ol.css';
import './map.scss';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import type BaseLayer from 'ol/layer/Base.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import Zoom from 'ol/control/Zoom.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import MousePosition from 'ol/control/MousePosition.js';
import Attribution from 'ol/control/Attribution.js';
import { defaults as defaultInteractions } from 'ol/interaction/defaults.js';
import { get as getProjection } from 'ol/proj.js';
import type { Extent } from 'ol/extent.js';
import { useBritishNationalGrid } from '../../shared/projection.ts';
import { OS_GRID } from '../../../../shared/os-tile-grid.ts';
import {
  basemapLayer,
  getJson,
  osTileGrid,
  swatchOf,
  vectorTileLayer,
  type BasemapInfo,
  type TileLayerInfo,
} from './layers.ts';

export type StaffMapEvent = 'site-saved' | 'click';

export interface StaffMap {
  map: OlMap;
  /** a named vector layer above the data layers, created on first use */
  overlay(name: string): VectorLayer<VectorSource>;
  fit(extent: Extent | number[]): void;
  /** writes #map-description (with the map's own account of its layers, site and tool) */
  describe(text: string): void;
  on(event: StaffMapEvent, cb: (payload: unknown) => void): void;
}

/** What the site editor and find-a-place box use besides the contract (they live in this folder). */
export interface StaffMapInternal extends StaffMap {
  emit(event: StaffMapEvent, payload: unknown): void;
  /** one part of the description, by key ('site', 'tool'...): null removes it */
  describePart(key: string, text: string | null): void;
  /** a tool that takes map clicks itself: 'click' is not sent to panels while one is active */
  setTool(name: string | null): void;
  tool(): string | null;
  /** the keyboard's pan step in pixels: arrows 64, Shift+arrows 8 */
  panBy(dx: number, dy: number): void;
  target: HTMLElement;
}

const GB_EXTENT: Extent = [0, 0, 700_000, 1_300_000];

/** The layers shown until the user chooses otherwise: the base map, the authority's own data and the commonest constraints. */
export const DEFAULT_LAYERS_ON = new Set([
  'basemap',
  'authority-boundary',
  'properties',
  'addresses',
  'cases',
  'conservation-area',
  'listed-building',
  'listed-building-outline',
  'tree',
  'tree-preservation-zone',
  'article-4-direction-area',
]);
/** localStorage key of the user's layer choices ({ [layerId]: boolean }) */
export const LAYER_CHOICES_KEY = 'redline.staff-map.layers';

function layerChoices(): Record<string, boolean> {
  try {
    const v = JSON.parse(window.localStorage.getItem(LAYER_CHOICES_KEY) ?? '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, boolean>) : {};
  } catch {
    return {};
  }
}

function saveLayerChoice(id: string, on: boolean): void {
  try {
    window.localStorage.setItem(LAYER_CHOICES_KEY, JSON.stringify({ ...layerChoices(), [id]: on }));
  } catch {
    // private browsing or storage full: the choice lasts for this page only
  }
}

function parseExtent(s: string | undefined | null): Extent | null {
  if (!s) return null;
  const n = s.split(',').map(Number);
  return n.length === 4 && n.every(Number.isFinite) && n[0]! < n[2]! && n[1]! < n[3]! ? (n as Extent) : null;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

export async function createStaffMap(
  target: HTMLElement,
  opts: { caseId?: number; extent?: Extent } = {},
): Promise<StaffMapInternal> {
  useBritishNationalGrid();
  const projection = getProjection('EPSG:27700')!;
  projection.setExtent([...OS_GRID.extent]);
  const grid = osTileGrid();

  const [tiles, basemap] = await Promise.all([
    getJson<{ layers?: TileLayerInfo[]; extent?: number[]; bbox?: number[] }>('/api/tiles'),
    getJson<BasemapInfo>('/api/basemap'),
  ]);

  target.classList.add('redline-map');
  if (!target.hasAttribute('tabindex')) target.tabIndex = 0;
  target.setAttribute('role', 'application');
  target.setAttribute('aria-roledescription', 'map');
  if (!target.getAttribute('aria-label'))
    target.setAttribute(
      'aria-label',
      'Map. Arrow keys move the map (with Shift, a little); plus and minus zoom. The map is described below it.',
    );
  target.setAttribute('aria-describedby', 'map-description');
  const crosshair = el('div', { class: 'redline-map__crosshair', 'aria-hidden': 'true' });
  target.append(crosshair);

  const initial =
    opts.extent ??
    parseExtent(target.dataset.extent) ??
    parseExtent(tiles?.extent?.join(',')) ??
    parseExtent(tiles?.bbox?.join(',')) ??
    GB_EXTENT;

  const view = new View({
    projection,
    resolutions: [...OS_GRID.resolutions, 0.0546875, 0.02734375],
    extent: [...OS_GRID.extent],
    constrainOnlyCenter: true,
    enableRotation: false,
    center: [(initial[0]! + initial[2]!) / 2, (initial[1]! + initial[3]!) / 2],
    zoom: 3,
  });

  const dataLayers: BaseLayer[] = [];
  const layerInfos = tiles?.layers ?? [];
  let base: ReturnType<typeof basemapLayer> | null = null;
  if (basemap?.configured) {
    base = basemapLayer(basemap, grid);
    base.setZIndex(0);
    dataLayers.push(base);
  }
  layerInfos.forEach((info, i) => {
    const l = vectorTileLayer(info, grid);
    l.setZIndex(10 + i);
    dataLayers.push(l);
  });
  const choices = layerChoices();
  for (const l of dataLayers) {
    const id = String(l.get('id'));
    l.setVisible(typeof choices[id] === 'boolean' ? choices[id] : DEFAULT_LAYERS_ON.has(id));
  }

  const mousePosition = el('div', { class: 'redline-map__position', id: 'map-pointer-position' });
  const map = new OlMap({
    target,
    view,
    layers: dataLayers,
    controls: [
      new Zoom({ zoomInTipLabel: 'Zoom in', zoomOutTipLabel: 'Zoom out' }),
      new ScaleLine({ units: 'metric', bar: false }),
      new Attribution({ collapsible: true }),
      new MousePosition({
        projection: 'EPSG:27700',
        coordinateFormat: (c) => (c ? `E ${Math.round(c[0]!)} N ${Math.round(c[1]!)}` : ''),
        placeholder: 'E — N —',
        className: 'redline-map__mouse-position',
        target: mousePosition,
      }),
    ],
    interactions: defaultInteractions({
      keyboard: false,
      altShiftDragRotate: false,
      pinchRotate: false,
      doubleClickZoom: false,
    }),
  });
  target.insertAdjacentElement('afterend', mousePosition);
  // tiles still loading: a note on the map and data-tiles="loading" (then "loaded") on the target
  const loading = el('div', { class: 'redline-map__loading', 'aria-hidden': 'true', text: 'Loading map data…' });
  target.append(loading);
  target.dataset.tiles = 'loading';
  map.on('loadstart', () => {
    target.classList.add('redline-map--loading');
    target.dataset.tiles = 'loading';
  });
  map.on('loadend', () => {
    target.classList.remove('redline-map--loading');
    target.dataset.tiles = 'loaded';
  });
  view.fit(initial, { size: map.getSize() ?? [800, 600], nearest: false });

  // named overlays, above the data layers
  const overlays = new Map<string, VectorLayer<VectorSource>>();
  let nextOverlayZ = 100;
  const overlay = (name: string) => {
    let l = overlays.get(name);
    if (!l) {
      l = new VectorLayer({
        source: new VectorSource(),
        properties: { id: name, title: name },
        zIndex: nextOverlayZ++,
      });
      overlays.set(name, l);
      map.addLayer(l);
    }
    return l;
  };

  // events
  const listeners = new Map<StaffMapEvent, Array<(p: unknown) => void>>();
  const emit = (event: StaffMapEvent, payload: unknown) => {
    for (const cb of listeners.get(event) ?? []) {
      try {
        cb(payload);
      } catch (e) {
        console.error(e);
      }
    }
  };
  let activeTool: string | null = null;
  map.on('singleclick', (e) => {
    if (activeTool) return;
    emit('click', { coordinate: [e.coordinate[0], e.coordinate[1]], pixel: e.pixel });
  });

  // the text description
  const parts = new Map<string, string>();
  const describeEl = () => document.getElementById('map-description');
  let pending = 0;
  const render = () => {
    const d = describeEl();
    if (!d) return;
    const order = ['view', 'site', 'layers', 'tool', 'note'];
    const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
    const keys = [...parts.keys()].sort((a, b) => rank(a) - rank(b));
    const text = keys.map((k) => parts.get(k)).join(' ');
    // the same words again would be announced again
    if (d.textContent !== text) d.textContent = text;
  };
  const describePart = (key: string, text: string | null) => {
    if (text === null) parts.delete(key);
    else parts.set(key, text);
    // coalesce bursts (a drag) into one announcement
    window.clearTimeout(pending);
    pending = window.setTimeout(render, 150);
  };
  const d0 = describeEl();
  if (d0 && !d0.hasAttribute('aria-live')) d0.setAttribute('aria-live', 'polite');

  // short: the scale, then which shown layers have something in view (the full list is in "Map layers and key")
  const describeLayers = () => {
    const r = view.getResolution() ?? 1;
    // two significant figures (1:2,500, 1:61,000): the pixel size is a guess anyway
    const raw = (r * 1000) / 0.28;
    const step = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 1);
    const scale = Math.round(raw / step) * step;
    const c = view.getCenter() ?? [0, 0];
    describePart(
      'view',
      `Map centred on easting ${Math.round(c[0]!)}, northing ${Math.round(c[1]!)} at about 1:${scale.toLocaleString('en-GB')}.`,
    );
    if (!layerInfos.length && !base) {
      describePart(
        'layers',
        'No map layers are available (the tile service did not answer); the site and typed coordinates still work.',
      );
      return;
    }
    const on = dataLayers.filter((l) => l.getVisible());
    const extent = view.calculateExtent(map.getSize());
    const withData: string[] = [];
    for (const l of on) {
      const f = l as unknown as { getFeaturesInExtent?: (e: Extent) => unknown[] };
      if (l.get('id') === 'basemap' || !f.getFeaturesInExtent) continue;
      if (l.getMinZoom() > (view.getZoom() ?? 0)) continue;
      try {
        if (f.getFeaturesInExtent(extent).length) withData.push(String(l.get('title')));
      } catch {
        // not rendered yet
      }
    }
    describePart(
      'layers',
      `${on.length} of ${dataLayers.length} map layers shown` +
        (withData.length
          ? `; ${withData.length} with data here: ${withData.join(', ')}.`
          : '; none has data in view.') +
        ' The full list and key are under "Map layers and key".',
    );
  };
  // the layer switcher with its key
  const switcher = buildLayerSwitcher(dataLayers, layerInfos, base, describeLayers);
  mousePosition.insertAdjacentElement('afterend', switcher);

  // keyboard: arrows pan (Shift: finer), + and - zoom
  const panBy = (dx: number, dy: number) => {
    const res = view.getResolution() ?? 1;
    const c = view.getCenter() ?? [0, 0];
    view.setCenter([c[0]! + dx * res, c[1]! + dy * res]);
  };
  target.addEventListener('keydown', (e) => {
    if (e.target !== target || e.ctrlKey || e.metaKey || e.altKey) return;
    const step = e.shiftKey ? 8 : 64;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const m = moves[e.key];
    if (m) {
      panBy(m[0], m[1]);
      e.preventDefault();
    } else if (e.key === '+' || e.key === '=') {
      view.setZoom((view.getZoom() ?? 0) + 1);
      e.preventDefault();
    } else if (e.key === '-' || e.key === '_') {
      view.setZoom((view.getZoom() ?? 0) - 1);
      e.preventDefault();
    }
  });
  let describeTimer = 0;
  const describeSoon = () => {
    window.clearTimeout(describeTimer);
    describeTimer = window.setTimeout(describeLayers, 300);
  };
  map.on('moveend', describeSoon);
  map.on('rendercomplete', describeSoon);
  describeLayers();

  // the enforcement map: the open cases' points (data-places, from the page), labelled with their references
  const places = parsePlaces(target.dataset.places);
  if (places) {
    const layer = overlay('enforcement-cases');
    layer.setStyle({
      'circle-radius': 7,
      'circle-fill-color': '#d4351c',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
      'text-value': ['get', 'reference'],
      'text-offset-y': -16,
      'text-font': 'bold 13px arial, sans-serif',
      'text-fill-color': '#0b0c0c',
      'text-stroke-color': '#ffffff',
      'text-stroke-width': 3,
    });
    const src = layer.getSource()!;
    for (const p of places) src.addFeature(new Feature({ geometry: new Point([p.x, p.y]), reference: p.reference }));
    describePart(
      'note',
      places.length
        ? `${places.length} open enforcement ${places.length === 1 ? 'case is' : 'cases are'} marked with a red dot and ${places.length === 1 ? 'its' : 'their'} reference; the table lists them all.`
        : 'None of the open enforcement cases has a site or a location yet; the table lists them.',
    );
    if (!target.dataset.extent && places.length) {
      const xs = places.map((p) => p.x);
      const ys = places.map((p) => p.y);
      view.fit([Math.min(...xs) - 200, Math.min(...ys) - 200, Math.max(...xs) + 200, Math.max(...ys) + 200], {
        size: map.getSize() ?? [800, 600],
      });
    }
  }

  const staffMap: StaffMapInternal = {
    map,
    target,
    overlay,
    fit(extent) {
      const e = extent as [number, number, number, number];
      const pad = 40;
      // a point or a tiny site still shows its street
      const w = Math.max(e[2] - e[0], 60);
      const h = Math.max(e[3] - e[1], 60);
      const cx = (e[0] + e[2]) / 2;
      const cy = (e[1] + e[3]) / 2;
      view.fit([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], { padding: [pad, pad, pad, pad], duration: 0 });
    },
    describe(text) {
      describePart('note', text || null);
    },
    on(event, cb) {
      const l = listeners.get(event) ?? [];
      l.push(cb);
      listeners.set(event, l);
    },
    emit,
    describePart,
    setTool(name) {
      activeTool = name;
      target.classList.toggle('redline-map--tool', name !== null);
      if (name) target.dataset.tool = name;
      else delete target.dataset.tool;
    },
    tool: () => activeTool,
    panBy,
  };
  return staffMap;
}

function parsePlaces(s: string | undefined): Array<{ x: number; y: number; reference: string }> | null {
  if (s === undefined) return null;
  try {
    const v = JSON.parse(s) as Array<{ x: unknown; y: unknown; reference: unknown }>;
    return Array.isArray(v)
      ? v
          .filter((p) => Number.isFinite(Number(p.x)) && Number.isFinite(Number(p.y)))
          .map((p) => ({ x: Number(p.x), y: Number(p.y), reference: String(p.reference ?? '') }))
      : [];
  } catch {
    return [];
  }
}

function buildLayerSwitcher(
  layers: BaseLayer[],
  infos: TileLayerInfo[],
  base: BaseLayer | null,
  changed: () => void,
): HTMLElement {
  // collapsed: the map and the site tools come first; the choices are remembered (localStorage)
  const summaryText = el('span', { class: 'govuk-details__summary-text', text: 'Map layers and key' });
  const wrap = el(
    'details',
    { class: 'govuk-details redline-map__layers', id: 'map-layers' },
    el('summary', { class: 'govuk-details__summary' }, summaryText),
  );
  const inner = el('div', { class: 'govuk-details__text' });
  const fs = el('fieldset', { class: 'govuk-fieldset' });
  fs.append(
    el('legend', {
      class: 'govuk-fieldset__legend govuk-fieldset__legend--s',
      text: 'Map layers (your choices are remembered on this computer)',
    }),
  );
  const count = el('span', { class: 'redline-map__layers-count' });
  summaryText.append(count);
  const recount = () => {
    const n = layers.filter((l) => l.getVisible()).length;
    count.textContent = layers.length ? ` (${n} of ${layers.length} shown)` : '';
  };
  recount();
  if (!infos.length && !base) {
    fs.append(
      el('p', {
        class: 'govuk-body-s',
        id: 'map-layers-none',
        text: 'No map layers are available: the tile service did not answer. The site, typed coordinates and place search still work.',
      }),
    );
  }
  const boxes = el('div', { class: 'govuk-checkboxes govuk-checkboxes--small', 'data-module': 'govuk-checkboxes' });
  const entries: Array<{ layer: BaseLayer; id: string; title: string; swatch: ReturnType<typeof swatchOf> | null }> =
    [];
  if (base) entries.push({ layer: base, id: 'basemap', title: String(base.get('title')), swatch: null });
  infos.forEach((info, i) => {
    const layer = layers[(base ? 1 : 0) + i]!;
    entries.push({ layer, id: info.id, title: info.title, swatch: swatchOf(info) });
  });
  for (const { layer, id, title, swatch } of entries) {
    const inputId = `map-layer-${id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const input = el('input', { class: 'govuk-checkboxes__input', type: 'checkbox', id: inputId, value: id });
    input.checked = layer.getVisible();
    input.addEventListener('change', () => {
      layer.setVisible(input.checked);
      saveLayerChoice(id, input.checked);
      recount();
      changed();
    });
    const key = el('span', { class: 'redline-map__key', 'aria-hidden': 'true' });
    if (swatch?.fill) key.style.background = swatch.fill;
    if (swatch?.stroke) key.style.borderColor = swatch.stroke;
    if (!swatch) key.classList.add('redline-map__key--base');
    if (swatch?.point) key.classList.add('redline-map__key--point');
    const label = el('label', { class: 'govuk-label govuk-checkboxes__label', for: inputId }, key, title);
    if (swatch?.text)
      label.append(el('span', { class: 'govuk-hint govuk-!-margin-bottom-0', text: ` ${swatch.text}` }));
    boxes.append(el('div', { class: 'govuk-checkboxes__item' }, input, label));
  }
  fs.append(boxes);
  inner.append(fs);
  wrap.append(inner);
  return wrap;
}
