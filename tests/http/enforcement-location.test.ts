/**
 * Enforcement cases located at a point (issue 11 item 7b) over HTTP on a real PostGIS database: PUT
 * /api/cases/:id/location (CRS84 and EPSG:27700, a Feature of a Point, outside the authority, x and y swapped,
 * applications refused, roles, audit, version and ETag), the location on GET /api/cases/:id and on …/site, and every
 * piece of work that takes a site working from the point: constraint checks (a layer's within-N rule measured from
 * the point: at exactly N m and 1 cm beyond; inside a polygon), stale checks when the point moves, the polygon
 * winning when there is one, planning history, neighbour runs by radius (adjoining refused), and the site location
 * plan with a marker at the point.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import {
  binary,
  createCase,
  loadAddresses,
  loadLayer,
  loadOutlines,
  type AddressPoint,
  type Outline,
} from '../render/fixture.ts';
import { decode } from '../render/png.ts';
import { caseEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const here = path.dirname(fileURLToPath(import.meta.url));
const streets = JSON.parse(fs.readFileSync(path.join(here, '../render/_data/streets.json'), 'utf8')) as {
  properties: Outline[];
  addresses: AddressPoint[];
};

type Ring = Array<[number, number]>;
const rect = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const polygon = (...rings: Ring[]) => ({ type: 'Polygon' as const, coordinates: rings });
/** the point the complaint is about: inside the terraced plot of the render fixtures and the conservation area */
const P: [number, number] = [533204, 179218];
const pointOf = (xy: [number, number]) => ({ type: 'Point' as const, coordinates: xy });

