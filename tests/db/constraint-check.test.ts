/**
 * The constraint check against real PostGIS, on local layers defined through POST /api/layers and loaded from
 * GeoJSON (legacy EPSG:27700 crs member) through the real loader (PUT /api/layers/:id/data, GDAL ogr2ogr).
 * Squares at exact offsets in EPSG:27700 around [533000, 179000] (inside Southwark), one 250 m cell per
 * scenario so no scenario sees another's features. Every overlap and distance the SQL returns is cross-checked
 * against JSTS (planar, on the same EPSG:27700 coordinates) to 1e-6 m² / 1e-6 m, and the report's values must
 * be the SQL's rounded to 0.001 m² / 0.001 m / 0.0001 % (issue 11; was 2 decimals).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlQuery } from '../../server/db/queries.ts';
import type { CheckRow } from '../../shared/domain/constraints.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import {
  jstsAreaM2,
  jstsDistanceM,
  jstsOverlapM2,
  type Geom,
  type MultiPolygonGeom,
  type PointGeom,
  type PolygonGeom,
  type Position,
} from '../helpers/planar.ts';
import { caseEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

// ---------------------------------------------------------------- geometry and fixtures

const rect = (x0: number, y0: number, x1: number, y1: number): PolygonGeom => ({
  type: 'Polygon',
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ],
  ],
});
const square = (x: number, y: number, side: number) => rect(x, y, x + side, y + side);
const point = (x: number, y: number): PointGeom => ({ type: 'Point', coordinates: [x, y] });
/** scenario cells, 250 m apart, all well inside Southwark */
const cell = (i: number, j: number) => ({ x: 533000 + 250 * i, y: 179000 - 250 * j });

// issue 11, item 2: the API's figures are to 0.001 m² / 0.001 m / 0.0001 % (were 2 decimals)
// (a value that is not 0 but would round to 0 is kept unrounded: never a false zero)
const keep = (v: number, r: number) => (r === 0 && v !== 0 ? v : r);
const round3 = (v: number) => keep(v, Math.round(v * 1000) / 1000);
const round4 = (v: number) => keep(v, Math.round(v * 10000) / 10000);

interface Fx {
  ref: string;
  geom: Geom;
}
const featureCollection27700 = (features: Fx[], extra: (f: Fx) => Record<string, unknown> = () => ({})) => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: features.map((f) => ({
    type: 'Feature',
    properties: { ref: f.ref, name: `Feature ${f.ref}`, ...extra(f) },
    geometry: f.geom,
  })),
});

const layerDef = (id: string, rule: Record<string, unknown>, geometryKind: 'polygon' | 'point' = 'polygon') => ({
  id,
  title: `Test layer ${id}`,
  category: 'local',
  dataset: null,
  geometryKind,
  rule,
  ruleReason: 'A test rule.',
  report: {
    positive: '{name} is {where}, {relation} ({overlap}; {distance}).',
    negative: `Nothing from ${id} applies.`,
  },
  style: { 'stroke-color': '#000000' },
  public: false,
  provenance: { source: 'tests', licence: 'OGL-3.0', attribution: 'Test data' },
  fieldMap: { reference: 'ref', name: 'name', properties: {} },
});

