/** What each map template draws, from what server/modules/maps gathered (render/types.ts). Pure: no queries.
 *  Templates:
 *   - site-location: the red line over the property outlines (and any other base data loaded);
 *   - neighbours: the red line, the selection area, the notified properties and numbered address points, numbered
 *     as in the run's recipient list (and its letters);
 *   - constraints: the red line and the features of each hit of a constraint check, with a legend. */
import { AppError } from '../../shared/errors.ts';
import type { FlatStyle } from '../../shared/layer-schema.ts';
import type { MapScene, SceneClass } from './compose.ts';
import { alongLine, aroundPoint, placeLabels, segmentsOf, type LabelRequest, type Obstacles } from './labels.ts';
import type { Rect } from './panel.ts';
import { textWidth } from './text.ts';
import {
  FIT_SERIES,
  FIXED_SCALES,
  fitScale,
  fitsAt,
  frameExtent,
  metresPerPixel,
  sheetFor,
  type Box,
  type Sheet,
} from './layout.ts';
import { copyrightStatement } from './copyright.ts';
import { scaleBlockWidth, sheetForPanel } from './panel.ts';
import { paintOf } from './style.ts';
import type { FramePlan, MapContent, MapOptions, MapRecipient, MapTemplate, SceneInput } from './types.ts';

export { MAP_TEMPLATES, TEMPLATE_TITLES, type MapTemplate, type MapOptions } from './types.ts';

/** Built-in styles (flat-style subset, CSS pixels), the same ones the web map uses for these classes. */
export const BASE_STYLES = {
  site: { 'stroke-color': '#e00000', 'stroke-width': 3 },
  // base map (beneath everything): opaque, muted, so that constraint colours and the red line stand out
  'base:water': { 'fill-color': '#c6dff2', 'stroke-color': '#7aaad0', 'stroke-width': 0.75 },
  'base:road-casing': { 'stroke-color': '#a9a9a9', 'stroke-width': 7 },
  'base:road': { 'stroke-color': '#ffffff', 'stroke-width': 5.5 },
  'base:railway-casing': { 'stroke-color': '#505a5f', 'stroke-width': 3 },
  'base:railway': { 'stroke-color': '#ffffff', 'stroke-width': 1.5, 'stroke-line-dash': [6, 6] },
  'base:building': { 'fill-color': '#e3ddd5', 'stroke-color': '#9b948c', 'stroke-width': 0.6 },
  boundary: { 'stroke-color': '#6f2c91', 'stroke-width': 2, 'stroke-line-dash': [10, 4, 2, 4] },
  property: { 'fill-color': '#f3f2f1', 'stroke-color': '#8a8a8a', 'stroke-width': 0.75 },
  // opaque (rgba(29,112,184,0.28) over the property fill): the key's swatch shows the colour the map shows
  notified: { 'fill-color': '#b7cee1', 'stroke-color': '#1d70b8', 'stroke-width': 1 },
  selection: { 'stroke-color': '#1d70b8', 'stroke-width': 1.5, 'stroke-line-dash': [8, 5] },
  // the other cases of a site history, numbered as the report lists them
  history: { 'stroke-color': '#f47738', 'stroke-width': 2 },
  // where the checked layers' data does not reach (issue 11): a dark grey wash with a dashed edge, unlike any layer
  uncovered: {
    'fill-color': 'rgba(40,40,40,0.45)',
    'stroke-color': '#0b0c0c',
    'stroke-width': 1,
    'stroke-line-dash': [3, 3],
  },
  recipient: {
    'circle-radius': 3,
    'circle-fill-color': '#1d70b8',
    'circle-stroke-color': '#ffffff',
    'circle-stroke-width': 1,
  },
} satisfies Record<string, FlatStyle>;

/** Minimum ground context around a red line on a fit-to-site map, in metres. */
const CONTEXT_M = 40;

const grow = (b: Box, m: number): Box => ({ minX: b.minX - m, minY: b.minY - m, maxX: b.maxX + m, maxY: b.maxY + m });
const union = (a: Box, b: Box): Box => ({
  minX: Math.min(a.minX, b.minX),
  minY: Math.min(a.minY, b.minY),
  maxX: Math.max(a.maxX, b.maxX),
  maxY: Math.max(a.maxY, b.maxY),
});

/** The ground box to show (with context) and the one that must fit at a fixed scale: the red line, and on a
 *  neighbour map every notified address and the selection area too. */
