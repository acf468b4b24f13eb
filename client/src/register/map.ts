/**
 * The register's map: OpenLayers in EPSG:27700 showing exactly the results listed beside it (the page's own
 * GeoJSON URL, same filters, same page). Zoomed in it draws the site outlines; zoomed out, clustered points; both
 * coloured by status as the list's tags are. Selecting a site opens its application page; the list stays the
 * accessible equivalent of the map.
 */
import 'ol/ol.css';
import OlMap from 'ol/Map.js';
import View from 'ol/View.js';
import VectorLayer from 'ol/layer/Vector.js';
import VectorSource from 'ol/source/Vector.js';
import Cluster from 'ol/source/Cluster.js';
import Feature from 'ol/Feature.js';
import Point from 'ol/geom/Point.js';
import GeoJSON from 'ol/format/GeoJSON.js';
import { Circle, Fill, Stroke, Style, Text } from 'ol/style.js';
import ScaleLine from 'ol/control/ScaleLine.js';
import Zoom from 'ol/control/Zoom.js';
import { get as getProjection } from 'ol/proj.js';
import { createEmpty, extend, isEmpty, buffer } from 'ol/extent.js';
import type { FeatureLike } from 'ol/Feature.js';
import { useBritishNationalGrid } from '../shared/projection.ts';
import { OS_GRID } from '../../../shared/os-tile-grid.ts';

/** the GOV.UK tag colours the list uses (server/modules/register/labels.ts statusColour) */
const COLOURS: Record<string, string> = {
  green: '#00703c',
  grey: '#505a5f',
  yellow: '#b58840',
  purple: '#4c2c92',
  blue: '#1d70b8',
};
export function colourOf(status: string): string {
  if (status === 'decided') return COLOURS.green!;
  if (status === 'withdrawn' || status === 'invalid') return COLOURS.grey!;
  if (status === 'consultation') return COLOURS.yellow!;
  if (status === 'appealed') return COLOURS.purple!;
  return COLOURS.blue!;
}

/** Below this many metres a pixel, the outlines; above it, the clustered points. */
const OUTLINE_RESOLUTION = 4;

interface Props {
  slug?: string;
  reference?: string;
  status?: string;
  url?: string;
  point?: [number, number] | null;
}

const outlineStyle = (f: FeatureLike) => {
  const c = colourOf(String(f.get('status') ?? ''));
  return new Style({ stroke: new Stroke({ color: c, width: 3 }), fill: new Fill({ color: c + '33' }) });
};

const clusterStyle = (f: FeatureLike) => {
  const members = (f.get('features') as Feature[] | undefined) ?? [];
  const n = members.length;
  const statuses = new Set(members.map((m) => String(m.get('status'))));
  const c = statuses.size === 1 ? colourOf([...statuses][0]!) : '#0b0c0c';
  return new Style({
    image: new Circle({
      radius: n > 1 ? 12 + Math.min(10, n) : 8,
      fill: new Fill({ color: c }),
      stroke: new Stroke({ color: '#ffffff', width: 2 }),
    }),
    ...(n > 1
      ? { text: new Text({ text: String(n), fill: new Fill({ color: '#ffffff' }), font: 'bold 14px sans-serif' }) }
      : {}),
  });
};