async function defineLayer(def: ReturnType<typeof layerDef>) {
  await t.as('gis').post('/api/layers').send({ definition: def }).expect(201);
}
async function uploadLayer(id: string, fc: unknown, query: Record<string, string> = {}) {
  const qs = new URLSearchParams({ filename: `${id}.geojson`, ...query }).toString();
  const res = await t
    .as('gis')
    .put(`/api/layers/${id}/data?${qs}`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .set('Prefer', 'wait=300')
    .send(JSON.stringify(fc));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.report as { dataVersion: number; loaded: number; pieces: number; skipped: Record<string, number> };
}

interface ReportHit {
  featureId: number;
  reference: string | null;
  relation: string;
  overlapM2: number;
  overlapPct: number;
  distanceM: number;
  fired: boolean;
  why: string;
}
interface ReportLayer {
  layerId: string;
  status: 'constraint' | 'clear' | 'unknown';
  sentence: string;
  caveats: string[];
  hits: ReportHit[];
}
interface Report {
  siteAreaM2: number;
  summary: Record<string, number>;
  layers: ReportLayer[];
}

/** every feature's geometry by reference, for the independent computation */
const FEATURES = new Map<string, Geom>();

async function ewkbOf(site: Geom): Promise<string> {
  const { rows } = await t.db.raw<{ rows: Array<{ e: string }> }>(
    `SELECT encode(ST_AsEWKB(ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700))), 'hex') AS e`,
    [JSON.stringify(site)],
  );
  return rows[0]!.e;
}

async function rawRows(site: Geom, layerIds: string[]): Promise<CheckRow[]> {
  const { rows } = await t.db.raw<{ rows: CheckRow[] }>(sqlQuery('constraint_check'), {
    site: await ewkbOf(site),
    layerIds,
  });
  return rows;
}

/**
 * The check through the API (site in EPSG:27700), plus the SQL's raw rows for the same site. Every raw hit is
 * cross-checked against JSTS, and every report hit must be the raw value rounded to 2 decimals.
 */
async function check(site: Geom, layers: string[]) {
  const res = await t.as('officer').post('/api/constraints/check').send({ site, crs: 'EPSG:27700', layers });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const report = res.body as Report;
  const raw = await rawRows(site, layers);
  const siteArea = jstsAreaM2(site);
  expect(Math.abs(report.siteAreaM2 - round3(siteArea))).toBeLessThan(1e-9);
  for (const r of raw) {
    expect(Math.abs(r.site_area_m2 - siteArea)).toBeLessThan(1e-6);
    if (r.feature_id === null) continue;
    const feature = FEATURES.get(r.source_ref!);
    expect(feature, `feature ${r.source_ref}`).toBeDefined();
    const overlap = feature!.type === 'Point' ? 0 : jstsOverlapM2(site, feature!);
    const distance = jstsDistanceM(site, feature!);
    expect(
      Math.abs(r.overlap_m2! - overlap),
      `overlap of ${r.source_ref}: SQL ${r.overlap_m2}, JSTS ${overlap}`,
    ).toBeLessThan(1e-6);
    expect(
      Math.abs(r.distance_m! - distance),
      `distance of ${r.source_ref}: SQL ${r.distance_m}, JSTS ${distance}`,
    ).toBeLessThan(1e-6);
    const hit = report.layers
      .find((l) => l.layerId === r.layer_id)!
      .hits.find((h) => h.featureId === Number(r.feature_id));
    expect(hit, `report hit for ${r.source_ref}`).toBeDefined();
    expect(hit!.overlapM2).toBe(round3(r.overlap_m2!));
    expect(hit!.distanceM).toBe(round3(r.distance_m!));
    expect(hit!.overlapPct).toBe(round4((r.overlap_m2! / r.site_area_m2) * 100));
  }
  return { report, raw };
}

const layerOf = (report: Report, id: string) => {
  const l = report.layers.find((x) => x.layerId === id);
  if (!l) throw new Error(`no layer ${id} in the report`);
  return l;
};
const hitOf = (report: Report, layerId: string, ref: string) => {
  const h = layerOf(report, layerId).hits.find((x) => x.reference === ref);
  if (!h)
    throw new Error(
      `no hit ${ref} in layer ${layerId}: ${JSON.stringify(layerOf(report, layerId).hits.map((x) => x.reference))}`,
    );
  return h;
};
const refs = (report: Report, layerId: string) =>
  layerOf(report, layerId)
    .hits.map((h) => h.reference)
    .sort();

// ---------------------------------------------------------------- the scenarios

const c = {
  within: cell(0, 0),
  straddle: cell(1, 0),
  inside: cell(2, 0),
  edge: cell(3, 0),
  sliver: cell(4, 0),
  pctAt: cell(5, 0),
  pctBelow: cell(6, 0),
  m2At: cell(7, 0),
  m2Above: cell(0, 1),
  m2Below: cell(1, 1),
  at20: cell(2, 1),
  beyond20: cell(3, 1),
  diag20: cell(4, 1),
  diagBeyond: cell(5, 1),
  multi: cell(6, 1),
  hole: cell(7, 1),
  points: cell(0, 2),
  huge: cell(4, 3),
  extent: cell(0, 4),
  broken: cell(1, 4),
};
const small = (p: { x: number; y: number }) => square(p.x, p.y, 10);
const big = (p: { x: number; y: number }) => square(p.x, p.y, 40);

const POLYGONS: Fx[] = [
  { ref: 'WITHIN', geom: rect(c.within.x - 20, c.within.y - 20, c.within.x + 30, c.within.y + 30) },
  { ref: 'STRADDLE', geom: rect(c.straddle.x + 7.5, c.straddle.y + 2.5, c.straddle.x + 30, c.straddle.y + 30) },
  { ref: 'INSIDE', geom: rect(c.inside.x + 2, c.inside.y + 2, c.inside.x + 5, c.inside.y + 6) },
  { ref: 'EDGE', geom: rect(c.edge.x + 10, c.edge.y, c.edge.x + 20, c.edge.y + 10) },
  { ref: 'CORNER', geom: rect(c.edge.x - 10, c.edge.y - 10, c.edge.x, c.edge.y) },
  // 1/16 m wide strips: exact in binary, so the overlaps below are exact
  { ref: 'SLIVER', geom: rect(c.sliver.x + 9.9375, c.sliver.y + 2, c.sliver.x + 20, c.sliver.y + 6) }, // 0.25 m², 0.25%
  { ref: 'PCT-AT', geom: rect(c.pctAt.x + 9.9375, c.pctAt.y + 1, c.pctAt.x + 20, c.pctAt.y + 9) }, // 0.5 m² = 0.5% of 100
  { ref: 'PCT-BELOW', geom: rect(c.pctBelow.x + 9.9375, c.pctBelow.y + 1, c.pctBelow.x + 20, c.pctBelow.y + 8) }, // 0.4375 m²
  { ref: 'M2-AT', geom: rect(c.m2At.x + 39.9375, c.m2At.y + 10, c.m2At.x + 50, c.m2At.y + 26) }, // 1 m² of 1600
  { ref: 'M2-ABOVE', geom: rect(c.m2Above.x + 39.9375, c.m2Above.y + 10, c.m2Above.x + 50, c.m2Above.y + 27) }, // 1.0625 m²
  { ref: 'M2-BELOW', geom: rect(c.m2Below.x + 39.9375, c.m2Below.y + 10, c.m2Below.x + 50, c.m2Below.y + 25) }, // 0.9375 m²
  { ref: 'AT20', geom: rect(c.at20.x + 30, c.at20.y, c.at20.x + 40, c.at20.y + 10) },
  { ref: 'BEYOND20', geom: rect(c.beyond20.x + 30.01, c.beyond20.y, c.beyond20.x + 40, c.beyond20.y + 10) },
  // corner to corner: (12, 16) → exactly 20 m; (12.006, 16.008) → 20.01 m
  { ref: 'DIAG20', geom: rect(c.diag20.x + 22, c.diag20.y + 26, c.diag20.x + 40, c.diag20.y + 45) },
  {
    ref: 'DIAG-BEYOND',
    geom: rect(c.diagBeyond.x + 22.006, c.diagBeyond.y + 26.008, c.diagBeyond.x + 40, c.diagBeyond.y + 45),
  },
  // multipart site: parts [0,10]² and [40,50]×[0,10]
  { ref: 'MULTI', geom: rect(c.multi.x + 4, c.multi.y + 2, c.multi.x + 43, c.multi.y + 9) }, // 42 + 21 m²
  { ref: 'COVER-B', geom: rect(c.multi.x + 35, c.multi.y - 5, c.multi.x + 55, c.multi.y + 15) },
  { ref: 'COVER-ALL', geom: rect(c.multi.x - 5, c.multi.y - 5, c.multi.x + 55, c.multi.y + 15) },
  { ref: 'BETWEEN', geom: rect(c.multi.x + 20, c.multi.y + 2, c.multi.x + 30, c.multi.y + 8) },
  // site with a hole: [0,40]² less [10,30]²
  { ref: 'IN-HOLE', geom: rect(c.hole.x + 15, c.hole.y + 15, c.hole.x + 25, c.hole.y + 25) },
  { ref: 'STRIP', geom: rect(c.hole.x - 5, c.hole.y + 15, c.hole.x + 45, c.hole.y + 25) },
  { ref: 'OVER-HOLE', geom: rect(c.hole.x - 5, c.hole.y - 5, c.hole.x + 45, c.hole.y + 45) },
];
const multiSite: MultiPolygonGeom = {
  type: 'MultiPolygon',
  coordinates: [small(c.multi).coordinates, square(c.multi.x + 40, c.multi.y, 10).coordinates],
};
const holeSite: PolygonGeom = {
  type: 'Polygon',
  coordinates: [
    big(c.hole).coordinates[0]!,
    rect(c.hole.x + 10, c.hole.y + 10, c.hole.x + 30, c.hole.y + 30).coordinates[0]!,
  ],
};

const p = c.points;
const POINTS: Fx[] = [
  { ref: 'P-IN', geom: point(p.x + 5, p.y + 5) },
  { ref: 'P-EDGE', geom: point(p.x + 10, p.y + 3) },
  { ref: 'P-CORNER', geom: point(p.x, p.y) },
  { ref: 'P-NEAR7', geom: point(p.x + 17, p.y + 5) },
  { ref: 'P-AT20', geom: point(p.x + 30, p.y + 5) },
  { ref: 'P-BEYOND', geom: point(p.x + 5, p.y + 30.01) },
];

/** a star-shaped ("noisy circle") polygon of n vertices around (cx, cy), seeded, coordinates to the millimetre */
function noisyCircle(cx: number, cy: number, r: number, n: number, seed: number): PolygonGeom {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const ring: Position[] = [];
  for (let k = 0; k < n; k++) {
    const a = (2 * Math.PI * k) / n;
    const rr = r + 1.5 * Math.sin(37 * a) + (rand() - 0.5);
    ring.push([Number((cx + rr * Math.cos(a)).toFixed(3)), Number((cy + rr * Math.sin(a)).toFixed(3))]);
  }
  ring.push(ring[0]!);
  return { type: 'Polygon', coordinates: [ring] };
}
const h = c.huge;
const HUGE: Fx = { ref: 'HUGE', geom: noisyCircle(h.x, h.y, 100, 20_000, 42) };

const EXTENT_FEATURE: Fx = { ref: 'EXT', geom: rect(c.extent.x, c.extent.y, c.extent.x + 100, c.extent.y + 100) };
const BROKEN_FEATURE: Fx = { ref: 'BROKEN-1', geom: small(c.broken) };

beforeAll(async () => {
  for (const f of [...POLYGONS, ...POINTS, HUGE, EXTENT_FEATURE, BROKEN_FEATURE]) FEATURES.set(f.ref, f.geom);
  await defineLayer(layerDef('t-int', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 }));
  await defineLayer(layerDef('t-near', { kind: 'within', distanceM: 20 }));
  await defineLayer(layerDef('t-pt-int', { kind: 'intersects' }, 'point'));
  await defineLayer(layerDef('t-pt-near', { kind: 'within', distanceM: 20 }, 'point'));
  await defineLayer(layerDef('t-huge', { kind: 'within', distanceM: 20 }));
  await defineLayer(layerDef('t-empty', { kind: 'intersects' }));
  await defineLayer(layerDef('t-extent', { kind: 'intersects' }));
  await defineLayer(layerDef('t-broken', { kind: 'within', distanceM: 20 }));
  await uploadLayer('t-int', featureCollection27700(POLYGONS));
  await uploadLayer('t-near', featureCollection27700(POLYGONS));
  await uploadLayer('t-pt-int', featureCollection27700(POINTS));
  await uploadLayer('t-pt-near', featureCollection27700(POINTS));
  await uploadLayer('t-huge', featureCollection27700([HUGE]));
  await uploadLayer('t-extent', featureCollection27700([EXTENT_FEATURE]), { coverage: 'extent' });
  await uploadLayer('t-broken', featureCollection27700([BROKEN_FEATURE]));
});

