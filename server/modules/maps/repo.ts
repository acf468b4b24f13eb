/** The maps module's reads (knex): runs, recipients' points, stored checks and their hits, boxes, the features of a
 *  frame (sql/queries/map_features.sql), the authority's statement and the sources of the property outlines drawn.
 *  Case rows (case_record, case_site) are read through server/modules/cases/repo.ts. */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';
import type { Box, MapFeatureRow } from '../../render/index.ts';

type Q = Knex | Knex.Transaction;

/** The bounding box of a hex EWKB geometry, in its own CRS (EPSG:27700 metres here). */
export async function boxOf(db: Q, ewkb: string): Promise<Box> {
  const { rows } = await db.raw<{ rows: Array<{ minx: number; miny: number; maxx: number; maxy: number }> }>(
    `SELECT ST_XMin(g) AS minx, ST_YMin(g) AS miny, ST_XMax(g) AS maxx, ST_YMax(g) AS maxy FROM (SELECT ST_GeomFromEWKB(decode(?, 'hex')) AS g) s`,
    [ewkb],
  );
  const r = rows[0]!;
  return { minX: r.minx, minY: r.miny, maxX: r.maxx, maxY: r.maxy };
}

export interface RunForMap {
  id: number;
  params: unknown;
  /** the red line the run chose from, hex EWKB (SRID 27700) */
  ewkb: string;
}

