/** What the staff pages read besides the other modules' services: each layer's coverage area and who loaded it. */
import type { Knex } from 'knex';

export interface LayerExtras {
  /** km² of the layer's data coverage (null: no coverage recorded, the layer has never been loaded) */
  coverageKm2: number | null;
  /** who made the last load and when (from the audit log) */
  loadedBy: string | null;
  loadedByAt: Date | null;
}

export async function layerExtras(db: Knex): Promise<Map<string, LayerExtras>> {
  const areas = (await db('layer').select('id', db.raw('ST_Area(coverage) / 1e6 as "coverageKm2"'))) as Array<{
    id: string;
    coverageKm2: number | null;
  }>;
  const loads = (await db('audit_log')
    .distinctOn('entity_id')
    .where({ entity_type: 'layer', action: 'layer.load' })
    .orderBy([{ column: 'entity_id' }, { column: 'at', order: 'desc' }])
    .select('entity_id as id', 'actor', 'at')) as Array<{ id: string; actor: string; at: Date }>;
  const out = new Map<string, LayerExtras>();
  for (const a of areas)
    out.set(a.id, {
      coverageKm2: a.coverageKm2 === null ? null : Number(a.coverageKm2),
      loadedBy: null,
      loadedByAt: null,
    });
  for (const l of loads) {
    const e = out.get(l.id);
    if (e) Object.assign(e, { loadedBy: l.actor, loadedByAt: l.at });
  }
  return out;
}

/** The authority boundary's bounding box (EPSG:27700) for opening a map on it, or null with no boundary. */
export async function authorityExtent(db: Knex, authorityId: number): Promise<[number, number, number, number] | null> {
  const row = (await db('authority')
    .where({ id: authorityId })
    .whereNotNull('boundary')
    .first(
      db.raw('ST_XMin(boundary) AS x0'),
      db.raw('ST_YMin(boundary) AS y0'),
      db.raw('ST_XMax(boundary) AS x1'),
      db.raw('ST_YMax(boundary) AS y1'),
    )) as { x0: number; y0: number; x1: number; y1: number } | undefined;
  if (!row) return null;
  const e = [row.x0, row.y0, row.x1, row.y1].map(Number) as [number, number, number, number];
  return e.every(Number.isFinite) && e[0] < e[2] && e[1] < e[3] ? e : null;
}

export interface CasePlace {
  id: number;
  /** a point on the current site, else the case's location (EPSG:27700) */
  x: number;
  y: number;
  /** the current site's box, when it has a site */
  bbox: [number, number, number, number] | null;
}

/** Where each of these cases is on the map: a point on its current site or its location (cases with neither left out). */
export async function casePlaces(db: Knex, authorityId: number, ids: number[]): Promise<CasePlace[]> {
  if (!ids.length) return [];
  const rows = (await db('case_record as c')
    .leftJoin('case_site as s', function () {
      this.on('s.case_id', 'c.id').andOnNull('s.superseded_at');
    })
    .where('c.authority_id', authorityId)
    .whereIn('c.id', ids)
    .where((q) => q.whereNotNull('s.geom').orWhereNotNull('c.location'))
    .select(
      'c.id',
      db.raw('ST_X(COALESCE(ST_PointOnSurface(s.geom), c.location)) AS x'),
      db.raw('ST_Y(COALESCE(ST_PointOnSurface(s.geom), c.location)) AS y'),
      db.raw('ST_XMin(s.geom) AS x0'),
      db.raw('ST_YMin(s.geom) AS y0'),
      db.raw('ST_XMax(s.geom) AS x1'),
      db.raw('ST_YMax(s.geom) AS y1'),
    )) as Array<{
    id: number;
    x: number;
    y: number;
    x0: number | null;
    y0: number | null;
    x1: number | null;
    y1: number | null;
  }>;
  return rows.map((r) => ({
    id: Number(r.id),
    x: Number(r.x),
    y: Number(r.y),
    bbox: r.x0 === null ? null : ([r.x0, r.y0, r.x1, r.y1].map(Number) as [number, number, number, number]),
  }));
}