const BOTH = ['t-int', 't-near'];

// ---------------------------------------------------------------- polygons, both rule kinds

describe('polygon features under an intersects rule (1 m² or 0.5%) and a within-20 m rule', () => {
  it('loads the squares exactly as written (legacy EPSG:27700 crs member, no reprojection)', async () => {
    const { rows } = await t.db.raw<{ rows: Array<{ source_ref: string; wkt: string }> }>(
      `SELECT source_ref, ST_AsText(geom) AS wkt FROM constraint_feature WHERE layer_id = 't-int' AND source_ref IN ('PCT-AT', 'DIAG-BEYOND') ORDER BY source_ref`,
    );
    expect(rows.map((r) => r.source_ref)).toEqual(['DIAG-BEYOND', 'PCT-AT']);
    expect(rows[1]!.wkt).toBe(
      `POLYGON((${c.pctAt.x + 9.9375} ${c.pctAt.y + 1},${c.pctAt.x + 20} ${c.pctAt.y + 1},${c.pctAt.x + 20} ${c.pctAt.y + 9},${c.pctAt.x + 9.9375} ${c.pctAt.y + 9},${c.pctAt.x + 9.9375} ${c.pctAt.y + 1}))`,
    );
  });

  it('reports a site inside a feature as site-within-feature with 100% overlap, fired for both rules', async () => {
    const { report } = await check(small(c.within), BOTH);
    for (const id of BOTH) {
      expect(layerOf(report, id).status).toBe('constraint');
      expect(refs(report, id)).toEqual(['WITHIN']);
      expect(hitOf(report, id, 'WITHIN')).toMatchObject({
        relation: 'site-within-feature',
        overlapM2: 100,
        overlapPct: 100,
        distanceM: 0,
        fired: true,
      });
    }
  });

  it('reports a feature straddling the site edge as overlaps with the exact area and share (18.75 m², 18.75%)', async () => {
    const { report } = await check(small(c.straddle), BOTH);
    for (const id of BOTH)
      expect(hitOf(report, id, 'STRADDLE')).toMatchObject({
        relation: 'overlaps',
        overlapM2: 18.75,
        overlapPct: 18.75,
        distanceM: 0,
        fired: true,
      });
    expect(layerOf(report, 't-int').sentence).toContain('18.8 m², 18.8% of the site');
  });

  it('reports a feature inside the site as feature-within-site (12 m², 12%)', async () => {
    const { report } = await check(small(c.inside), BOTH);
    for (const id of BOTH)
      expect(hitOf(report, id, 'INSIDE')).toMatchObject({
        relation: 'feature-within-site',
        overlapM2: 12,
        overlapPct: 12,
        distanceM: 0,
        fired: true,
      });
  });

  it('reports a feature sharing an edge (or only a corner) as touches with distance 0 and overlap 0: not fired for intersects, fired for within', async () => {
    const { report } = await check(small(c.edge), BOTH);
    for (const ref of ['EDGE', 'CORNER']) {
      expect(hitOf(report, 't-int', ref)).toMatchObject({
        relation: 'touches',
        overlapM2: 0,
        overlapPct: 0,
        distanceM: 0,
        fired: false,
      });
      expect(hitOf(report, 't-near', ref)).toMatchObject({
        relation: 'touches',
        overlapM2: 0,
        distanceM: 0,
        fired: true,
      });
    }
    expect(layerOf(report, 't-int').status).toBe('clear');
    expect(layerOf(report, 't-int').sentence).toBe('Nothing from t-int applies.');
    expect(hitOf(report, 't-int', 'EDGE').why).toContain('only shares a boundary with the site');
    expect(layerOf(report, 't-near').status).toBe('constraint');
  });

  it('does not fire for a sliver below both thresholds (0.25 m², 0.25% of a 100 m² site), but the within rule does', async () => {
    const { report } = await check(small(c.sliver), BOTH);
    expect(hitOf(report, 't-int', 'SLIVER')).toMatchObject({
      relation: 'overlaps',
      overlapM2: 0.25,
      overlapPct: 0.25,
      fired: false,
    });
    expect(hitOf(report, 't-int', 'SLIVER').why).toContain('digitising sliver');
    expect(layerOf(report, 't-int').status).toBe('clear');
    expect(hitOf(report, 't-near', 'SLIVER').fired).toBe(true);
  });

  it('fires at exactly 0.5% of a 100 m² site (0.5 m²) but not at 0.4375%', async () => {
    const at = await check(small(c.pctAt), ['t-int']);
    expect(hitOf(at.report, 't-int', 'PCT-AT')).toMatchObject({ overlapM2: 0.5, overlapPct: 0.5, fired: true });
    expect(at.raw.find((r) => r.source_ref === 'PCT-AT')!.overlap_m2).toBe(0.5);
    expect(layerOf(at.report, 't-int').status).toBe('constraint');
    const below = await check(small(c.pctBelow), ['t-int']);
    expect(hitOf(below.report, 't-int', 'PCT-BELOW')).toMatchObject({
      overlapM2: 0.438, // issue 11: to 0.001 m² / 0.0001 % (were 0.44)
      overlapPct: 0.4375,
      fired: false,
    });
    expect(layerOf(below.report, 't-int').status).toBe('clear');
  });

  it('fires at exactly 1 m² and just above it (1.0625 m²) on a 1600 m² site although under 0.5%, not at 0.9375 m²', async () => {
    const at = await check(big(c.m2At), ['t-int']);
    expect(at.raw.find((r) => r.source_ref === 'M2-AT')!.overlap_m2).toBe(1);
    expect(hitOf(at.report, 't-int', 'M2-AT')).toMatchObject({ overlapM2: 1, overlapPct: 0.0625, fired: true });
    const above = await check(big(c.m2Above), ['t-int']);
    expect(hitOf(above.report, 't-int', 'M2-ABOVE')).toMatchObject({ overlapM2: 1.063, fired: true });
    expect(layerOf(above.report, 't-int').status).toBe('constraint');
    const below = await check(big(c.m2Below), ['t-int']);
    expect(hitOf(below.report, 't-int', 'M2-BELOW')).toMatchObject({
      overlapM2: 0.938,
      overlapPct: 0.0586,
      fired: false,
    });
    expect(layerOf(below.report, 't-int').status).toBe('clear');
  });

  it('fires a within-20 m layer for a feature exactly 20 m away (distanceM = 20) but not 20.01 m away (no hit at all)', async () => {
    const at = await check(small(c.at20), BOTH);
    expect(at.raw.find((r) => r.source_ref === 'AT20')!.distance_m).toBe(20);
    expect(hitOf(at.report, 't-near', 'AT20')).toMatchObject({
      relation: 'near',
      distanceM: 20,
      overlapM2: 0,
      fired: true,
    });
    expect(layerOf(at.report, 't-near').status).toBe('constraint');
    expect(layerOf(at.report, 't-int').hits).toEqual([]);
    expect(layerOf(at.report, 't-int').status).toBe('clear');
    const beyond = await check(small(c.beyond20), BOTH);
    expect(layerOf(beyond.report, 't-near').hits).toEqual([]);
    expect(layerOf(beyond.report, 't-near').status).toBe('clear');
    expect(beyond.raw.filter((r) => r.feature_id !== null)).toEqual([]);
    // the independent distance says why: 20.01 m
    expect(jstsDistanceM(small(c.beyond20), FEATURES.get('BEYOND20')!)).toBeCloseTo(20.01, 6);
  });

  it('fires for a feature exactly 20 m away diagonally (corner to corner, 12-16-20) but not 20.01 m away', async () => {
    const at = await check(small(c.diag20), ['t-near']);
    expect(at.raw.find((r) => r.source_ref === 'DIAG20')!.distance_m).toBe(20);
    expect(hitOf(at.report, 't-near', 'DIAG20')).toMatchObject({ relation: 'near', distanceM: 20, fired: true });
    const beyond = await check(small(c.diagBeyond), ['t-near']);
    expect(layerOf(beyond.report, 't-near').hits).toEqual([]);
    expect(jstsDistanceM(small(c.diagBeyond), FEATURES.get('DIAG-BEYOND')!)).toBeCloseTo(20.01, 6);
  });
});