/** A case's notification run: the one named, or the latest. */
export async function runForMap(db: Q, caseId: number, runId?: number): Promise<RunForMap | undefined> {
  const cols = ['id', 'params', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb")];
  return runId
    ? db('notification_run')
        .where({ id: runId, case_id: caseId })
        .first(...cols)
    : db('notification_run')
        .where({ case_id: caseId })
        .orderBy('id', 'desc')
        .first(...cols);
}

/** A run's recipients as numbered points (EPSG:27700), in the list's order. */
export async function recipientPoints(db: Q, runId: number): Promise<Array<{ number: number; x: number; y: number }>> {
  return db('recipient')
    .where({ run_id: runId })
    .orderBy('number')
    .select('number', db.raw('ST_X(geom) AS x'), db.raw('ST_Y(geom) AS y'));
}

/** A case's stored constraint check (the one named, or the latest) with the site as checked (hex EWKB). */
export async function checkForMap(
  db: Q,
  caseId: number,
  checkId?: number,
): Promise<{ id: number; ewkb: string } | undefined> {
  const cols = ['id', db.raw("encode(ST_AsEWKB(site_geom), 'hex') AS ewkb")];
  return checkId
    ? db('constraint_check')
        .where({ id: checkId, case_id: caseId })
        .first(...cols)
    : db('constraint_check')
        .where({ case_id: caseId })
        .orderBy('id', 'desc')
        .first(...cols);
}

/** The layers of a stored check's fired hits that were not dismissed (as snapshotted). */
export async function firedHitLayerIds(db: Q, checkId: number): Promise<string[]> {
  const rows = await db('constraint_hit')
    .where({ check_id: checkId, fired: true })
    .whereRaw("decision IS DISTINCT FROM 'dismissed'")
    .distinct('layer_id');
  return rows.map((h: { layer_id: string }) => h.layer_id);
}

/** The red line grown by the radius, united with the drawn polygons (sql/queries/map_selection_area.sql). */
export async function selectionArea(
  db: Q,
  siteEwkb: string,
  radiusM: number | null,
  parts: string[],
): Promise<string | null> {
  const { rows } = await db.raw<{ rows: Array<{ ewkb: string | null }> }>(sqlQuery('map_selection_area'), {
    site: siteEwkb,
    radius: radiusM,
    parts,
  });
  return rows[0]?.ewkb ?? null;
}

export interface FeatureParams {
  extent: Box;
  /** ground metres per sheet pixel */
  res: number;
  site: string;
  selection: string | null;
  properties: boolean;
  /** draw the base map layers */
  base?: boolean;
  /** draw this authority's boundary where it crosses the frame */
  authorityId?: number | null;
  layerIds: string[];
  checkId: number | null;
  runId: number | null;
  /** other cases whose current sites are drawn (a site history) */
  history?: number[];
}

/** Everything a frame draws, one row per style class (sql/queries/map_features.sql). */
export async function mapFeatures(db: Knex, p: FeatureParams): Promise<MapFeatureRow[]> {
  // planned without JIT: PostGIS declares its functions expensive, so on a larger frame the estimate passes
  // jit_above_cost and compiling would take 40 ms or more for a statement that runs in a few
  const { rows } = await db.transaction(async (trx) => {
    await trx.raw('SET LOCAL jit = off');
    return trx.raw<{ rows: MapFeatureRow[] }>(sqlQuery('map_features'), {
      minX: p.extent.minX,
      minY: p.extent.minY,
      maxX: p.extent.maxX,
      maxY: p.extent.maxY,
      res: p.res,
      pad: p.res * 20,
      site: p.site,
      selection: p.selection,
      properties: p.properties,
      base: p.base ?? false,
      authorityId: p.authorityId ?? null,
      layerIds: p.layerIds,
      checkId: p.checkId,
      runId: p.runId,
      history: p.history ?? [],
    });
  });
  return rows;
}

/** The box of the current sites of these cases, or null when none has one. */
export async function historyBox(db: Q, caseIds: number[]): Promise<Box | null> {
  if (!caseIds.length) return null;
  const row = await db('case_site')
    .whereIn('case_id', caseIds)
    .whereNull('superseded_at')
    .first(
      db.raw('ST_XMin(ST_Extent(geom)) AS "minX"'),
      db.raw('ST_YMin(ST_Extent(geom)) AS "minY"'),
      db.raw('ST_XMax(ST_Extent(geom)) AS "maxX"'),
      db.raw('ST_YMax(ST_Extent(geom)) AS "maxY"'),
    );
  if (!row || row.minX === null) return null;
  return { minX: Number(row.minX), minY: Number(row.minY), maxX: Number(row.maxX), maxY: Number(row.maxY) };
}

/** Where each of these cases' current sites is labelled: a point inside its part in the frame, in frame pixels. */
export async function historyLabelPoints(
  db: Q,
  caseIds: number[],
  extent: Box,
  res: number,
): Promise<Array<{ caseId: number; x: number; y: number }>> {
  if (!caseIds.length) return [];
  const { rows } = await db.raw<{ rows: Array<{ case_id: number; x: number; y: number }> }>(
    `WITH p AS (SELECT ST_MakeEnvelope(:minX::float8, :minY::float8, :maxX::float8, :maxY::float8, 27700) AS box),
     at AS (
       SELECT s.case_id, ST_PointOnSurface(ST_Intersection(ST_MakeValid(s.geom), p.box)) AS g
       FROM case_site s, p
       WHERE s.case_id = ANY(:ids::int[]) AND s.superseded_at IS NULL AND s.geom && p.box
     )
     SELECT case_id, (ST_X(g) - :minX::float8) / :res::float8 AS x, (:maxY::float8 - ST_Y(g)) / :res::float8 AS y
     FROM at WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)`,
    { ids: caseIds, minX: extent.minX, minY: extent.minY, maxX: extent.maxX, maxY: extent.maxY, res },
  );
  return rows.map((r) => ({ caseId: Number(r.case_id), x: Number(r.x), y: Number(r.y) }));
}

/** The authority's name and copyright statement, for the title band and the foot of the sheet. */
export async function authorityForMap(
  db: Q,
  authorityId: number,
): Promise<{ name: string; copyrightStatement: string | null }> {
  const a = await db('authority').where({ id: authorityId }).first('name', 'copyright_statement');
  return { name: a?.name ?? '', copyrightStatement: a?.copyright_statement ?? null };
}

/** The sources of the property outlines in a ground box (EPSG:27700), at most ten. */
export async function propertySources(db: Q, box: Box): Promise<Array<string | null>> {
  const rows = await db('property')
    .whereRaw('geom && ST_MakeEnvelope(?, ?, ?, ?, 27700)', [box.minX, box.minY, box.maxX, box.maxY])
    .distinct('source')
    .limit(10);
  return rows.map((s: { source: string | null }) => s.source);
}

/** The part of a site (and of the reach of a within-N-metres rule around it) that the checked layers' data does not
 *  cover (issue 11, item 1): drawn on the constraints map, in frame pixels like sql/queries/map_features.sql. */
export interface UncoveredForMap {
  /** SVG path data in frame pixels (y down), or null when everything is covered */
  d: string | null;
  /** m² (EPSG:27700) of the site, and of the reach beyond it, not covered by at least one layer */
  siteM2: number;
  reachM2: number;
  /** titles of the layers whose data does not cover it, by title */
  layers: string[];
}

export async function uncoveredForMap(
  db: Q,
  p: { site: string; checkId: number | null; layerIds: string[] | null; extent: Box; res: number },
): Promise<UncoveredForMap> {
  const { rows } = await db.raw<{
    rows: Array<{ d: string | null; site_m2: number | null; reach_m2: number | null; layers: string[] | null }>;
  }>(
    `WITH s AS MATERIALIZED (SELECT ST_GeomFromEWKB(decode(:site::text, 'hex')) AS g),
     ids AS (
       -- a stored check: the layers it checked (their coverage now); a live check: those asked for, else every active one
       SELECT x->>'id' AS id FROM constraint_check c, jsonb_array_elements(c.layers) x WHERE c.id = :checkId::int
       UNION
       SELECT id FROM layer WHERE :checkId::int IS NULL AND retired_at IS NULL
         AND (:layerIds::text[] IS NULL OR id = ANY(:layerIds::text[]))
     ), u AS MATERIALIZED (
       SELECT l.title,
              ST_Difference(CASE WHEN r.d > 0 THEN ST_Buffer(s.g, r.d) ELSE s.g END,
                            coalesce(l.coverage, 'SRID=27700;POLYGON EMPTY'::geometry)) AS g
       FROM layer l JOIN ids ON ids.id = l.id CROSS JOIN s
       CROSS JOIN LATERAL (SELECT coalesce((l.definition #>> '{rule,distanceM}')::float8, 0) AS d) r
       WHERE l.data_version > 0 AND (l.coverage IS NULL OR NOT ST_Covers(l.coverage, CASE WHEN r.d > 0 THEN ST_Buffer(s.g, r.d) ELSE s.g END))
     ), a AS MATERIALIZED (
       SELECT ST_CollectionExtract(ST_Union(g), 3) AS g,
              array_agg(DISTINCT title ORDER BY title) FILTER (WHERE NOT ST_IsEmpty(g) AND ST_Area(g) > 0) AS layers
       FROM u
     ), box AS (
       SELECT ST_MakeEnvelope(:minX::float8 - :pad::float8, :minY::float8 - :pad::float8,
                              :maxX::float8 + :pad::float8, :maxY::float8 + :pad::float8, 27700) AS b
     )
     SELECT CASE WHEN a.g IS NULL OR ST_IsEmpty(a.g) THEN NULL
                 ELSE ST_AsSVG(ST_Simplify(ST_Affine(ST_ForcePolygonCCW(ST_ClipByBox2D(a.g, box.b)),
                        1 / :res::float8, 0, 0, 1 / :res::float8, -:minX::float8 / :res::float8, -:maxY::float8 / :res::float8), 0.5, true), 0, 1)
            END AS d,
            ST_Area(ST_Intersection(a.g, s.g)) AS site_m2,
            ST_Area(ST_Difference(a.g, s.g)) AS reach_m2,
            a.layers
     FROM a, s, box`,
    {
      site: p.site,
      checkId: p.checkId,
      layerIds: p.layerIds,
      minX: p.extent.minX,
      minY: p.extent.minY,
      maxX: p.extent.maxX,
      maxY: p.extent.maxY,
      res: p.res,
      pad: p.res * 20,
    },
  );
  const r = rows[0];
  const layers = r?.layers ?? [];
  return {
    d: layers.length && r?.d ? r.d : null,
    siteM2: Number(r?.site_m2 ?? 0),
    reachM2: Number(r?.reach_m2 ?? 0),
    layers,
  };
}

export interface BaseFeatureRow {
  kind: string;
  class: string | null;
  name: string | null;
  label: string | null;
  /** GeoJSON geometry in EPSG:27700 */
  geojson: string;
}

/** Replaces a base layer's features (and its row) in one transaction. */
export async function replaceBaseFeatures(
  db: Knex,
  def: { id: string; kind: string; title: string; attribution: string },
  source: string,
  rows: BaseFeatureRow[],
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('base_feature').where({ layer_id: def.id }).delete();
    for (let i = 0; i < rows.length; i += 500) {
      await trx('base_feature').insert(
        rows.slice(i, i + 500).map((r) => ({
          layer_id: def.id,
          kind: r.kind,
          class: r.class,
          name: r.name,
          label: r.label,
          source,
          geom: trx.raw('ST_SetSRID(ST_GeomFromGeoJSON(?), 27700)', [r.geojson]),
        })),
      );
    }
    await trx('base_layer')
      .insert({ id: def.id, kind: def.kind, title: def.title, attribution: def.attribution, features: rows.length })
      .onConflict('id')
      .merge({
        kind: def.kind,
        title: def.title,
        attribution: def.attribution,
        features: rows.length,
        loaded_at: trx.fn.now(),
      });
  });
}