export function contentBoxes(
  template: MapTemplate,
  siteBox: Box,
  recipients: MapRecipient[],
  selectionBox: Box | null,
  historyBox: Box | null = null,
): { content: Box; mustFit: Box } {
  let content = grow(siteBox, CONTEXT_M);
  let mustFit = siteBox;
  // a site history shows every case it lists (at "fit"; a fixed scale still only has to fit the red line)
  if (historyBox) content = union(content, grow(historyBox, 10));
  if (template === 'neighbours') {
    for (const r of recipients) mustFit = union(mustFit, { minX: r.x, minY: r.y, maxX: r.x, maxY: r.y });
    if (selectionBox) mustFit = union(mustFit, selectionBox);
    content = union(content, grow(mustFit, 10));
  }
  return { content, mustFit };
}

/** Numbers of the addresses at one point, as ranges: "3–7, 9". */
export function numberRanges(nums: number[]): string {
  const s = [...new Set(nums)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(j > i ? `${s[i]}–${s[j]}` : String(s[i]));
    i = j + 1;
  }
  return out.join(', ');
}

/** The sheet for the options, refused (MAP_TOO_LARGE) when it has more pixels than the server allows. */
export function sheetWithin(opts: MapOptions, maxPixels: number): Sheet {
  const sheet = sheetFor(opts.paper, opts.orientation, opts.dpi);
  if (sheet.widthPx * sheet.heightPx > maxPixels) {
    throw new AppError(
      'MAP_TOO_LARGE',
      `A ${opts.paper} ${opts.orientation} map at ${opts.dpi} dpi is ${sheet.widthPx} × ${sheet.heightPx} pixels, more than this server's limit of ${maxPixels.toLocaleString('en-GB')} (MAP_MAX_PIXELS): choose a smaller paper size or dpi.`,
      { widthPx: sheet.widthPx, heightPx: sheet.heightPx, maxPixels },
    );
  }
  return sheet;
}

/** scale=fit: the smallest scale of the series that shows the content, or MAP_DOES_NOT_FIT. */
function fittedScale(sheet: Sheet, opts: MapOptions, content: Box): number {
  const s = fitScale(sheet, content);
  if (s === null) {
    throw new AppError(
      'MAP_DOES_NOT_FIT',
      `What this map must show is too large for ${opts.paper} even at 1:${FIT_SERIES[FIT_SERIES.length - 1]!.toLocaleString('en-GB')}: ${opts.paper === 'A4' ? 'choose A3 or a smaller area' : 'choose a smaller area'}.`,
      { paper: opts.paper, orientation: opts.orientation, fitsAt: null },
    );
  }
  return s;
}

/** A fixed scale, refused (MAP_DOES_NOT_FIT, saying what would fit) when what must fit does not. */
function checkFixedScale(sheet: Sheet, opts: MapOptions, c: MapContent, scale: number): void {
  if (fitsAt(sheet, c.mustFit, scale)) return;
  // fitsAt: the first scale that can be asked for (scale=N) at which it fits; fit: what scale=fit would choose
  const better = FIXED_SCALES.find((s) => s > scale && fitsAt(sheet, c.mustFit, s)) ?? null;
  const fit = fitScale(sheet, c.content);
  const tries = [better ? `scale=${better}` : '', fit ? `scale=fit (1:${fit.toLocaleString('en-GB')})` : ''].filter(
    Boolean,
  );
  throw new AppError(
    'MAP_DOES_NOT_FIT',
    `At 1:${scale.toLocaleString('en-GB')} on ${opts.paper} ${opts.orientation} the ${c.template === 'neighbours' ? 'site and the notified properties do' : 'site does'} not fit in the map frame: ${tries.length ? `try ${tries.join(' or ')}, or larger paper` : 'choose larger paper'}.`,
    { scale, fitsAt: better, fit },
  );
}

/** Every key label the content may draw (a superset: a layer with no feature in the frame is not keyed). */
export function keyLabelsOf(c: MapContent): string[] {
  const neighbours = c.template === 'neighbours';
  return [
    ...(c.baseLabels ?? []),
    'Property outlines',
    ...(neighbours ? ['Properties with a notified address'] : []),
    ...c.layers.map((l) => l.title),
    ...(neighbours ? [c.selectionLabel ?? 'Selection area'] : []),
    ...(c.template === 'constraints'
      ? ['Not covered by the data of 10 layers (less than 0.01 m² of the site, less than 0.01 m² around it)']
      : []),
    ...(c.boundaryLabel ? [c.boundaryLabel] : []),
    'Site (red line boundary)',
    ...(neighbours ? ['Notified address (numbered as in the list)'] : []),
  ];
}