describe('multipart sites and sites with holes', () => {
  it('sums the overlap over the parts of a multipart site (42 + 21 = 63 m², 31.5% of 200 m²)', async () => {
    const { report } = await check(multiSite, BOTH);
    expect(report.siteAreaM2).toBe(200);
    expect(hitOf(report, 't-int', 'MULTI')).toMatchObject({
      relation: 'overlaps',
      overlapM2: 63,
      overlapPct: 31.5,
      fired: true,
    });
  });

  it('says overlaps, not site-within-feature, for a feature covering one part of a multipart site whole (100 m², 50%)', async () => {
    const { report } = await check(multiSite, BOTH);
    expect(hitOf(report, 't-int', 'COVER-B')).toMatchObject({
      relation: 'overlaps',
      overlapM2: 100,
      overlapPct: 50,
      fired: true,
    });
    expect(hitOf(report, 't-int', 'COVER-ALL')).toMatchObject({
      relation: 'site-within-feature',
      overlapM2: 200,
      overlapPct: 100,
      fired: true,
    });
  });

  it('measures the distance of a feature between the parts to the nearer part (10 m): near for within, no hit for intersects', async () => {
    const { report } = await check(multiSite, BOTH);
    expect(hitOf(report, 't-near', 'BETWEEN')).toMatchObject({
      relation: 'near',
      distanceM: 10,
      overlapM2: 0,
      fired: true,
    });
    expect(refs(report, 't-int')).toEqual(['COVER-ALL', 'COVER-B', 'MULTI']);
    expect(refs(report, 't-near')).toEqual(['BETWEEN', 'COVER-ALL', 'COVER-B', 'MULTI']);
  });

  it('treats a feature in the hole of a site as near, 5 m from the hole edge, not on the site', async () => {
    const { report } = await check(holeSite, BOTH);
    expect(report.siteAreaM2).toBe(1200);
    expect(hitOf(report, 't-near', 'IN-HOLE')).toMatchObject({
      relation: 'near',
      distanceM: 5,
      overlapM2: 0,
      fired: true,
    });
    expect(refs(report, 't-int')).toEqual(['OVER-HOLE', 'STRIP']);
  });

  it('excludes the hole from the overlap: a strip across the hole overlaps 200 m², not 400; a feature over the whole outline is 100%', async () => {
    const { report } = await check(holeSite, BOTH);
    expect(hitOf(report, 't-int', 'STRIP')).toMatchObject({
      relation: 'overlaps',
      overlapM2: 200,
      overlapPct: 16.6667,
      fired: true,
    });
    expect(hitOf(report, 't-int', 'OVER-HOLE')).toMatchObject({
      relation: 'site-within-feature',
      overlapM2: 1200,
      overlapPct: 100,
      fired: true,
    });
  });
});