export async function startRegisterMap(el: HTMLElement): Promise<void> {
  useBritishNationalGrid();
  const url = el.dataset.geojson;
  if (!url) return;
  const single = Boolean(el.dataset.slug);
  const fetchUrl = single ? url : url + (url.includes('?') ? '&' : '?') + 'crs=EPSG%3A27700';
  let data: unknown;
  try {
    const res = await fetch(fetchUrl, { headers: { accept: 'application/json' } });
    if (!res.ok) return;
    data = await res.json();
  } catch {
    return; // the list beside it says everything the map would
  }
  const format = new GeoJSON({ dataProjection: 'EPSG:27700', featureProjection: 'EPSG:27700' });
  const outlines = new VectorSource();
  const points = new VectorSource();
  if (single) {
    const app = data as Props & { site: { geometry: unknown } | null };
    if (!app.site) return;
    const f = format.readFeature({ type: 'Feature', geometry: app.site.geometry, properties: {} }) as Feature;
    f.set('status', app.status);
    outlines.addFeature(f);
  } else {
    const fc = data as { features: Array<{ geometry: unknown; properties: Props }> };
    for (const raw of fc.features) {
      if (raw.geometry) {
        const f = format.readFeature({
          type: 'Feature',
          geometry: raw.geometry,
          properties: raw.properties,
        }) as Feature;
        outlines.addFeature(f);
      }
      if (raw.properties.point) {
        const p = new Feature({ geometry: new Point(raw.properties.point), ...raw.properties });
        points.addFeature(p);
      }
    }
  }
  el.hidden = false;
  el.tabIndex = 0;
  const projection = getProjection('EPSG:27700')!;
  const outlineLayer = new VectorLayer({
    source: outlines,
    style: outlineStyle,
    maxResolution: single ? undefined : OUTLINE_RESOLUTION,
  });
  const layers = [outlineLayer];
  if (!single) {
    layers.push(
      new VectorLayer({
        source: new Cluster({ source: points, distance: 40 }),
        style: clusterStyle,
        minResolution: OUTLINE_RESOLUTION,
      }) as unknown as VectorLayer<VectorSource>,
    );
  }
  const map = new OlMap({
    target: el,
    layers,
    controls: [new Zoom(), new ScaleLine({ units: 'metric' })],
    view: new View({
      projection,
      resolutions: [...OS_GRID.resolutions],
      extent: [...OS_GRID.extent],
      constrainOnlyCenter: true,
      enableRotation: false,
      center: [533000, 179000],
      zoom: 6,
    }),
  });
  const extent = createEmpty();
  for (const f of [...outlines.getFeatures(), ...points.getFeatures()]) extend(extent, f.getGeometry()!.getExtent());
  if (el.dataset.centre) {
    const [x, y] = el.dataset.centre.split(',').map(Number) as [number, number];
    const r = Number(el.dataset.radius ?? 500);
    extend(extent, [x - r, y - r, x + r, y + r]);
  }
  const fitAll = () => {
    if (!isEmpty(extent)) map.getView().fit(buffer(extent, 30), { padding: [20, 20, 20, 20], minResolution: 0.4375 });
  };
  // the container was hidden until now: fit once it has been measured
  map.updateSize();
  const size = map.getSize();
  if (size && size[0]! > 0 && size[1]! > 0) fitAll();
  else map.once('change:size', fitAll);
  // select a site or a single point to open its page; a cluster zooms in
  map.on('singleclick', (e) => {
    map.forEachFeatureAtPixel(e.pixel, (f) => {
      const members = f.get('features') as Feature[] | undefined;
      if (members && members.length > 1) {
        const ex = createEmpty();
        for (const m of members) extend(ex, m.getGeometry()!.getExtent());
        map.getView().fit(buffer(ex, 20), { duration: 250, minResolution: 0.4375 });
        return true;
      }
      const target = members?.[0] ?? f;
      const href = target.get('url') as string | undefined;
      if (href) window.location.assign(href);
      return true;
    });
  });
  map.on('pointermove', (e) => {
    el.style.cursor = map.hasFeatureAtPixel(e.pixel) ? 'pointer' : '';
  });
  // highlight the list item of what is under the pointer
  const list = document.querySelectorAll<HTMLElement>('.redline-result');
  map.on('pointermove', (e) => {
    const slugs = new Set<string>();
    map.forEachFeatureAtPixel(e.pixel, (f) => {
      for (const m of (f.get('features') as Feature[] | undefined) ?? [f]) slugs.add(String(m.get('slug')));
    });
    list.forEach((li) => li.classList.toggle('redline-result--active', slugs.has(li.dataset.slug ?? '')));
  });
}