/** The scale (fitted or asked for) and the ground extent of the map frame, centred on the content. The panel under
 *  the frame is made tall enough for the key and the copyright statement first (panel.ts sheetForPanel). */
export function planFrame(sheet0: Sheet, opts: MapOptions, c: MapContent): FramePlan {
  let scale: number;
  let scaleNote: string | undefined;
  const grown = (s: number, note?: string) =>
    sheetForPanel(sheet0, keyLabelsOf(c), c.copyrightEstimate ?? [], scaleBlockWidth(sheet0, s, note));
  let sheet = sheet0;
  if (opts.scale === 'fit') {
    scaleNote = 'fitted to the site';
    sheet = grown(fittedScale(sheet0, opts, c.content), scaleNote);
    scale = fittedScale(sheet, opts, c.content);
  } else {
    scale = opts.scale;
    sheet = grown(scale);
    checkFixedScale(sheet, opts, c, scale);
  }
  const centre: [number, number] = [(c.content.minX + c.content.maxX) / 2, (c.content.minY + c.content.maxY) / 2];
  return { sheet, scale, scaleNote, extent: frameExtent(sheet, centre, scale), res: metresPerPixel(scale, opts.dpi) };
}

const m2 = (v: number) =>
  v > 0 && v < 0.01 ? 'less than 0.01' : v.toLocaleString('en-GB', { maximumFractionDigits: 2 });

/** The key entry of the part no layer's data covers: "Not covered by <layer> data (… m² of the site)". */
export function uncoveredLabel(u: NonNullable<SceneInput['uncovered']>): string {
  const whose = u.layers.length === 1 ? `${u.layers[0]} data` : `the data of ${u.layers.length} layers`;
  const parts = [
    u.siteM2 > 0 ? `${m2(u.siteM2)} m² of the site` : '',
    u.reachM2 > 0 ? `${m2(u.reachM2)} m² around it` : '',
  ];
  const what = parts.filter(Boolean).join(', ');
  return `Not covered by ${whose}${what ? ` (${what})` : ''}`;
}

/** Hatching angles of the constraint layers, in turn: any two of the first six cross. */
const HATCH_ANGLES = [45, -45, 90, 15, -75, 60];

