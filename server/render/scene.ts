/** What each map template draws, fetched from PostGIS in one statement (sql/queries/map_features.sql) once the
 *  sheet, scale and extent are known. Templates:
 *   - site-location: the red line over the property outlines (and any other base data loaded);
 *   - neighbours: the red line, the selection area, the notified properties and numbered address points, numbered
 *     as in the run's recipient list (and its letters);
 *   - constraints: the red line and the features of each hit of a constraint check, with a legend. */
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.ts';
import { sqlQuery } from '../db/queries.ts';
import type { FlatStyle } from '../../shared/layer-schema.ts';
import { listLayers } from '../modules/layers/definitions.ts';
import { runCheck } from '../modules/constraints/service.ts';
import { select, type Recipient, type SelectionParams } from '../modules/neighbours/service.ts';
import type { IntakeOptions } from '../modules/geometry/intake.ts';
import { intakeSite } from '../modules/geometry/intake.ts';
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
  type Dpi,
  type Orientation,
  type Paper,
} from './layout.ts';
import { paintOf } from './style.ts';

export const MAP_TEMPLATES = ['site-location', 'neighbours', 'constraints'] as const;
export type MapTemplate = (typeof MAP_TEMPLATES)[number];

export const TEMPLATE_TITLES: Record<MapTemplate, string> = {
  'site-location': 'Site location plan',
  neighbours: 'Neighbour notification map',
  constraints: 'Constraints map',
};

export interface MapOptions {
  paper: Paper;
  orientation: Orientation;
  scale: number | 'fit';
  dpi: Dpi;
}

/** What a map is of: a case (its current site, and its latest or a named run or stored check), or a posted site. */
export type MapSubject =
  | { kind: 'case'; caseId: number; runId?: number; checkId?: number }
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

/** Built-in styles (flat-style subset, CSS pixels), the same ones the web map uses for these classes. */
export const BASE_STYLES = {
  site: { 'stroke-color': '#e00000', 'stroke-width': 3 },
  property: { 'fill-color': '#f3f2f1', 'stroke-color': '#8a8a8a', 'stroke-width': 0.75 },
  notified: { 'fill-color': 'rgba(29,112,184,0.28)', 'stroke-color': '#1d70b8', 'stroke-width': 1 },
  selection: { 'stroke-color': '#1d70b8', 'stroke-width': 1.5, 'stroke-line-dash': [8, 5] },
  recipient: {
    'circle-radius': 3,
    'circle-fill-color': '#1d70b8',
    'circle-stroke-color': '#ffffff',
    'circle-stroke-width': 1,
  },
} satisfies Record<string, FlatStyle>;

interface FeatureRow {
  class: string;
  d: string | null;
  pts: number[][] | null;
  n: number;
}

interface Drawn {
  site: string;
  title: string;
  reference: string | null;
  address: string | null;
  selection: string | null;
  properties: boolean;
  runId: number | null;
  recipients: Array<Pick<Recipient, 'number' | 'x' | 'y'>>;
  layers: Array<{ id: string; title: string; style: FlatStyle; attribution: string | null }>;
  layerIds: string[];
  checkId: number | null;
  /** ground box that must be in view, and what "fits" means for a fixed scale */
  content: Box;
  mustFit: Box;
  legendExtra: Record<string, string>;
}

const boxOf = (r: { minx: number; miny: number; maxx: number; maxy: number }): Box => ({
  minX: r.minx,
  minY: r.miny,
  maxX: r.maxx,
  maxY: r.maxy,
});
const grow = (b: Box, m: number): Box => ({ minX: b.minX - m, minY: b.minY - m, maxX: b.maxX + m, maxY: b.maxY + m });
const union = (a: Box, b: Box): Box => ({
  minX: Math.min(a.minX, b.minX),
  minY: Math.min(a.minY, b.minY),
  maxX: Math.max(a.maxX, b.maxX),
  maxY: Math.max(a.maxY, b.maxY),
});