let refN = 0;
async function enforcementCase(): Promise<number> {
  const res = await t
    .as('enforcement')
    .post('/api/cases')
    .send({
      kind: 'enforcement',
      breachType: 'untidy-land',
      description: 'Rubbish piled in the front garden',
      receivedDate: '2024-05-01',
      reference: `24/EN/${String(++refN).padStart(4, '0')}`,
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}
const put = async (
  id: number,
  body: unknown,
  query = '',
  role: 'enforcement' | 'officer' | 'support' | 'gis' = 'enforcement',
) =>
  t
    .as(role)
    .put(`/api/cases/${id}/location${query}`)
    .set('If-Match', await caseEtag(t, id))
    .send(body as object);
async function locate(id: number, xy: [number, number]) {
  const res = await put(id, { geometry: pointOf(xy) }, '?crs=EPSG:27700');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
}
async function toCrs84(xy: [number, number]): Promise<[number, number]> {
  const { rows } = await t.db.raw<{ rows: Array<{ lon: number; lat: number }> }>(
    'SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326) AS g) s',
    xy,
  );
  return [rows[0]!.lon, rows[0]!.lat];
}

beforeAll(async () => {
  await loadOutlines(t, streets.properties);
  await loadAddresses(t, streets.addresses);
  await loadLayer(t, 'conservation-area', [
    { reference: 'CA1', name: 'Hazel Road', geometry: polygon(rect(533150, 179150, 533260, 179280)) },
  ]);
  await loadLayer(t, 'listed-building', [
    {
      reference: 'LB-AT-50',
      name: 'At 50 m east',
      properties: { 'listed-building-grade': 'II' },
      geometry: pointOf([P[0] + 50, P[1]]),
    },
    {
      reference: 'LB-BEYOND',
      name: '1 cm beyond 50 m north',
      properties: { 'listed-building-grade': 'II' },
      geometry: pointOf([P[0], P[1] + 50.01]),
    },
  ]);
}, 120_000);

describe('PUT /api/cases/:id/location', () => {
  it('takes an EPSG:27700 point, bumps the version, returns the ETag and writes an audit row', async () => {
    const id = await enforcementCase();
    const res = await locate(id, P);
    expect(res.body.version).toBe(2);
    expect(res.headers.etag).toBe('"v2"');
    expect(res.body.location.epsg27700).toEqual(P);
    expect(res.body.location.setBy).toBe('enforcement.user');
    const audit = await t.db('audit_log').where({ action: 'case.location.set', entity_id: id });
    expect(audit).toHaveLength(1);
    expect(audit[0].before).toBeNull();
    expect(audit[0].after).toMatchObject({ caseId: id, epsg27700: P, inputCrs: 'EPSG:27700' });
  });

  it('takes CRS84 by default, and a Feature of a Point, to the same place within 5 mm', async () => {
    const id = await enforcementCase();
    const [lon, lat] = await toCrs84(P);
    const a = await put(id, { geometry: { type: 'Point', coordinates: [lon, lat] } });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.location.epsg27700[0]).toBeCloseTo(P[0], 2);
    expect(a.body.location.epsg27700[1]).toBeCloseTo(P[1], 2);
    const b = await put(id, {
      geometry: { type: 'Feature', properties: {}, geometry: pointOf([P[0] + 10, P[1]]) },
      crs: 'EPSG:27700',
    });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(b.body.location.epsg27700).toEqual([P[0] + 10, P[1]]);
    expect(b.body.version).toBe(3);
    const audits = await t.db('audit_log').where({ action: 'case.location.set', entity_id: id }).orderBy('id');
    expect(audits[1].before).toMatchObject({ epsg27700: [expect.closeTo(P[0], 2), expect.closeTo(P[1], 2)] });
  });

  it('refuses a point outside the authority with its distance, and names x and y swapped', async () => {
    const id = await enforcementCase();
    const out = await put(id, { geometry: pointOf([500000, 150000]) }, '?crs=EPSG:27700');
    expect(out.status).toBe(422);
    expect(out.body.error.code).toBe('SITE_OUTSIDE_AUTHORITY');
    expect(out.body.error.details.distanceM).toBeGreaterThan(1000);
    expect(out.body.error.message).toContain(' m from it');
    const swapped = await put(id, { geometry: pointOf([P[1], P[0]]) }, '?crs=EPSG:27700');
    expect(swapped.status).toBe(422);
    expect(swapped.body.error.code).toBe('EASTING_NORTHING_SWAPPED');
    const notPoint = await put(id, { geometry: polygon(rect(533200, 179207, 533208, 179230)) }, '?crs=EPSG:27700');
    expect(notPoint.status).toBeGreaterThanOrEqual(400);
    expect(notPoint.status).toBeLessThan(500);
    const row = await t.db('case_record').where({ id }).first('location', 'version');
    expect(row).toEqual({ location: null, version: 1 });
  });

  it('refuses an application (it needs a red line), and roles that may not change enforcement cases', async () => {
    const app = await createCase(t, { reference: '24/AP/0901' });
    const res = await put(app, { geometry: pointOf(P) }, '?crs=EPSG:27700', 'support');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('LOCATION_NOT_FOR_APPLICATIONS');
    const id = await enforcementCase();
    for (const role of ['officer', 'gis'] as const) {
      const r = await put(id, { geometry: pointOf(P) }, '?crs=EPSG:27700', role);
      expect(r.status, role).toBe(403);
    }
    const s = await put(id, { geometry: pointOf(P) }, '?crs=EPSG:27700', 'support');
    expect(s.status).toBe(200);
  });

  it('checks If-Match like other case writes: a stale version is refused, the current one accepted', async () => {
    const id = await enforcementCase();
    const stale = await t
      .as('enforcement')
      .put(`/api/cases/${id}/location?crs=EPSG:27700`)
      .set('If-Match', '"v9"')
      .send({ geometry: pointOf(P) });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    const ok = await t
      .as('enforcement')
      .put(`/api/cases/${id}/location?crs=EPSG:27700`)
      .set('If-Match', '"v1"')
      .send({ geometry: pointOf(P) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.headers.etag).toBe('"v2"');
  });
});

describe('reading a located case', () => {
  it('shows the location on GET /api/cases/:id; …/site says the case is at a point (404, not a 500)', async () => {
    const id = await enforcementCase();
    const none = await t.as('enforcement').get(`/api/cases/${id}`);
    expect(none.body.location).toBeNull();
    await locate(id, P);
    const res = await t.as('enforcement').get(`/api/cases/${id}`);
    expect(res.status).toBe(200);
    const [lon, lat] = await toCrs84(P);
    expect(res.body.location).toMatchObject({ type: 'Point', epsg27700: P, setBy: 'enforcement.user' });
    expect(res.body.location.coordinates[0]).toBeCloseTo(lon, 8);
    expect(res.body.location.coordinates[1]).toBeCloseTo(lat, 8);
    expect(typeof res.body.location.setAt).toBe('string');
    expect(res.headers.etag).toBe('"v2"');
    const site = await t.as('enforcement').get(`/api/cases/${id}/site`);
    expect(site.status).toBe(404);
    expect(site.body.error.code).toBe('SITE_NOT_SET');
    expect(site.body.error.message).toContain('located at a point');
    expect(site.body.error.details.location.epsg27700).toEqual(P);
  });
});

type Layer = { layerId: string; status: string; hits: Array<{ reference: string; fired: boolean; distanceM: number }> };
async function check(id: number, layers: string[]) {
  const res = await t.as('officer').post(`/api/cases/${id}/constraint-checks`).send({ layers });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; siteId: number | null; report: { layers: Layer[] }; stale: boolean };
}
const layerOf = (c: { report: { layers: Layer[] } }, id: string) => c.report.layers.find((l) => l.layerId === id)!;

describe('constraint checks on a located case', () => {
  it('measures a within-50 m rule from the point: a listed building at exactly 50 m fires, one 1 cm beyond does not', async () => {
    const id = await enforcementCase();
    await locate(id, P);
    const c = await check(id, ['listed-building', 'conservation-area']);
    expect(c.siteId).toBeNull();
    const lb = layerOf(c, 'listed-building');
    expect(lb.status).toBe('constraint');
    const at = lb.hits.find((h) => h.reference === 'LB-AT-50')!;
    expect(at.fired).toBe(true);
    expect(at.distanceM).toBeCloseTo(50, 3);
    const beyond = lb.hits.find((h) => h.reference === 'LB-BEYOND');
    if (beyond) expect(beyond.fired).toBe(false);
    expect(lb.hits.filter((h) => h.fired).map((h) => h.reference)).toEqual(['LB-AT-50']);
    // inside a polygon feature: a constraint
    expect(layerOf(c, 'conservation-area').status).toBe('constraint');
  });

  it('is clear of the conservation area from a point outside it, and uses the polygon when the case has one', async () => {
    const id = await enforcementCase();
    await locate(id, [533270, 179218]); // 10 m east of the conservation area
    const outside = await check(id, ['conservation-area']);
    expect(layerOf(outside, 'conservation-area').status).toBe('clear');
    const s = await t
      .as('enforcement')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: polygon(rect(533200, 179207, 533208, 179230)) });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    const withSite = await check(id, ['conservation-area']);
    expect(withSite.siteId).toBe(s.body.site.id);
    expect(layerOf(withSite, 'conservation-area').status).toBe('constraint');
    const site = await t.as('enforcement').get(`/api/cases/${id}/site`);
    expect(site.status).toBe(200);
  });

  it('marks a check made before the point moved as stale; setting a polygon makes it stale too', async () => {
    const id = await enforcementCase();
    await locate(id, P);
    const first = await check(id, ['conservation-area']);
    expect(first.stale).toBe(false);
    const get1 = await t.as('officer').get(`/api/cases/${id}/constraint-checks/${first.id}`);
    expect(get1.body.stale).toBe(false);
    await locate(id, [P[0] + 1, P[1]]);
    const get2 = await t.as('officer').get(`/api/cases/${id}/constraint-checks/${first.id}`);
    expect(get2.body.stale).toBe(true);
    expect(get2.body.staleBecause[0].reason).toBe('site-replaced');
    expect(get2.body.staleBecause[0].message).toContain('location was moved');
    const list = await t.as('officer').get(`/api/cases/${id}/constraint-checks`);
    const listed = (list.body.items ?? list.body) as Array<{ id: number; stale: boolean }>;
    expect(listed.find((c) => c.id === first.id)!.stale).toBe(true);
    const second = await check(id, ['conservation-area']);
    expect(second.stale).toBe(false);
    // re-running the old check re-checks the old point: still stale
    const rerun = await t.as('officer').post(`/api/cases/${id}/constraint-checks/${first.id}/rerun`).send({});
    if (rerun.status === 201 || rerun.status === 200) expect(rerun.body.check.stale).toBe(true);
    await t
      .as('enforcement')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: polygon(rect(533200, 179207, 533208, 179230)) })
      .expect(200);
    const get3 = await t.as('officer').get(`/api/cases/${id}/constraint-checks/${second.id}`);
    expect(get3.body.stale).toBe(true);
  });
});