describe('point features', () => {
  const PT = ['t-pt-int', 't-pt-near'];
  it('fires an intersects rule for a point in the site (feature-within-site) or on its edge or corner (touches), not near it', async () => {
    const { report } = await check(small(c.points), PT);
    expect(refs(report, 't-pt-int')).toEqual(['P-CORNER', 'P-EDGE', 'P-IN']);
    expect(hitOf(report, 't-pt-int', 'P-IN')).toMatchObject({
      relation: 'feature-within-site',
      distanceM: 0,
      overlapM2: 0,
      fired: true,
    });
    expect(hitOf(report, 't-pt-int', 'P-EDGE')).toMatchObject({ relation: 'touches', distanceM: 0, fired: true });
    expect(hitOf(report, 't-pt-int', 'P-CORNER')).toMatchObject({ relation: 'touches', distanceM: 0, fired: true });
    expect(hitOf(report, 't-pt-int', 'P-IN').why).toContain('It lies on the site.');
    expect(layerOf(report, 't-pt-int').status).toBe('constraint');
  });

  it('fires a within-20 m rule for points 7 m and exactly 20 m away, not 20.01 m away', async () => {
    const { report } = await check(small(c.points), PT);
    expect(refs(report, 't-pt-near')).toEqual(['P-AT20', 'P-CORNER', 'P-EDGE', 'P-IN', 'P-NEAR7']);
    expect(hitOf(report, 't-pt-near', 'P-NEAR7')).toMatchObject({ relation: 'near', distanceM: 7, fired: true });
    expect(hitOf(report, 't-pt-near', 'P-AT20')).toMatchObject({ relation: 'near', distanceM: 20, fired: true });
    expect(hitOf(report, 't-pt-near', 'P-NEAR7').why).toContain('7 m from the red line');
  });
});

