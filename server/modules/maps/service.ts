/** Map images: gathers what a map template draws (the case and its current site, a neighbour run, a stored or live
 *  constraint check, the layers, the features of the frame from sql/queries/map_features.sql, the authority's
 *  statement) and hands it to server/render, which draws it. The sheet, scale and extent are settled before the
 *  features are read, so the statement clips and simplifies to the frame. */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { AppError } from '../../../shared/errors.ts';
import type { FlatStyle } from '../../../shared/layer-schema.ts';
import { createLogger } from '../../logger.ts';
import { getAuthorityDetails } from '../authority/details.ts';
import { findCase, currentSiteForWork } from '../cases/repo.ts';
import { runCheck } from '../constraints/service.ts';
import { intakeSite, type IntakeOptions } from '../geometry/intake.ts';
import { listLayers } from '../layers/definitions.ts';
import { select, type SelectionParams } from '../neighbours/service.ts';
import { copyrightStatement } from '../../render/copyright.ts';
import {
  contentBoxes,
  planFrame,
  renderScene,
  opaque,
  sceneOf,
  sheetWithin,
  TEMPLATE_TITLES,
  type ImageFormat,
  type MapContent,
  type MapFeatureRow,
  type MapOptions,
  type MapRecipient,
  type MapScene,
  type MapTemplate,
  type RenderedImage,
} from '../../render/index.ts';
import * as repo from './repo.ts';

/** What a map is of: a case (its current site, and its latest or a named run or stored check), or a posted site. */
export type MapSubject =
  | {
      kind: 'case';
      caseId: number;
      runId?: number;
      checkId?: number;
      /** a site history's other cases, drawn and labelled with their numbers in its list (site location plans) */
      history?: Array<{ number: number; caseId: number }>;
    }
  | {
      kind: 'adhoc';
      siteEwkb: string;
      title?: string;
      reference?: string;
      address?: string;
      selection?: SelectionParams;
      layers?: string[];
      intake?: IntakeOptions;
    };

/** Where a map's problems that do not stop it are logged. */
export type MapLog = Pick<Logger, 'warn'>;

export interface BuiltScene {
  scene: MapScene;
  /** features drawn per class */
  counts: Record<string, number>;
  runId: number | null;
  checkId: number | null;
  /** the case reference (or the one posted with an ad hoc site) */
  reference: string | null;
}

export interface RenderedMap extends RenderedImage {
  counts: Record<string, number>;
  runId: number | null;
  checkId: number | null;
  reference: string | null;
}

/** What was gathered for a map, in ground terms, before the layers and boxes are looked up. */
interface Gathered {
  site: string;
  title: string;
  reference: string | null;
  address: string | null;
  selection: string | null;
  selectionLabel?: string;
  runId: number | null;
  checkId: number | null;
  recipients: MapRecipient[];
  layerIds: string[];
  history?: Array<{ number: number; caseId: number }>;
}

let fallbackLog: MapLog | null = null;
const defaultLog = (): MapLog => (fallbackLog ??= createLogger(process.env.LOG_LEVEL ?? 'warn'));

function selectionLabel(p: SelectionParams): string {
  const parts: string[] = [];
  if (p.radiusM !== undefined) parts.push(`within ${p.radiusM} m of the red line`);
  if (p.polygon !== undefined) parts.push('drawn by the officer');
  return `Selection area${parts.length ? `: ${parts.join(' and ')}` : ''}`;
}

/** The area a run chose from: the drawn polygon, or the red line grown by the radius (both when both). */
async function selectionAreaOf(
  db: Knex,
  authorityId: number,
  siteEwkb: string,
  p: SelectionParams,
  log: MapLog,
): Promise<string | null> {
  const parts: string[] = [];
  if (p.polygon !== undefined) {
    // the polygon passed the intake when the run was made (or just now, in select, for an ad hoc map), so this
    // only fails if the data or the rules changed since: the map is still drawn, with the radius part of the area
    // alone (the recipients are what the letters go to), and the failure is logged
    const drawn = await intakeSite(db, p.polygon, {
      crs: p.crs,
      crossBoundary: true,
      authorityId,
      toleranceM: 5_000,
      vertexCap: 1_000_000,
      outputs: false,
    }).catch((err: unknown) => {
      const e = err instanceof AppError ? { code: err.code, message: err.message } : { message: String(err) };
      log.warn({ err: e }, 'map: the drawn selection polygon could not be read again; drawing the area without it');
      return null;
    });
    if (drawn) parts.push(drawn.ewkb);
  }
  return repo.selectionArea(db, siteEwkb, p.radiusM ?? null, parts);
}