describe('planning history and neighbours from the point', () => {
  it('finds nearby cases from the point, with the distance measured from it', async () => {
    const app = await createCase(t, { reference: '24/AP/0902' }, polygon(rect(533210, 179210, 533220, 179220)));
    const id = await enforcementCase();
    await locate(id, P); // 6 m west of the application's site
    const other = await enforcementCase();
    await locate(other, [P[0], P[1] + 20]);
    const res = await t.as('enforcement').get(`/api/cases/${id}/nearby?withinM=25`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const byId = new Map(
      (res.body.items as Array<{ id: number; distanceM: number; relation: string }>).map((i) => [i.id, i]),
    );
    expect(byId.get(app)!.distanceM).toBeCloseTo(6, 2);
    expect(byId.get(app)!.relation).toBe('near');
    expect(byId.get(other)!.distanceM).toBeCloseTo(20, 2);
    const near = await t.as('enforcement').get(`/api/cases/${id}/nearby?withinM=5`);
    expect((near.body.items as Array<{ id: number }>).map((i) => i.id)).not.toContain(app);
  });

  it('selects neighbours by radius from the point, and refuses adjoining with a clear 4xx', async () => {
    const id = await enforcementCase();
    await locate(id, P);
    const adj = await t
      .as('enforcement')
      .post(`/api/cases/${id}/notification-runs`)
      .send({ selection: { adjoining: true } });
    expect(adj.status).toBe(400);
    expect(adj.body.error.message).toContain('located at a point');
    const run = await t
      .as('enforcement')
      .post(`/api/cases/${id}/notification-runs`)
      .send({ selection: { radiusM: 30 } });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    expect(run.body.recipients.length).toBeGreaterThan(0);
  });
});

describe('maps of a located case', () => {
  it('draws the site location plan with a red marker at the point', async () => {
    const id = await enforcementCase();
    await locate(id, P);
    const res = await binary(t.as('enforcement').get(`/api/cases/${id}/maps/site-location.png?scale=1250`));
    expect(res.status, res.body.toString('utf8').slice(0, 300)).toBe(200);
    const img = decode(res.body);
    const [x0, y0, x1, y1] = res.headers['x-map-extent']!.split(',').map(Number) as [number, number, number, number];
    const [fx, fy, fw, fh] = res.headers['x-map-frame']!.split(',').map(Number) as [number, number, number, number];
    const px = fx + ((P[0] - x0) / (x1 - x0)) * fw;
    const py = fy + ((y1 - P[1]) / (y1 - y0)) * fh;
    const red = (x: number, y: number) => {
      const i = (Math.round(y) * img.width + Math.round(x)) * 4;
      return img.data[i]! > 200 && img.data[i + 1]! < 60 && img.data[i + 2]! < 60;
    };
    // a ring 3 mm across at 150 dpi (about 18 px): red on the ring, at the dot in the middle
    let ring = 0;
    for (let a = 0; a < 16; a++) {
      const r = (1.25 / 25.4) * 150;
      if (red(px + r * Math.cos((a / 16) * 2 * Math.PI), py + r * Math.sin((a / 16) * 2 * Math.PI))) ring++;
    }
    expect(ring).toBeGreaterThan(12);
    expect(red(px, py)).toBe(true);
  });
});