async function bboxOf(db: Knex, ewkb: string): Promise<Box> {
  const { rows } = await db.raw<{ rows: Array<{ minx: number; miny: number; maxx: number; maxy: number }> }>(
    `SELECT ST_XMin(g) AS minx, ST_YMin(g) AS miny, ST_XMax(g) AS maxx, ST_YMax(g) AS maxy FROM (SELECT ST_GeomFromEWKB(decode(?, 'hex')) AS g) s`,
    [ewkb],
  );
  return boxOf(rows[0]!);
}

/** Minimum ground context around a red line on a fit-to-site map, in metres. */
const CONTEXT_M = 40;

async function gather(db: Knex, authorityId: number, template: MapTemplate, subject: MapSubject): Promise<Drawn> {
  let site: string;
  let reference: string | null = null;
  let address: string | null = null;
  let title = TEMPLATE_TITLES[template];
  let runId: number | null = null;
  let checkId: number | null = null;
  let selection: string | null = null;
  let recipients: Drawn['recipients'] = [];
  let layerIds: string[] = [];
  const legendExtra: Record<string, string> = {};

  if (subject.kind === 'case') {
    const c = await db('case_record')
      .where({ id: subject.caseId, authority_id: authorityId })
      .first('reference', 'site_address');
    if (!c) throw new AppError('CASE_NOT_FOUND', `There is no case with id ${subject.caseId}.`, { id: subject.caseId });
    reference = c.reference;
    address = c.site_address;
    const cur = await db('case_site')
      .where({ case_id: subject.caseId })
      .whereNull('superseded_at')
      .first(db.raw("encode(ST_AsEWKB(geom), 'hex') AS ewkb"));
    if (template === 'neighbours') {
      const run = subject.runId
        ? await db('notification_run')
            .where({ id: subject.runId, case_id: subject.caseId })
            .first('id', 'params', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"))
        : await db('notification_run')
            .where({ case_id: subject.caseId })
            .orderBy('id', 'desc')
            .first('id', 'params', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"));
      if (!run) {
        if (subject.runId)
          throw new AppError('RUN_NOT_FOUND', `Case ${subject.caseId} has no notification run ${subject.runId}.`, {
            caseId: subject.caseId,
            runId: subject.runId,
          });
        throw new AppError(
          'NO_NEIGHBOUR_RUN',
          'The case has no neighbour notification run yet: select the neighbours first (POST /api/cases/{id}/notification-runs).',
          { id: subject.caseId },
        );
      }
      runId = run.id;
      site = run.ewkb; // the red line the letters were chosen from
      const params = run.params as SelectionParams;
      selection = await selectionArea(db, authorityId, site, params);
      recipients = await db('recipient')
        .where({ run_id: run.id })
        .orderBy('number')
        .select('number', db.raw('ST_X(geom) AS x'), db.raw('ST_Y(geom) AS y'));
      legendExtra.selection = selectionLabel(params);
      if (subject.checkId) {
        // asked for: the constraints of a stored check too (its fired hits as snapshotted, as on the constraints map)
        const check = await db('constraint_check').where({ id: subject.checkId, case_id: subject.caseId }).first('id');
        if (!check)
          throw new AppError('CHECK_NOT_FOUND', `Case ${subject.caseId} has no constraint check ${subject.checkId}.`, {
            caseId: subject.caseId,
            checkId: subject.checkId,
          });
        checkId = check.id;
        const hitLayers = await db('constraint_hit')
          .where({ check_id: check.id, fired: true })
          .whereRaw("decision IS DISTINCT FROM 'dismissed'")
          .distinct('layer_id');
        layerIds = hitLayers.map((h: { layer_id: string }) => h.layer_id);
      }
    } else {
      if (!cur)
        throw new AppError(
          'SITE_NOT_SET',
          `The case has no site yet: plot it before drawing a ${TEMPLATE_TITLES[template].toLowerCase()}.`,
          { id: subject.caseId },
        );
      site = cur.ewkb;
      if (template === 'constraints') {
        const check = subject.checkId
          ? await db('constraint_check')
              .where({ id: subject.checkId, case_id: subject.caseId })
              .first('id', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"))
          : await db('constraint_check')
              .where({ case_id: subject.caseId })
              .orderBy('id', 'desc')
              .first('id', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb"));
        if (!check) {
          if (subject.checkId)
            throw new AppError(
              'CHECK_NOT_FOUND',
              `Case ${subject.caseId} has no constraint check ${subject.checkId}.`,
              { caseId: subject.caseId, checkId: subject.checkId },
            );
          throw new AppError(
            'NO_CONSTRAINT_CHECK',
            'The case has no stored constraint check yet: run one first (POST /api/cases/{id}/constraint-checks).',
            { id: subject.caseId },
          );
        }
        checkId = check.id;
        site = check.ewkb; // the site as checked
        const hitLayers = await db('constraint_hit')
          .where({ check_id: check.id, fired: true })
          .whereRaw("decision IS DISTINCT FROM 'dismissed'")
          .distinct('layer_id');
        layerIds = hitLayers.map((h: { layer_id: string }) => h.layer_id);
      }
    }
  } else {
    site = subject.siteEwkb;
    reference = subject.reference ?? null;
    address = subject.address ?? null;
    if (subject.title) title = subject.title;
    if (template === 'neighbours') {
      const params = subject.selection ?? { adjoining: true, add: [], remove: [] };
      const sel = await select(db, site, params, subject.intake ?? { authorityId, toleranceM: 50, vertexCap: 10_000 });
      selection = await selectionArea(db, authorityId, site, params);
      recipients = sel.recipients.map((r) => ({ number: r.number, x: r.x, y: r.y }));
      legendExtra.selection = selectionLabel(params);
    }
    if (template === 'constraints') {
      const report = await runCheck(db, site, subject.layers);
      layerIds = report.layers.filter((l) => l.status === 'constraint').map((l) => l.layerId);
    }
  }

  const layerRows = layerIds.length ? await listLayers(db, layerIds) : [];
  const layers = layerRows.map((l) => {
    const def = l.definition as { style: FlatStyle; provenance?: { attribution?: string } };
    return { id: l.id, title: l.title, style: def.style, attribution: def.provenance?.attribution ?? null };
  });

  const siteBox = await bboxOf(db, site);
  let content = grow(siteBox, CONTEXT_M);
  // at a fixed scale the red line must fit, and on a neighbour map every notified address and the selection area
  let mustFit = siteBox;
  if (template === 'neighbours') {
    for (const r of recipients) mustFit = union(mustFit, { minX: r.x, minY: r.y, maxX: r.x, maxY: r.y });
    if (selection) mustFit = union(mustFit, await bboxOf(db, selection));
    content = union(content, grow(mustFit, 10));
  }
  return {
    site,
    title,
    reference,
    address,
    selection,
    properties: true,
    runId,
    recipients,
    layers,
    layerIds,
    checkId,
    content,
    mustFit,
    legendExtra,
  };
}

function selectionLabel(p: SelectionParams): string {
  const parts: string[] = [];
  if (p.radiusM !== undefined) parts.push(`within ${p.radiusM} m of the red line`);
  if (p.polygon !== undefined) parts.push('drawn by the officer');
  return `Selection area${parts.length ? `: ${parts.join(' and ')}` : ''}`;
}

/** The area a run chose from: the drawn polygon, or the red line grown by the radius (both when both). */
async function selectionArea(
  db: Knex,
  authorityId: number,
  siteEwkb: string,
  p: SelectionParams,
): Promise<string | null> {
  const parts: string[] = [];
  if (p.polygon !== undefined) {
    const drawn = await intakeSite(db, p.polygon, {
      crs: p.crs,
      crossBoundary: true,
      authorityId,
      toleranceM: 5_000,
      vertexCap: 1_000_000,
      outputs: false,
    }).catch(() => null);
    if (drawn) parts.push(drawn.ewkb);
  }
  const { rows } = await db.raw<{ rows: Array<{ ewkb: string | null }> }>(
    `SELECT encode(ST_AsEWKB(ST_Union(g)), 'hex') AS ewkb FROM (
       SELECT ST_Buffer(ST_GeomFromEWKB(decode(:site, 'hex')), :radius::float8, 32) AS g WHERE :radius::float8 IS NOT NULL
       UNION ALL SELECT ST_GeomFromEWKB(decode(x, 'hex')) FROM unnest(:parts::text[]) AS x) s`,
    { site: siteEwkb, radius: p.radiusM ?? null, parts },
  );
  return rows[0]?.ewkb ?? null;
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

export interface BuiltScene {
  scene: MapScene;
  /** features drawn per class */
  counts: Record<string, number>;
  runId: number | null;
  checkId: number | null;
  /** the case reference (or the one posted with an ad hoc site) */
  reference: string | null;
}

export async function buildScene(
  db: Knex,
  authorityId: number,
  template: MapTemplate,
  opts: MapOptions,
  subject: MapSubject,
  maxPixels: number,
): Promise<BuiltScene> {
  const sheet = sheetFor(opts.paper, opts.orientation, opts.dpi);
  if (sheet.widthPx * sheet.heightPx > maxPixels) {
    throw new AppError(
      'MAP_TOO_LARGE',
      `A ${opts.paper} ${opts.orientation} map at ${opts.dpi} dpi is ${sheet.widthPx} × ${sheet.heightPx} pixels, more than this server's limit of ${maxPixels.toLocaleString('en-GB')} (MAP_MAX_PIXELS): choose a smaller paper size or dpi.`,
      { widthPx: sheet.widthPx, heightPx: sheet.heightPx, maxPixels },
    );
  }
  const drawn = await gather(db, authorityId, template, subject);
  let scale: number;
  let scaleNote: string | undefined;
  if (opts.scale === 'fit') {
    const s = fitScale(sheet, drawn.content);
    if (s === null) {
      throw new AppError(
        'MAP_DOES_NOT_FIT',
        `What this map must show is too large for ${opts.paper} even at 1:${FIT_SERIES[FIT_SERIES.length - 1]!.toLocaleString('en-GB')}: ${opts.paper === 'A4' ? 'choose A3 or a smaller area' : 'choose a smaller area'}.`,
        { paper: opts.paper, orientation: opts.orientation, fitsAt: null },
      );
    }
    scale = s;
    scaleNote = 'fitted to the site';
  } else {
    scale = opts.scale;
    if (!fitsAt(sheet, drawn.mustFit, scale)) {
      // fitsAt: the first scale that can be asked for (scale=N) at which it fits; fit: what scale=fit would choose
      const better = FIXED_SCALES.find((s) => s > scale && fitsAt(sheet, drawn.mustFit, s)) ?? null;
      const fit = fitScale(sheet, drawn.content);
      const tries = [better ? `scale=${better}` : '', fit ? `scale=fit (1:${fit.toLocaleString('en-GB')})` : ''].filter(
        Boolean,
      );
      throw new AppError(
        'MAP_DOES_NOT_FIT',
        `At 1:${scale.toLocaleString('en-GB')} on ${opts.paper} ${opts.orientation} the ${template === 'neighbours' ? 'site and the notified properties do' : 'site does'} not fit in the map frame: ${tries.length ? `try ${tries.join(' or ')}, or larger paper` : 'choose larger paper'}.`,
        { scale, fitsAt: better, fit },
      );
    }
  }
  const centre: [number, number] = [
    (drawn.content.minX + drawn.content.maxX) / 2,
    (drawn.content.minY + drawn.content.maxY) / 2,
  ];
  const extent = frameExtent(sheet, centre, scale);
  const res = metresPerPixel(scale, opts.dpi);

  // planned without JIT: PostGIS declares its functions expensive, so on a larger frame the estimate passes
  // jit_above_cost and compiling would take 40 ms or more for a statement that runs in a few
  const { rows } = await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return trx.raw<{ rows: FeatureRow[] }>(sqlQuery('map_features'), {
      minX: extent.minX,
      minY: extent.minY,
      maxX: extent.maxX,
      maxY: extent.maxY,
      res,
      pad: res * 20,
      site: drawn.site,
      selection: drawn.selection,
      properties: drawn.properties,
      layerIds: subject.kind === 'adhoc' ? drawn.layerIds : [],
      checkId: drawn.checkId,
      runId: drawn.runId,
    });
  });
  const byClass = new Map(rows.map((r) => [r.class, r]));
  const classes: SceneClass[] = [];
  const counts: Record<string, number> = {};
  const add = (id: string, style: FlatStyle, label: string | undefined, kind: 'area' | 'point' = 'area') => {
    const row = byClass.get(id);
    counts[id] = row?.n ?? 0;
    classes.push({
      id,
      label: row || id === 'site' ? label : undefined,
      kind,
      paint: paintOf(style, opts.dpi),
      d: row?.d ?? null,
      pts: (row?.pts as Array<[number, number]> | null) ?? null,
    });
  };
  add('property', BASE_STYLES.property, 'Property outlines');
  if (template === 'neighbours') add('notified', BASE_STYLES.notified, 'Properties with a notified address');
  for (const l of drawn.layers) {
    const kind = byClass.get(`layer:${l.id}`)?.pts?.length && !byClass.get(`layer:${l.id}`)?.d ? 'point' : 'area';
    add(`layer:${l.id}`, l.style, l.title, kind);
  }
  if (template === 'neighbours') add('selection', BASE_STYLES.selection, drawn.legendExtra.selection);
  add('site', BASE_STYLES.site, 'Site (red line boundary)');

  // numbered address points: one marker and one label per location (the flats of a building share a point)
  const labels: SceneLabel[] = [];
  if (template === 'neighbours' && drawn.recipients.length) {
    // addresses within 2.5 mm of paper of a marker share it (the flats of a building, close neighbours)
    const near = 2.5 * (opts.dpi / 25.4);
    const at: Array<{ x: number; y: number; nums: number[] }> = [];
    for (const r of drawn.recipients) {
      const x = (r.x - extent.minX) / res;
      const y = (extent.maxY - r.y) / res;
      const e = at.find((m) => Math.hypot(m.x - x, m.y - y) <= near);
      if (e) e.nums.push(r.number);
      else at.push({ x, y, nums: [r.number] });
    }
    const paint = paintOf(BASE_STYLES.recipient, opts.dpi);
    const pts = at.map((e) => [e.x, e.y] as [number, number]);
    classes.push({
      id: 'recipient',
      label: 'Notified address (numbered as in the list)',
      kind: 'point',
      paint,
      d: null,
      pts,
    });
    counts.recipient = drawn.recipients.length;
    for (const e of at)
      labels.push({ x: e.x + paint.radius + 2 * (opts.dpi / 96), y: e.y, text: numberRanges(e.nums) });
  }

  const authority = await db('authority').where({ id: authorityId }).first('name', 'copyright_statement');
  const copyright: string[] = [];
  if (authority?.copyright_statement) copyright.push(authority.copyright_statement);
  if ((counts.property ?? 0) + (counts.notified ?? 0) > 0) {
    const sources = await db('property')
      .whereRaw('geom && ST_MakeEnvelope(?, ?, ?, ?, 27700)', [extent.minX, extent.minY, extent.maxX, extent.maxY])
      .distinct('source')
      .limit(10);
    if (sources.some((s: { source: string | null }) => /openstreetmap|\bOSM\b/i.test(s.source ?? '')))
      copyright.push(
        'Property outlines include data © OpenStreetMap contributors, available under the Open Database Licence (ODbL 1.0).',
      );
  }
  // a statement already made (word for word, or inside a longer one) is not repeated
  for (const l of drawn.layers)
    if (l.attribution && counts[`layer:${l.id}`] && !copyright.some((c) => c.includes(l.attribution!)))
      copyright.push(l.attribution);

  const subtitle = [drawn.reference ? `Case ${drawn.reference}` : '', drawn.address ?? ''].filter(Boolean);
  const scene: MapScene = {
    sheet,
    scale,
    extent,
    title: drawn.title,
    subtitle,
    authority: authority?.name ?? '',
    classes,
    labels,
    copyright,
    scaleNote,
  };
  return { scene, counts, runId: drawn.runId, checkId: drawn.checkId, reference: drawn.reference };
}