/** The base layers with features in a ground box: their kind, title and attribution. */
export async function baseLayersIn(
  db: Q,
  box: Box,
): Promise<Array<{ id: string; kind: string; title: string; attribution: string }>> {
  return db('base_layer as l')
    .whereExists(
      db('base_feature as f')
        .whereRaw('f.layer_id = l.id AND f.geom && ST_MakeEnvelope(?, ?, ?, ?, 27700)', [
          box.minX,
          box.minY,
          box.maxX,
          box.maxY,
        ])
        .select(db.raw('1')),
    )
    .orderBy('l.id')
    .select('l.id', 'l.kind', 'l.title', 'l.attribution');
}

/** Labels of the base features in a frame: a road's name with its line (frame pixels, clipped, simplified), a
 *  building's number or name with a point inside it and its size in pixels. */
export interface BaseLabelRow {
  kind: string;
  label: string;
  /** lines: [[x, y], …] per part; areas: one point */
  parts: number[][][];
  /** areas: width and height of the bounding box in pixels */
  w: number | null;
  h: number | null;
}

export async function baseLabels(db: Q, extent: Box, res: number): Promise<BaseLabelRow[]> {
  const { rows } = await db.raw<{ rows: BaseLabelRow[] }>(
    `WITH p AS (SELECT ST_MakeEnvelope(:minX::float8, :minY::float8, :maxX::float8, :maxY::float8, 27700) AS box),
     f AS (
       SELECT b.kind, b.label,
              ST_Affine(CASE WHEN b.kind IN ('road', 'railway') THEN ST_LineMerge(ST_Collect(ST_Intersection(b.geom, p.box)))
                             ELSE ST_Collect(ST_PointOnSurface(b.geom)) END,
                        1 / :res::float8, 0, 0, -1 / :res::float8, -:minX::float8 / :res::float8, :maxY::float8 / :res::float8) AS g,
              max((ST_XMax(b.geom) - ST_XMin(b.geom)) / :res::float8) AS w,
              max((ST_YMax(b.geom) - ST_YMin(b.geom)) / :res::float8) AS h
       FROM base_feature b, p
       WHERE b.label IS NOT NULL AND b.label <> '' AND b.geom && p.box
         AND (b.kind IN ('road', 'railway') OR ST_Intersects(ST_PointOnSurface(b.geom), p.box))
       GROUP BY b.kind, b.label, CASE WHEN b.kind IN ('road', 'railway') THEN 0 ELSE b.id END
     )
     SELECT f.kind, f.label, f.w, f.h,
            (SELECT json_agg(d.pts ORDER BY d.path)
             FROM (SELECT dp.path, (SELECT json_agg(json_build_array(round(ST_X(q.geom)::numeric, 1), round(ST_Y(q.geom)::numeric, 1)) ORDER BY q.path)
                                    FROM ST_DumpPoints(ST_Simplify(dp.geom, 1.5)) q) AS pts
                   FROM ST_Dump(f.g) dp) d
             WHERE d.pts IS NOT NULL) AS parts
     FROM f`,
    { minX: extent.minX, minY: extent.minY, maxX: extent.maxX, maxY: extent.maxY, res },
  );
  return rows;
}

