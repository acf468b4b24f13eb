/** What each map template draws, from what server/modules/maps gathered (render/types.ts). Pure: no queries.
 *  Templates:
 *   - site-location: the red line over the property outlines (and any other base data loaded);
 *   - neighbours: the red line, the selection area, the notified properties and numbered address points, numbered
 *     as in the run's recipient list (and its letters);
 *   - constraints: the red line and the features of each hit of a constraint check, with a legend. */
import { AppError } from '../../shared/errors.ts';
import type { FlatStyle } from '../../shared/layer-schema.ts';
import type { MapScene, SceneClass, SceneLabel } from './compose.ts';
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
import { paintOf } from './style.ts';
import type { FramePlan, MapContent, MapOptions, MapRecipient, MapTemplate, SceneInput } from './types.ts';

export { MAP_TEMPLATES, TEMPLATE_TITLES, type MapTemplate, type MapOptions } from './types.ts';

/** Built-in styles (flat-style subset, CSS pixels), the same ones the web map uses for these classes. */
export const BASE_STYLES = {
  site: { 'stroke-color': '#e00000', 'stroke-width': 3 },
  property: { 'fill-color': '#f3f2f1', 'stroke-color': '#8a8a8a', 'stroke-width': 0.75 },
  notified: { 'fill-color': 'rgba(29,112,184,0.28)', 'stroke-color': '#1d70b8', 'stroke-width': 1 },
  selection: { 'stroke-color': '#1d70b8', 'stroke-width': 1.5, 'stroke-line-dash': [8, 5] },
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
): { content: Box; mustFit: Box } {
  let content = grow(siteBox, CONTEXT_M);
  let mustFit = siteBox;
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

/** The scale (fitted or asked for) and the ground extent of the map frame, centred on the content. */
export function planFrame(sheet: Sheet, opts: MapOptions, c: MapContent): FramePlan {
  let scale: number;
  let scaleNote: string | undefined;
  if (opts.scale === 'fit') {
    scale = fittedScale(sheet, opts, c.content);
    scaleNote = 'fitted to the site';
  } else {
    scale = opts.scale;
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

/** One class per style, in drawing order (property outlines under everything, the red line on top). */
function featureClasses(input: SceneInput, counts: Record<string, number>): SceneClass[] {
  const { content, frame, features } = input;
  const dpi = frame.sheet.dpi;
  const byClass = new Map(features.map((r) => [r.class, r]));
  const classes: SceneClass[] = [];
  const add = (id: string, style: FlatStyle, label: string | undefined, kind: 'area' | 'point' = 'area') => {
    const row = byClass.get(id);
    counts[id] = row?.n ?? 0;
    classes.push({
      id,
      label: row || id === 'site' ? label : undefined,
      kind,
      paint: paintOf(style, dpi),
      d: row?.d ?? null,
      pts: (row?.pts as Array<[number, number]> | null) ?? null,
    });
  };
  const neighbours = content.template === 'neighbours';
  add('property', BASE_STYLES.property, 'Property outlines');
  if (neighbours) add('notified', BASE_STYLES.notified, 'Properties with a notified address');
  for (const l of content.layers) {
    const row = byClass.get(`layer:${l.id}`);
    add(`layer:${l.id}`, l.style, l.title, row?.pts?.length && !row?.d ? 'point' : 'area');
  }
  if (neighbours) add('selection', BASE_STYLES.selection, content.selectionLabel);
  const u = input.uncovered;
  if (u?.d) {
    byClass.set('uncovered', { class: 'uncovered', d: u.d, pts: null, n: 1 });
    add('uncovered', BASE_STYLES.uncovered, uncoveredLabel(u));
  }
  add('site', BASE_STYLES.site, 'Site (red line boundary)');
  return classes;
}

/** Numbered address points: one marker and one label per location (the flats of a building share a point). */
function recipientMarkers(input: SceneInput): { cls: SceneClass; labels: SceneLabel[] } | null {
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
  const labels = at.map((e) => ({ x: e.x + paint.radius + 2 * (dpi / 96), y: e.y, text: numberRanges(e.nums) }));
  return { cls, labels };
}

/** The authority's statement first, then the licence of each source drawn. */
function copyrightOf(input: SceneInput, counts: Record<string, number>): string[] {
  const copyright: string[] = [];
  if (input.authority.copyrightStatement) copyright.push(input.authority.copyrightStatement);
  if (input.osmProperties)
    copyright.push(
      'Property outlines include data © OpenStreetMap contributors, available under the Open Database Licence (ODbL 1.0).',
    );
  // a statement already made (word for word, or inside a longer one) is not repeated
  for (const l of input.content.layers)
    if (l.attribution && counts[`layer:${l.id}`] && !copyright.some((c) => c.includes(l.attribution!)))
      copyright.push(l.attribution);
  return copyright;
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
  const subtitle = [content.reference ? `Case ${content.reference}` : '', content.address ?? ''].filter(Boolean);
  const scene: MapScene = {
    sheet: frame.sheet,
    scale: frame.scale,
    extent: frame.extent,
    title: content.title,
    subtitle,
    authority: input.authority.name,
    classes,
    labels: markers?.labels ?? [],
    copyright: copyrightOf(input, counts),
    scaleNote: frame.scaleNote,
  };
  return { scene, counts };
}