describe('a huge polygon (20,000-vertex noisy circle)', () => {
  const featureId = async () => Number((await t.db('constraint_feature').where({ layer_id: 't-huge' }).first('id')).id);

  it('is subdivided into pieces of at most 256 vertices whose areas add up to the feature', async () => {
    const id = await featureId();
    const { rows } = await t.db.raw<{
      rows: Array<{ n: string; maxv: number; piece_area: number; area: number; npoints: number }>;
    }>(
      `SELECT count(*) AS n, max(ST_NPoints(p.geom)) AS maxv, sum(ST_Area(p.geom)) AS piece_area,
              (SELECT ST_Area(geom) FROM constraint_feature WHERE id = ?) AS area, (SELECT ST_NPoints(geom) FROM constraint_feature WHERE id = ?) AS npoints
       FROM constraint_piece p WHERE p.feature_id = ?`,
      [id, id, id],
    );
    const r = rows[0]!;
    expect(r.npoints).toBe(20_001);
    expect(Number(r.n)).toBeGreaterThanOrEqual(Math.ceil(20_000 / 256));
    expect(r.maxv).toBeLessThanOrEqual(256);
    expect(Math.abs(r.piece_area - r.area)).toBeLessThan(1e-6);
    expect(Math.abs(r.area - jstsAreaM2(HUGE.geom))).toBeLessThan(1e-6);
  });

  const sites: Array<[string, Geom, string]> = [
    ['a site inside it across several pieces', square(h.x - 30, h.y - 30, 60), 'site-within-feature'],
    ['a site straddling its noisy edge', square(h.x + 90, h.y - 10, 20), 'overlaps'],
    ['a site 10-odd metres outside it', square(h.x + 112, h.y - 10, 6), 'near'],
  ];
  for (const [what, site, relation] of sites) {
    it(`gives the same overlap and distance from the pieces as PostGIS and JSTS on the whole feature, for ${what}`, async () => {
      const id = await featureId();
      const { report, raw } = await check(site, ['t-huge']);
      const row = raw.find((r) => r.source_ref === 'HUGE');
      expect(row).toBeDefined();
      const { rows } = await t.db.raw<{ rows: Array<{ a: number; d: number }> }>(
        `SELECT ST_Area(ST_Intersection(f.geom, s.g)) AS a, ST_Distance(f.geom, s.g) AS d
         FROM constraint_feature f, (SELECT ST_SetSRID(ST_GeomFromGeoJSON(?), 27700) AS g) s WHERE f.id = ?`,
        [JSON.stringify(site), id],
      );
      expect(Math.abs(row!.overlap_m2! - rows[0]!.a)).toBeLessThan(1e-6);
      expect(Math.abs(row!.distance_m! - rows[0]!.d)).toBeLessThan(1e-6);
      expect(hitOf(report, 't-huge', 'HUGE')).toMatchObject({ relation, fired: true });
      if (relation === 'overlaps') expect(row!.overlap_m2!).toBeGreaterThan(10);
      if (relation === 'near') expect(row!.distance_m!).toBeGreaterThan(5);
    });
  }

  it('needs several pieces for the inside site (so the sum over pieces is really tested)', async () => {
    const { rows } = await t.db.raw<{ rows: Array<{ n: string }> }>(
      `SELECT count(*) AS n FROM constraint_piece WHERE layer_id = 't-huge' AND ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON(?), 27700))`,
      [JSON.stringify(square(h.x - 30, h.y - 30, 60))],
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(1);
  });
});

// ---------------------------------------------------------------- unknown

describe('status unknown, never clear, when Redline cannot know', () => {
  it('is unknown for a layer that has never been loaded', async () => {
    const { report } = await check(small(c.within), ['t-empty', 't-int']);
    expect(layerOf(report, 't-empty').status).toBe('unknown');
    expect(layerOf(report, 't-empty').sentence).toContain('No data has been loaded');
    expect(layerOf(report, 't-int').status).toBe('constraint');
  });

  it('is unknown for a site outside the data extent of a layer loaded with coverage=extent, clear inside it, constraint on a feature', async () => {
    const e = c.extent;
    const far = await check(small(cell(6, 5)), ['t-extent']);
    expect(layerOf(far.report, 't-extent').status).toBe('unknown');
    expect(layerOf(far.report, 't-extent').sentence).toContain('does not cover the whole site');
    expect(far.raw[0]!.covered).toBe(false);
    const nearby = await check(square(e.x + 120, e.y, 10), ['t-extent']);
    expect(nearby.raw[0]!.covered).toBe(true);
    expect(layerOf(nearby.report, 't-extent').status).toBe('clear');
    const on = await check(square(e.x + 20, e.y + 20, 10), ['t-extent']);
    expect(layerOf(on.report, 't-extent').status).toBe('constraint');
  });

  it('is a constraint with a caveat when a fired feature is found but part of the site is outside the coverage', async () => {
    const e = c.extent;
    // the coverage ends 50 m beyond the feature (x + 150); this site runs to x + 160
    const { report } = await check(square(e.x + 90, e.y + 20, 70), ['t-extent']);
    const l = layerOf(report, 't-extent');
    expect(l.status).toBe('constraint');
    expect(hitOf(report, 't-extent', 'EXT')).toMatchObject({ relation: 'overlaps', overlapM2: 700, fired: true });
    expect(l.caveats).toContain("Part of the site is outside this layer's data coverage: there may be more.");
  });

  it('is unknown for a layer whose query fails (its rule corrupted in the layer table), while the other layers still answer', async () => {
    const before = await check(small(c.straddle), ['t-broken', ...BOTH]);
    expect(layerOf(before.report, 't-broken').status).toBe('clear');
    await t.db.raw(
      `UPDATE layer SET definition = jsonb_set(definition, '{rule,distanceM}', '"twenty"') WHERE id = 't-broken'`,
    );
    try {
      const res = await t
        .as('officer')
        .post('/api/constraints/check')
        .send({ site: small(c.straddle), crs: 'EPSG:27700', layers: ['t-broken', ...BOTH] });
      expect(res.status).toBe(200);
      const report = res.body as Report;
      const broken = layerOf(report, 't-broken');
      expect(broken.status).toBe('unknown');
      expect(broken.sentence).toMatch(/^Could not check this layer: .*twenty/);
      expect(broken.hits).toEqual([]);
      for (const id of BOTH) {
        expect(layerOf(report, id).status).toBe('constraint');
        expect(hitOf(report, id, 'STRADDLE')).toMatchObject({ relation: 'overlaps', overlapM2: 18.75, fired: true });
      }
      expect(report.summary).toEqual({ constraint: 2, clear: 0, unknown: 1 });
      // a check without the broken layer is not affected at all
      const other = await check(small(c.straddle), BOTH);
      expect(other.report.summary).toEqual({ constraint: 2, clear: 0, unknown: 0 });
    } finally {
      await t.db.raw(
        `UPDATE layer SET definition = jsonb_set(definition, '{rule,distanceM}', '20') WHERE id = 't-broken'`,
      );
    }
    const after = await check(small(c.straddle), ['t-broken']);
    expect(layerOf(after.report, 't-broken').status).toBe('clear');
  });

  it('answers for every built-in layer when no layers are named: unknown for all of them (no data in this database)', async () => {
    const res = await t
      .as('officer')
      .post('/api/constraints/check')
      .send({ site: small(c.within), crs: 'EPSG:27700' });
    expect(res.status).toBe(200);
    const report = res.body as Report;
    const builtin = report.layers.filter((l) => !l.layerId.startsWith('t-'));
    expect(builtin.length).toBeGreaterThanOrEqual(20);
    for (const l of builtin) expect(l.status, l.layerId).toBe('unknown');
    expect(layerOf(report, 't-int').status).toBe('constraint');
  });
});

// ---------------------------------------------------------------- stored checks

describe('stored checks on a case', () => {
  const s = cell(0, 6);
  const site = small(s);
  const V1 = {
    int: [
      { ref: 'R1', geom: rect(s.x + 5, s.y - 10, s.x + 30, s.y + 20) }, // 50 m², 50%
      { ref: 'R2', geom: rect(s.x - 10, s.y, s.x, s.y + 10) }, // touches
    ],
    near: [{ ref: 'Q1', geom: rect(s.x + 20, s.y, s.x + 30, s.y + 10) }], // 10 m
  };
  const V2 = {
    int: [
      { ref: 'R1', geom: rect(s.x + 7.5, s.y - 10, s.x + 30, s.y + 20) }, // 25 m², 25%
      { ref: 'R3', geom: rect(s.x + 1, s.y + 1, s.x + 3, s.y + 3) }, // inside, 4 m²
    ],
    near: [{ ref: 'Q1', geom: rect(s.x + 35, s.y, s.x + 45, s.y + 10) }], // 25 m: out of range
  };
  const note = (v: string) => () => ({ note: v });
  let caseId = 0;
  let stored: Record<string, unknown> & {
    id: number;
    hits: Array<Record<string, unknown> & { id: number; reference: string; layerId: string }>;
  };

  beforeAll(async () => {
    await defineLayer(layerDef('t-st-int', { kind: 'intersects', minOverlapM2: 1, minOverlapPct: 0.5 }));
    await defineLayer(layerDef('t-st-near', { kind: 'within', distanceM: 20 }));
    await uploadLayer('t-st-int', featureCollection27700(V1.int, note('first')));
    await uploadLayer('t-st-near', featureCollection27700(V1.near, note('first')));
    const created = await t
      .as('officer')
      .post('/api/cases')
      .send({ kind: 'application', applicationType: 'full', description: 'Rear extension', receivedDate: '2024-03-01' })
      .expect(201);
    caseId = created.body.id;
    await t
      .as('officer')
      .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, caseId))
      .send({ geometry: site })
      .expect(200);
  });

  it('stores the report with its hits, feature snapshots (geometry and properties) and layer versions', async () => {
    const res = await t
      .as('officer')
      .post(`/api/cases/${caseId}/constraint-checks`)
      .send({ layers: ['t-st-int', 't-st-near'] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    stored = res.body;
    const report = stored.report as Report;
    expect(layerOf(report, 't-st-int').status).toBe('constraint');
    expect(hitOf(report, 't-st-int', 'R1')).toMatchObject({
      relation: 'overlaps',
      overlapM2: 50,
      overlapPct: 50,
      fired: true,
    });
    expect(hitOf(report, 't-st-int', 'R2')).toMatchObject({ relation: 'touches', fired: false });
    expect(hitOf(report, 't-st-near', 'Q1')).toMatchObject({ relation: 'near', distanceM: 10, fired: true });
    expect((stored.layers as Array<{ id: string; dataVersion: number }>).map((l) => [l.id, l.dataVersion])).toEqual([
      ['t-st-int', 1],
      ['t-st-near', 1],
    ]);
    expect(stored.hits.map((x) => [x.layerId, x.reference, x.relation, x.fired]).sort()).toEqual([
      ['t-st-int', 'R1', 'overlaps', true],
      ['t-st-int', 'R2', 'touches', false],
      ['t-st-near', 'Q1', 'near', true],
    ]);
    const r1 = stored.hits.find((x) => x.reference === 'R1')!;
    expect(r1.properties).toEqual({ ref: 'R1', name: 'Feature R1', note: 'first' });
    expect(r1).toMatchObject({
      featureKey: 'R1',
      dataVersion: 1,
      overlapM2: 50,
      overlapPct: 50,
      distanceM: 0,
      decision: null,
    });
    // the snapshot is the feature itself (it lies within 500 m of the site)
    const { rows } = await t.db.raw<{ rows: Array<{ same: boolean; geojson: unknown }> }>(
      `SELECT ST_Equals(h.feature_geom, ST_SetSRID(ST_GeomFromGeoJSON(?), 27700)) AS same,
              ST_AsGeoJSON(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), 27700), 4326), 7)::json AS geojson
       FROM constraint_hit h WHERE h.id = ?`,
      [JSON.stringify(V1.int[0]!.geom), JSON.stringify(V1.int[0]!.geom), r1.id],
    );
    expect(rows[0]!.same).toBe(true);
    expect(r1.geometry).toEqual(rows[0]!.geojson);
    const got = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${stored.id}`).expect(200);
    expect(got.body).toEqual(stored);
    const list = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks`).expect(200);
    expect(list.body.items.map((i: { id: number }) => i.id)).toEqual([stored.id]);
  });

  it('shows a stored check exactly as it was after the layers are reloaded with different data', async () => {
    await uploadLayer('t-st-int', featureCollection27700(V2.int, note('second')));
    await uploadLayer('t-st-near', featureCollection27700(V2.near, note('second')));
    // the old features are gone from the live layer
    expect(await t.db('constraint_feature').where({ layer_id: 't-st-int' }).pluck('source_ref')).toEqual(
      expect.arrayContaining(['R1', 'R3']),
    );
    expect(await t.db('constraint_feature').where({ layer_id: 't-st-int', source_ref: 'R2' }).first()).toBeUndefined();
    const got = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${stored.id}`).expect(200);
    // exactly as it was, except that it is now marked stale (issue 11, item 4): both its layers were reloaded since
    expect({ ...got.body, stale: stored.stale, staleBecause: stored.staleBecause }).toEqual(stored);
    expect(stored.stale).toBe(false);
    expect(got.body.stale).toBe(true);
    expect(got.body.staleBecause.map((b: { reason: string; layerId: string }) => `${b.reason} ${b.layerId}`)).toEqual([
      'layer-reloaded t-st-int',
      'layer-reloaded t-st-near',
    ]);
    expect(got.body.hits.find((x: { reference: string }) => x.reference === 'R1').properties.note).toBe('first');
  });

  it('re-runs a stored check: the new report, linked to the old one, and the changes (added, removed, changed hits; status changes)', async () => {
    const res = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks/${stored.id}/rerun`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { check: rerun, changes } = res.body as {
      check: { id: number; previousId: number; report: Report; layers: Array<{ id: string; dataVersion: number }> };
      changes: { statusChanges: unknown[]; hitChanges: Array<{ layerId: string; key: string; change: string }> };
    };
    expect(rerun.previousId).toBe(stored.id);
    expect(rerun.id).not.toBe(stored.id);
    expect(rerun.layers.map((l) => [l.id, l.dataVersion])).toEqual([
      ['t-st-int', 2],
      ['t-st-near', 2],
    ]);
    expect(layerOf(rerun.report, 't-st-int').status).toBe('constraint');
    expect(hitOf(rerun.report, 't-st-int', 'R1')).toMatchObject({ relation: 'overlaps', overlapM2: 25, fired: true });
    expect(hitOf(rerun.report, 't-st-int', 'R3')).toMatchObject({
      relation: 'feature-within-site',
      overlapM2: 4,
      fired: true,
    });
    expect(layerOf(rerun.report, 't-st-near').status).toBe('clear');
    expect(changes.statusChanges).toEqual([{ layerId: 't-st-near', before: 'constraint', after: 'clear' }]);
    const key = (x: { layerId: string; key: string; change: string }) => `${x.layerId} ${x.key} ${x.change}`;
    expect([...changes.hitChanges].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([
      {
        layerId: 't-st-int',
        key: 'R1',
        change: 'changed',
        before: { relation: 'overlaps', distanceM: 0, overlapM2: 50, fired: true },
        after: { relation: 'overlaps', distanceM: 0, overlapM2: 25, fired: true },
      },
      {
        layerId: 't-st-int',
        key: 'R2',
        change: 'removed',
        before: { relation: 'touches', distanceM: 0, overlapM2: 0, fired: false },
        after: null,
      },
      {
        layerId: 't-st-int',
        key: 'R3',
        change: 'added',
        before: null,
        after: { relation: 'feature-within-site', distanceM: 0, overlapM2: 4, fired: true },
      },
      {
        layerId: 't-st-near',
        key: 'Q1',
        change: 'removed',
        before: { relation: 'near', distanceM: 10, overlapM2: 0, fired: true },
        after: null,
      },
    ]);
    // the original is still there, unchanged (but for being marked stale: its layers were reloaded since)
    const got = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${stored.id}`).expect(200);
    expect({ ...got.body, stale: stored.stale, staleBecause: stored.staleBecause }).toEqual(stored);
    expect(got.body.stale).toBe(true);
  });

  it('records a confirm or dismiss decision with its reason on the hit and in the audit log', async () => {
    const r1 = stored.hits.find((x) => x.reference === 'R1')!;
    const r2 = stored.hits.find((x) => x.reference === 'R2')!;
    const url = (hitId: number) => `/api/cases/${caseId}/constraint-checks/${stored.id}/hits/${hitId}`;
    const ok = await t
      .as('officer')
      .patch(url(r1.id))
      .send({ decision: 'confirmed', reason: 'Checked against the 1:1250 plan' });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toEqual({ id: r1.id, decision: 'confirmed', reason: 'Checked against the 1:1250 plan' });
    await t
      .as('officer')
      .patch(url(r2.id))
      .send({ decision: 'dismissed', reason: 'Shares the boundary wall only' })
      .expect(200);
    const audit = await t
      .db('audit_log')
      .where({ action: 'constraint-hit.decide' })
      .orderBy('id')
      .select('actor', 'entity_type', 'entity_id', 'before', 'after');
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({
      actor: 'officer.user',
      entity_type: 'constraint_hit',
      entity_id: String(r1.id),
      before: { decision: null, reason: null },
      after: {
        decision: 'confirmed',
        reason: 'Checked against the 1:1250 plan',
        layerId: 't-st-int',
        feature: 'R1',
        checkId: stored.id,
      },
    });
    expect(audit[1]).toMatchObject({
      entity_id: String(r2.id),
      after: { decision: 'dismissed', reason: 'Shares the boundary wall only' },
    });
    const got = await t.as('officer').get(`/api/cases/${caseId}/constraint-checks/${stored.id}`).expect(200);
    expect(got.body.hits.find((x: { id: number }) => x.id === r1.id)).toMatchObject({
      decision: 'confirmed',
      decisionReason: 'Checked against the 1:1250 plan',
      decidedBy: 'officer.user',
    });
    expect(got.body.hits.find((x: { id: number }) => x.id === r2.id)).toMatchObject({
      decision: 'dismissed',
      decidedBy: 'officer.user',
    });
  });

  it('refuses a decision reason shorter than 3 characters (after trimming) with 400, changing nothing', async () => {
    const r1 = stored.hits.find((x) => x.reference === 'R1')!;
    const auditBefore = await t.db('audit_log').where({ action: 'constraint-hit.decide' }).count({ n: '*' });
    for (const reason of ['no', '  ab  ', '']) {
      const res = await t
        .as('officer')
        .patch(`/api/cases/${caseId}/constraint-checks/${stored.id}/hits/${r1.id}`)
        .send({ decision: 'dismissed', reason });
      expect(res.status, reason).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const auditAfter = await t.db('audit_log').where({ action: 'constraint-hit.decide' }).count({ n: '*' });
    expect(auditAfter).toEqual(auditBefore);
    expect(await t.db('constraint_hit').where({ id: r1.id }).first('decision', 'decision_reason')).toEqual({
      decision: 'confirmed',
      decision_reason: 'Checked against the 1:1250 plan',
    });
  });
});