/** The layers of a stored check's hits, once the check is found (or CHECK_NOT_FOUND / NO_CONSTRAINT_CHECK). */
async function storedCheck(db: Knex, caseId: number, checkId: number | undefined) {
  const check = await repo.checkForMap(db, caseId, checkId);
  if (!check) {
    if (checkId)
      throw new AppError('CHECK_NOT_FOUND', `Case ${caseId} has no constraint check ${checkId}.`, { caseId, checkId });
    throw new AppError(
      'NO_CONSTRAINT_CHECK',
      'The case has no stored constraint check yet: run one first (POST /api/cases/{id}/constraint-checks).',
      { id: caseId },
    );
  }
  return { ...check, layerIds: await repo.firedHitLayerIds(db, check.id) };
}

/** A case's neighbour map: its run (named, or the latest), and with checkId a stored check's constraints too. */
async function caseNeighbours(
  db: Knex,
  authorityId: number,
  subject: Extract<MapSubject, { kind: 'case' }>,
  log: MapLog,
): Promise<Omit<Gathered, 'title' | 'reference' | 'address'>> {
  const { caseId, runId } = subject;
  const run = await repo.runForMap(db, caseId, runId);
  if (!run) {
    if (runId)
      throw new AppError('RUN_NOT_FOUND', `Case ${caseId} has no notification run ${runId}.`, { caseId, runId });
    throw new AppError(
      'NO_NEIGHBOUR_RUN',
      'The case has no neighbour notification run yet: select the neighbours first (POST /api/cases/{id}/notification-runs).',
      { id: caseId },
    );
  }
  const params = run.params as SelectionParams;
  const site = run.ewkb; // the red line the letters were chosen from
  const selection = await selectionAreaOf(db, authorityId, site, params, log);
  const recipients = await repo.recipientPoints(db, run.id);
  // asked for: the constraints of a stored check too (its fired hits as snapshotted, as on the constraints map)
  const check = subject.checkId ? await storedCheck(db, caseId, subject.checkId) : null;
  return {
    site,
    selection,
    selectionLabel: selectionLabel(params),
    runId: run.id,
    checkId: check?.id ?? null,
    recipients,
    layerIds: check?.layerIds ?? [],
  };
}

/** A case's site location plan or constraints map: its current site, or the site as a stored check checked it. */
async function caseSite(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  subject: Extract<MapSubject, { kind: 'case' }>,
): Promise<Omit<Gathered, 'title' | 'reference' | 'address'>> {
  const purpose = `drawing a ${TEMPLATE_TITLES[template].toLowerCase()}`;
  const cur = await currentSiteForWork(db, authorityId, subject.caseId, purpose);
  const none = { selection: null, runId: null, recipients: [] };
  if (template === 'site-location' && subject.history?.length)
    return { ...none, site: cur.ewkb, checkId: null, layerIds: [], history: subject.history };
  if (template !== 'constraints') return { ...none, site: cur.ewkb, checkId: null, layerIds: [] };
  const check = await storedCheck(db, subject.caseId, subject.checkId);
  // the site as checked
  return { ...none, site: check.ewkb, checkId: check.id, layerIds: check.layerIds };
}