/** Where each drawn constraint feature is labelled: a stored check's fired hits (not dismissed), numbered as the
 *  check lists its hits (every hit, in the order of their ids: GET …/constraint-checks/:id), or a live check's
 *  features by name; a point inside the part of the feature in the frame, in frame pixels. */
export async function featureLabelsForMap(
  db: Q,
  p: { checkId: number | null; layerIds: string[]; extent: Box; res: number },
): Promise<
  Array<{ layerId: string; number: number | null; name: string | null; point: boolean; x: number; y: number }>
> {
  const { rows } = await db.raw<{
    rows: Array<{ layer_id: string; number: string | null; name: string | null; point: boolean; x: number; y: number }>;
  }>(
    `WITH p AS (SELECT ST_MakeEnvelope(:minX::float8, :minY::float8, :maxX::float8, :maxY::float8, 27700) AS box),
     hits AS (
       SELECT h.layer_id, row_number() OVER (ORDER BY h.id) AS number, h.name, h.feature_geom AS geom,
              h.fired AND h.decision IS DISTINCT FROM 'dismissed' AS drawn
       FROM constraint_hit h WHERE h.check_id = :checkId::int
       UNION ALL
       SELECT f.layer_id, NULL, f.name, f.geom, true
       FROM constraint_feature f JOIN layer l ON l.id = f.layer_id AND l.data_version = f.data_version, p
       WHERE f.layer_id = ANY(:layerIds::text[]) AND f.geom && p.box
     ), at AS (
       SELECT h.layer_id, h.number, h.name, ST_Dimension(h.geom) = 0 AS point,
              CASE WHEN ST_Dimension(h.geom) = 0 THEN ST_PointOnSurface(h.geom)
                   ELSE ST_PointOnSurface(ST_Intersection(ST_MakeValid(h.geom), p.box)) END AS g
       FROM hits h, p WHERE h.drawn AND h.geom && p.box
     )
     SELECT layer_id, number, name, point,
            (ST_X(g) - :minX::float8) / :res::float8 AS x, (:maxY::float8 - ST_Y(g)) / :res::float8 AS y
     FROM at WHERE g IS NOT NULL AND NOT ST_IsEmpty(g) ORDER BY number NULLS LAST, layer_id, name`,
    {
      checkId: p.checkId,
      layerIds: p.layerIds,
      minX: p.extent.minX,
      minY: p.extent.minY,
      maxX: p.extent.maxX,
      maxY: p.extent.maxY,
      res: p.res,
    },
  );
  return rows.map((r) => ({
    layerId: r.layer_id,
    number: r.number === null ? null : Number(r.number),
    name: r.name,
    point: r.point,
    x: r.x,
    y: r.y,
  }));
}

/** Is any base layer loaded? */
export async function anyBaseLayer(db: Q): Promise<boolean> {
  return Boolean(await db('base_layer').first('id'));
}