/** A CSS colour without its transparency: rgba()/hsla() become rgb()/hsl(); #rrggbbaa loses its alpha. */
export function opaque(color: string): string {
  const m = /^(rgb|hsl)a?\(([^,]+),([^,]+),([^,)]+)(?:,[^)]*)?\)$/i.exec(color.replace(/\s+/g, ''));
  if (m) return `${m[1]!.toLowerCase()}(${m[2]},${m[3]},${m[4]})`;
  if (/^#[0-9a-f]{8}$/i.test(color)) return color.slice(0, 7);
  if (/^#[0-9a-f]{4}$/i.test(color)) return color.slice(0, 4);
  return color;
}

/** One class per style, in drawing order (property outlines under everything, the red line on top). */
function featureClasses(input: SceneInput, counts: Record<string, number>): SceneClass[] {
  const { content, frame, features } = input;
  const dpi = frame.sheet.dpi;
  const byClass = new Map(features.map((r) => [r.class, r]));
  const classes: SceneClass[] = [];
  const add = (
    id: string,
    style: FlatStyle,
    label: string | undefined,
    kind: 'area' | 'point' | 'line' = 'area',
    hatchAngle?: number,
  ) => {
    const row = byClass.get(id);
    counts[id] = row?.n ?? 0;
    const paint = paintOf(style, dpi);
    const cls: SceneClass = {
      id,
      label: row || id === 'site' ? label : undefined,
      kind,
      paint,
      d: row?.d ?? null,
      pts: (row?.pts as Array<[number, number]> | null) ?? null,
    };
    // translucent fills of areas that may overlap would mix into colours the key does not show: they are drawn as
    // hatching in the layer's colour instead, at an angle of its own
    if (hatchAngle !== undefined && kind === 'area' && paint.fill) {
      const k = dpi / 25.4;
      const hid = `hatch-${classes.length}`;
      cls.hatch = {
        id: hid,
        angle: hatchAngle,
        spacing: 1.6 * k,
        width: 0.22 * k,
        color: opaque(paint.stroke ?? paint.fill),
      };
      cls.paint = { ...paint, fill: `url(#${hid})` };
    }
    classes.push(cls);
  };
  const neighbours = content.template === 'neighbours';
  // the base map: water, roads (a grey casing under a white line; the casing is keyed), railways, then buildings
  const titles = new Map((input.baseLayers ?? []).map((b) => [b.kind, b.title]));
  const base = (kind: string) => byClass.get(`base:${kind}`);
  if (base('water')) add('base:water', BASE_STYLES['base:water'], titles.get('water') ?? 'Water');
  for (const kind of ['road', 'railway'] as const) {
    const row = base(kind);
    if (!row) continue;
    byClass.set(`base:${kind}-casing`, row);
    add(`base:${kind}-casing`, BASE_STYLES[`base:${kind}-casing`], titles.get(kind) ?? kind, 'line');
    add(`base:${kind}`, BASE_STYLES[`base:${kind}`], undefined, 'line');
    counts[`base:${kind}-casing`] = 0;
  }
  add('property', BASE_STYLES.property, 'Property outlines');
  if (base('building')) add('base:building', BASE_STYLES['base:building'], titles.get('building') ?? 'Buildings');
  if (neighbours) add('notified', BASE_STYLES.notified, 'Properties with a notified address');
  content.layers.forEach((l, i) => {
    const row = byClass.get(`layer:${l.id}`);
    add(`layer:${l.id}`, l.style, l.title, row?.pts?.length && !row?.d ? 'point' : 'area', HATCH_ANGLES[i % 6]);
  });
  if (neighbours) add('selection', BASE_STYLES.selection, content.selectionLabel);
  if (byClass.get('boundary'))
    add('boundary', BASE_STYLES.boundary, content.boundaryLabel ?? 'Authority boundary', 'line');
  const u = input.uncovered;
  if (u?.d) {
    byClass.set('uncovered', { class: 'uncovered', d: u.d, pts: null, n: 1 });
    // a grey wash (not hatching): it darkens what lies beneath, which the key's entry says
    add('uncovered', BASE_STYLES.uncovered, uncoveredLabel(u));
  }
  if (byClass.get('history')) add('history', BASE_STYLES.history, content.historyLabel ?? 'Other cases');
  add('site', BASE_STYLES.site, 'Site (red line boundary)');
  return classes;
}

/** Numbered address points: one marker and one label per location (the flats of a building share a point). */
function recipientMarkers(
  input: SceneInput,
): { cls: SceneClass; at: Array<{ x: number; y: number; text: string }>; radius: number } | null {
  const { content, frame } = input;
  if (content.template !== 'neighbours' || !content.recipients.length) return null;
  const { dpi } = frame.sheet;
  // addresses within 2.5 mm of paper of a marker share it (the flats of a building, close neighbours)
  const near = 2.5 * (dpi / 25.4);
  const at: Array<{ x: number; y: number; nums: number[] }> = [];
  for (const r of content.recipients) {
    const x = (r.x - frame.extent.minX) / frame.res;
    const y = (frame.extent.maxY - r.y) / frame.res;
    const e = at.find((m) => Math.hypot(m.x - x, m.y - y) <= near);
    if (e) e.nums.push(r.number);
    else at.push({ x, y, nums: [r.number] });
  }
  const paint = paintOf(BASE_STYLES.recipient, dpi);
  const cls: SceneClass = {
    id: 'recipient',
    label: 'Notified address (numbered as in the list)',
    kind: 'point',
    paint,
    d: null,
    pts: at.map((e) => [e.x, e.y] as [number, number]),
  };
  return { cls, at: at.map((e) => ({ x: e.x, y: e.y, text: numberRanges(e.nums) })), radius: paint.radius };
}

const ptPx = (dpi: number, points: number) => (points * dpi) / 72;

/** Every label the map asks for, in priority order: numbers of notified addresses, constraint features, road and
 *  railway names, water names, then house numbers and building names. */
function labelRequests(
  input: SceneInput,
  markers: ReturnType<typeof recipientMarkers>,
): { requests: LabelRequest[]; obstacles: Obstacles } {
  const dpi = input.frame.sheet.dpi;
  const requests: LabelRequest[] = [];
  const boxes: Rect[] = [];
  if (markers) {
    const size = ptPx(dpi, 7);
    const r = markers.radius;
    for (const m of markers.at) boxes.push({ x: m.x - r, y: m.y - r, w: 2 * r, h: 2 * r });
    for (const m of markers.at) {
      const w = textWidth(m.text, size, 'bold');
      requests.push({
        text: m.text,
        size,
        weight: 'bold',
        fill: '#000000',
        of: 'recipient',
        candidates: aroundPoint(m.x, m.y, r, w, size),
      });
    }
  }
  for (const l of input.featureLabels ?? []) {
    const size = ptPx(dpi, 7);
    const w = textWidth(l.text, size, 'bold');
    const candidates =
      l.kind === 'point'
        ? aroundPoint(l.x, l.y, ptPx(dpi, 4), w, size)
        : [{ x: l.x, y: l.y + size * 0.35, angle: 0 }, ...aroundPoint(l.x, l.y, size, w, size)];
    requests.push({ text: l.text, size, weight: 'bold', fill: l.fill, of: l.of, candidates });
  }
  const base = input.baseLabels ?? [];
  for (const kind of ['road', 'railway', 'water', 'building']) {
    for (const b of base.filter((x) => x.kind === kind)) {
      if (kind === 'road' || kind === 'railway') {
        const size = ptPx(dpi, 6.5);
        const w = textWidth(b.label, size);
        const candidates = alongLine(b.parts, w).map((c) => {
          const a = (c.angle * Math.PI) / 180;
          // the text's middle on the line
          return { x: c.x - Math.sin(a) * size * 0.35, y: c.y + Math.cos(a) * size * 0.35, angle: c.angle };
        });
        requests.push({ text: b.label, size, weight: 'regular', fill: '#333333', of: `base:${kind}`, candidates });
      } else {
        const size = ptPx(dpi, kind === 'building' ? 5.5 : 6.5);
        const w = textWidth(b.label, size);
        const p = b.parts[0]?.[0];
        // a number or name only where it fits its building (not across the street)
        if (!p || (kind === 'building' && b.w !== null && w > b.w * 1.1)) continue;
        const fill = kind === 'water' ? '#1d5d90' : '#505a5f';
        requests.push({
          text: b.label,
          size,
          weight: 'regular',
          fill,
          of: `base:${kind}`,
          candidates: [{ x: p[0]!, y: p[1]! + size * 0.35, angle: 0 }],
        });
      }
    }
  }
  const site = input.features.find((f) => f.class === 'site');
  return { requests, obstacles: { boxes, segments: segmentsOf(site?.d ?? null) } };
}

/** The statement built once from the sources drawn (render/copyright.ts): the authority's, dated with the
 *  document's year and its OS licence number, then each source drawn, every sentence once. */
function copyrightOf(input: SceneInput, counts: Record<string, number>): string[] {
  const sentences = copyrightStatement({
    year: input.year,
    authorityStatement: input.authority.copyrightStatement,
    osLicenceNumber: input.authority.osLicenceNumber ?? null,
    copyrightOwner: input.authority.copyrightOwner ?? null,
    osm: input.osmProperties,
    attributions: [
      ...(input.baseLayers ?? []).map((b) => b.attribution),
      ...input.content.layers.filter((l) => counts[`layer:${l.id}`]).map((l) => l.attribution),
    ],
  });
  return sentences.length ? [sentences.join(' ')] : [];
}

/** The sheet to compose, and the features drawn per class. */
export function sceneOf(input: SceneInput): { scene: MapScene; counts: Record<string, number> } {
  const { content, frame } = input;
  const counts: Record<string, number> = {};
  const classes = featureClasses(input, counts);
  const markers = recipientMarkers(input);
  if (markers) {
    classes.push(markers.cls);
    counts.recipient = content.recipients.length;
  }
  const k = frame.sheet.dpi / 25.4;
  const { requests, obstacles } = labelRequests(input, markers);
  const { placed, dropped } = placeLabels(
    requests,
    { w: frame.sheet.frame.w * k, h: frame.sheet.frame.h * k },
    obstacles,
  );
  for (const d of dropped) counts[`label-dropped:${d.of}`] = (counts[`label-dropped:${d.of}`] ?? 0) + 1;
  const subtitle = [content.reference ? `Case ${content.reference}` : '', content.address ?? ''].filter(Boolean);
  const scene: MapScene = {
    sheet: frame.sheet,
    scale: frame.scale,
    extent: frame.extent,
    title: content.title,
    subtitle,
    authority: input.authority.name,
    classes,
    labels: placed,
    copyright: copyrightOf(input, counts),
    scaleNote: frame.scaleNote,
  };
  return { scene, counts };
}