async function gatherCase(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  subject: Extract<MapSubject, { kind: 'case' }>,
  log: MapLog,
): Promise<Gathered> {
  const c = await findCase(db, authorityId, subject.caseId);
  if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${subject.caseId}.`, { id: subject.caseId });
  const drawn =
    template === 'neighbours'
      ? await caseNeighbours(db, authorityId, subject, log)
      : await caseSite(db, authorityId, template, subject);
  return { ...drawn, title: TEMPLATE_TITLES[template], reference: c.reference, address: c.siteAddress };
}

/** A posted site: a preview selection on a neighbour map, a live check on a constraints map. */
async function gatherAdhoc(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  subject: Extract<MapSubject, { kind: 'adhoc' }>,
  log: MapLog,
): Promise<Gathered> {
  const site = subject.siteEwkb;
  const g: Gathered = {
    site,
    title: subject.title ?? TEMPLATE_TITLES[template],
    reference: subject.reference ?? null,
    address: subject.address ?? null,
    selection: null,
    runId: null,
    checkId: null,
    recipients: [],
    layerIds: [],
  };
  if (template === 'neighbours') {
    const params = subject.selection ?? { adjoining: true, add: [], remove: [] };
    const sel = await select(db, site, params, subject.intake ?? { authorityId, toleranceM: 50, vertexCap: 10_000 });
    g.selection = await selectionAreaOf(db, authorityId, site, params, log);
    g.recipients = sel.recipients.map((r) => ({ number: r.number, x: r.x, y: r.y }));
    g.selectionLabel = selectionLabel(params);
  }
  if (template === 'constraints') {
    const report = await runCheck(db, site, subject.layers);
    g.layerIds = report.layers.filter((l) => l.status === 'constraint').map((l) => l.layerId);
  }
  return g;
}

/** The layers drawn (style, key label, attribution) and the ground boxes to show. */
async function mapContent(db: Knex, template: MapTemplate, g: Gathered): Promise<MapContent> {
  const layerRows = g.layerIds.length ? await listLayers(db, g.layerIds, { includeRetired: true }) : [];
  const layers = layerRows.map((l) => {
    const def = l.definition as { style: FlatStyle; provenance?: { attribution?: string } };
    return { id: l.id, title: l.title, style: def.style, attribution: def.provenance?.attribution ?? null };
  });
  const siteBox = await repo.boxOf(db, g.site);
  const selectionBox = template === 'neighbours' && g.selection ? await repo.boxOf(db, g.selection) : null;
  const historyIds = (g.history ?? []).map((h) => h.caseId);
  const historyBox = historyIds.length ? await repo.historyBox(db, historyIds) : null;
  const boxes = contentBoxes(template, siteBox, g.recipients, selectionBox, historyBox);
  const { title, reference, address, recipients, selectionLabel } = g;
  const historyLabel = historyBox ? 'Other cases (numbered as in the list)' : undefined;
  return {
    template,
    title,
    reference,
    address,
    layers,
    recipients,
    selectionLabel,
    historyBox,
    historyLabel,
    ...boxes,
  };
}

/** Do the property outlines drawn include OpenStreetMap's (so its licence goes on the sheet)? */
async function drawsOsm(db: Knex, features: MapFeatureRow[], extent: MapScene['extent']): Promise<boolean> {
  const outlines = features
    .filter((r) => r.class === 'property' || r.class === 'notified')
    .reduce((n, r) => n + r.n, 0);
  if (outlines === 0) return false;
  const sources = await repo.propertySources(db, extent);
  return sources.some((s) => /openstreetmap|\bOSM\b/i.test(s ?? ''));
}

/** A constraint feature's label: its number in the check's list of hits and its name ("3 Trinity Church Square");
 *  a long name is left to the report, the number alone says which it is. */
export function featureLabelText(number: number | null, name: string | null): string {
  const n = name?.trim() ?? '';
  const short = n.length <= 28 ? n : '';
  return [number === null ? '' : String(number), short].filter(Boolean).join(' ');
}

/** The colour a feature's label is written in: its layer's outline (areas) or dot (points) colour, opaque; black
 *  when that colour is too light to read on the white halo. */
function labelColour(style: FlatStyle, point: boolean): string {
  const c = opaque(
    (point ? (style['circle-fill-color'] ?? style['fill-color']) : style['stroke-color']) ??
      style['stroke-color'] ??
      '#0b0c0c',
  );
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(c);
  const rgb = /^rgb\((\d+),(\d+),(\d+)\)$/i.exec(c.replace(/\s+/g, ''));
  const v = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : rgb ? rgb.slice(1).map(Number) : null;
  if (!v) return c;
  const luminance = (0.2126 * v[0]! + 0.7152 * v[1]! + 0.0722 * v[2]!) / 255;
  return luminance > 0.6 ? '#0b0c0c' : c;
}

const grownBox = (b: MapScene['extent'], m: number) => ({
  minX: b.minX - m,
  minY: b.minY - m,
  maxX: b.maxX + m,
  maxY: b.maxY + m,
});

/** Half the width of the square an enforcement case's point stands for as a site (LOCATED_SITE_SQL in
 *  server/modules/cases/repo.ts is 0.1 mm), with room for rounding: a site no wider than this is a point. */
const POINT_SITE_HALF_M = 0.0002;
/** The marker drawn for a site that is a point: a ring 3 mm across on paper (1 mm wide: the hole's radius is 1 mm)
 *  around a dot 1 mm across. A valid MultiPolygon: the dot lies in the ring's hole. */
const MARKER_MM = { outer: 1.5, hole: 1, dot: 0.5 };

/** Hex EWKB (little-endian, SRID 27700) of a MultiPolygon whose polygons are lists of circles (32 segments) about
 *  one centre: the first circle of a polygon its shell, any more its holes (wound the other way). */
function circlesEwkb(cx: number, cy: number, polygons: number[][]): string {
  const SEGMENTS = 32;
  const rings = polygons.reduce((n, p) => n + p.length, 0);
  const buf = Buffer.alloc(13 + polygons.length * 9 + rings * (4 + (SEGMENTS + 1) * 16));
  let o = 0;
  const u8 = (v: number) => (o = buf.writeUInt8(v, o));
  const u32 = (v: number) => (o = buf.writeUInt32LE(v, o));
  const f64 = (v: number) => (o = buf.writeDoubleLE(v, o));
  u8(1);
  u32(6 | 0x20000000);
  u32(27700);
  u32(polygons.length);
  for (const radii of polygons) {
    u8(1);
    u32(3);
    u32(radii.length);
    radii.forEach((r, k) => {
      u32(SEGMENTS + 1);
      for (let i = 0; i <= SEGMENTS; i++) {
        const a = (((k === 0 ? i : SEGMENTS - i) % SEGMENTS) / SEGMENTS) * 2 * Math.PI;
        f64(cx + r * Math.cos(a));
        f64(cy + r * Math.sin(a));
      }
    });
  }
  return buf.toString('hex');
}

/** The site as drawn: an enforcement case located at a point (issue 11 item 7b) is a marker at the point, sized on
 *  paper (a 0.2 mm square would not show); any other site is its red line. */
async function drawnSite(db: Knex, siteEwkb: string, scale: number): Promise<string> {
  const b = await repo.boxOf(db, siteEwkb);
  if (b.maxX - b.minX > 2 * POINT_SITE_HALF_M || b.maxY - b.minY > 2 * POINT_SITE_HALF_M) return siteEwkb;
  const mm = scale / 1000; // metres on the ground per millimetre on paper
  const [cx, cy] = [(b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2];
  return circlesEwkb(cx, cy, [[MARKER_MM.outer * mm, MARKER_MM.hole * mm], [MARKER_MM.dot * mm]]);
}

export async function buildScene(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  opts: MapOptions,
  subject: MapSubject,
  maxPixels: number,
  log: MapLog = defaultLog(),
): Promise<BuiltScene> {
  const sheet = sheetWithin(opts, maxPixels);
  const g =
    subject.kind === 'case'
      ? await gatherCase(db, authorityId, template, subject, log)
      : await gatherAdhoc(db, authorityId, template, subject, log);
  const content = await mapContent(db, template, g);
  const details = await getAuthorityDetails(db, authorityId);
  const authority = {
    ...(await repo.authorityForMap(db, authorityId)),
    osLicenceNumber: details.osLicenceNumber,
    copyrightOwner: details.copyrightOwner,
  };
  const year = opts.year ?? new Date().getFullYear();
  // the base layers (beneath everything) and the authority boundary where it is in view
  content.baseLabels = (await repo.baseLayersIn(db, grownBox(content.content, 2_000))).map((b) => b.title);
  content.boundaryLabel = `${authority.name} boundary`;
  // the panel is sized for the statement of every source that may be drawn
  content.copyrightEstimate = [
    copyrightStatement({
      year,
      authorityStatement: authority.copyrightStatement,
      osLicenceNumber: authority.osLicenceNumber,
      copyrightOwner: authority.copyrightOwner,
      osm: true,
      attributions: content.layers.map((l) => l.attribution),
    }).join(' '),
  ];
  const frame = planFrame(sheet, opts, content);
  const features = await repo.mapFeatures(db, {
    extent: frame.extent,
    res: frame.res,
    site: await drawnSite(db, g.site, frame.scale),
    selection: g.selection,
    properties: true,
    base: true,
    authorityId,
    // a live check draws its layers' current features; a stored check's hits come from their snapshots (checkId)
    layerIds: subject.kind === 'adhoc' ? g.layerIds : [],
    checkId: g.checkId,
    runId: g.runId,
    history: (g.history ?? []).map((h) => h.caseId),
  });
  const baseLayers = await repo.baseLayersIn(db, frame.extent);
  // constraint features labelled with the number the check lists them by, and their name
  const styleOf = new Map(content.layers.map((l) => [l.id, l.style]));
  const featureLabels = (
    g.checkId || g.layerIds.length
      ? await repo.featureLabelsForMap(db, {
          checkId: g.checkId,
          layerIds: subject.kind === 'adhoc' ? g.layerIds : [],
          extent: frame.extent,
          res: frame.res,
        })
      : []
  )
    .filter((f) => styleOf.has(f.layerId))
    .map((f) => ({
      of: `layer:${f.layerId}`,
      text: featureLabelText(f.number, f.name),
      kind: f.point ? ('point' as const) : ('area' as const),
      x: f.x,
      y: f.y,
      fill: labelColour(styleOf.get(f.layerId)!, f.point),
    }))
    .filter((f) => f.text);
  // a site history's other cases, labelled with their numbers in its list
  if (g.history?.length) {
    const numberOf = new Map(g.history.map((h) => [h.caseId, h.number]));
    for (const at of await repo.historyLabelPoints(db, [...numberOf.keys()], frame.extent, frame.res))
      featureLabels.push({
        of: 'history',
        text: String(numberOf.get(at.caseId)),
        kind: 'area',
        x: at.x,
        y: at.y,
        fill: '#b54d00',
      });
  }
  const baseLabels = baseLayers.length ? await repo.baseLabels(db, frame.extent, frame.res) : [];
  // OpenStreetMap's attribution once, for property outlines or base layers drawn from it
  const osmProperties =
    (await drawsOsm(db, features, frame.extent)) || baseLayers.some((b) => /openstreetmap/i.test(b.attribution));

  // issue 11: the part of the site (and of a rule's reach) the checked layers' data does not cover, drawn and keyed
  const uncovered =
    template === 'constraints'
      ? await repo.uncoveredForMap(db, {
          site: g.site,
          checkId: g.checkId,
          layerIds: subject.kind === 'adhoc' ? (subject.layers ?? null) : null,
          extent: frame.extent,
          res: frame.res,
        })
      : null;
  const { scene, counts } = sceneOf({
    content,
    frame,
    features,
    authority,
    year,
    osmProperties,
    uncovered,
    baseLayers,
    baseLabels,
    featureLabels,
  });
  return { scene, counts, runId: g.runId, checkId: g.checkId, reference: g.reference };
}

export async function renderMap(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  opts: MapOptions & { format: ImageFormat },
  subject: MapSubject,
  maxPixels: number,
  log?: MapLog,
): Promise<RenderedMap> {
  const built = await buildScene(db, authorityId, template, opts, subject, maxPixels, log);
  const image = await renderScene(template, built.scene, built.counts, opts.format);
  return { ...image, counts: built.counts, runId: built.runId, checkId: built.checkId, reference: built.reference };
}
