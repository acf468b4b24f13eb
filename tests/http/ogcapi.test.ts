/**
 * Issue 15 item 1: OGC API – Features under /ogc. Landing page, conformance, the API definition (valid OpenAPI 3.0),
 * collections with exact extents and counts (current layer data only, retired layers left out, the staff collection
 * listed only to staff and 401 to anyone else), items with bbox (touching the edge in, 1 cm beyond out, in EPSG:27700
 * and CRS84), limit bounds, keyset paging both ways returning every feature once, datetime instants and intervals,
 * property filters on queryables, CRS round trips within 1 mm, single items, and 400s with an error code.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const EPSG27700 = 'http://www.opengis.net/def/crs/EPSG/0/27700';
const LAYER = 'layer-conservation-area';
// non-round coordinates: a round trip must keep the decimals
const X0 = 533012.3456;
const Y0 = 179034.5678;
const square = (x0: number, y0: number, s: number) =>
  `SRID=27700;MULTIPOLYGON(((${x0} ${y0},${x0 + s} ${y0},${x0 + s} ${y0 + s},${x0} ${y0 + s},${x0} ${y0})))`;
const withHole = (x0: number, y0: number) =>
  `SRID=27700;POLYGON((${x0} ${y0},${x0 + 40} ${y0},${x0 + 40} ${y0 + 40},${x0} ${y0 + 40},${x0} ${y0}),` +
  `(${x0 + 10.123} ${y0 + 10.456},${x0 + 10.123} ${y0 + 20.789},${x0 + 20.111} ${y0 + 20.789},${x0 + 10.123} ${y0 + 10.456}))`;

const PAGED = 23; // features in the layer's current version
let ids: number[] = [];
let appIds: Record<string, number> = {};
let enforcementId = 0;

beforeAll(async () => {
  const db = t.db;
  await db('layer').where({ id: 'conservation-area' }).update({ data_version: 2 });
  // the current version: 20 squares along a row, a polygon with a hole, a multipart, a point; dated some of them
  const rows: Array<{ name: string; geom: string; valid_from?: string; valid_to?: string; source_ref?: string }> = [];
  for (let i = 0; i < 20; i++) {
    rows.push({ name: `Square ${i}`, source_ref: `SQ-${i}`, geom: square(X0 + i * 100, Y0, 50) });
  }
  rows.push({
    name: 'Holed',
    source_ref: 'HOLE',
    geom: withHole(X0, Y0 + 500),
    valid_from: '2020-01-01',
    valid_to: '2020-12-31',
  });
  rows.push({
    name: 'Two parts',
    source_ref: 'MULTI',
    geom: `SRID=27700;MULTIPOLYGON(((${X0} ${Y0 + 700},${X0 + 5} ${Y0 + 700},${X0 + 5} ${Y0 + 705},${X0} ${Y0 + 700})),((${X0 + 50} ${Y0 + 700},${X0 + 55} ${Y0 + 700},${X0 + 55} ${Y0 + 705},${X0 + 50} ${Y0 + 700})))`,
    valid_from: '2021-06-01',
  });
  rows.push({ name: 'A point', source_ref: 'PT', geom: `SRID=27700;POINT(${X0 + 3000.5} ${Y0 + 1000.25})` });
  expect(rows.length).toBe(PAGED);
  for (const r of rows) {
    await db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom, valid_from, valid_to, properties)
       VALUES ('conservation-area', 2, ?, ?, ST_GeomFromEWKT(?), ?, ?, ?)`,
      [
        r.source_ref ?? null,
        r.name,
        r.geom,
        r.valid_from ?? null,
        r.valid_to ?? null,
        JSON.stringify({ note: r.name }),
      ],
    );
  }
  // an old version: never served
  await db.raw(
    `INSERT INTO constraint_feature (layer_id, data_version, name, geom) VALUES ('conservation-area', 1, 'Old', ST_GeomFromEWKT(?))`,
    [square(X0, Y0, 10)],
  );
  ids = (
    await db('constraint_feature').where({ layer_id: 'conservation-area', data_version: 2 }).orderBy('id').pluck('id')
  ).map(Number);
  // a retired layer with data: not a collection
  await db('layer').where({ id: 'ramsar' }).update({ data_version: 1, retired_at: db.fn.now() });
  await db.raw(
    `INSERT INTO constraint_feature (layer_id, data_version, name, geom) VALUES ('ramsar', 1, 'R', ST_GeomFromEWKT(?))`,
    [square(X0, Y0, 10)],
  );

  await db.raw(
    `INSERT INTO property (source_ref, uprns, geom, data_version) VALUES
       ('P-1', '{100001,100002}', ST_GeomFromEWKT(?), 1), ('P-2', '{}', ST_GeomFromEWKT(?), 1)`,
    [square(X0 + 0.25, Y0 + 0.75, 20), square(X0 + 200, Y0 + 200, 15.5)],
  );

  // applications: three published with sites, one without a site, one unpublished; an enforcement case (staff only)
  const mk = async (reference: string, received: string, extra: Record<string, unknown> = {}) =>
    (
      await db('case_record')
        .insert({
          authority_id: t.authorityId,
          kind: 'application',
          reference,
          application_type: 'full',
          description: `Proposal ${reference}`,
          site_address: '1 Test Street, SE1 1AA',
          status: 'registered',
          received_date: received,
          ...extra,
        })
        .returning('id')
    )[0]!.id as number;
  const site = async (caseId: number, geom: string) =>
    db.raw(
      `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs) VALUES (?, ST_Multi(ST_GeomFromEWKT(?)), 1, 'drawn', 'EPSG:27700')`,
      [caseId, geom],
    );
  appIds = {
    jan: await mk('24/AP/0001', '2024-01-10'),
    feb: await mk('24/AP/0002', '2024-02-20', { status: 'decided', decision: 'granted', decision_date: '2024-04-01' }),
    mar: await mk('24/AP/0003', '2024-03-30'),
    nosite: await mk('24/AP/0004', '2024-03-31'),
    hidden: await mk('24/AP/0005', '2024-02-21'),
  };
  await db('case_record').where({ id: appIds.hidden }).update({ publication: 'unpublished' });
  await site(appIds.jan!, square(X0, Y0 + 1000, 12.5));
  await site(appIds.feb!, withHole(X0 + 100, Y0 + 1000));
  await site(appIds.mar!, square(X0 + 200, Y0 + 1000, 7));
  await site(appIds.hidden!, square(X0 + 300, Y0 + 1000, 7));
  enforcementId = (
    await db('case_record')
      .insert({
        authority_id: t.authorityId,
        kind: 'enforcement',
        reference: '24/EN/0001',
        breach_type: 'unauthorised-works',
        description: 'Complaint about works',
        site_address: '2 Test Street',
        status: 'open',
        received_date: '2024-05-05',
      })
      .returning('id')
  )[0]!.id;
  await site(enforcementId, square(X0 + 400, Y0 + 1000, 9));
  await db('case_party').insert({
    case_id: enforcementId,
    role: 'complainant',
    name: 'Jane Complainant',
    email: 'jane@x.test',
  });
  await db('case_party').insert({
    case_id: appIds.jan,
    role: 'applicant',
    name: 'Jane Applicant',
    email: 'jane@x.test',
  });
});

const get = (url: string) => t.anon.get(url);
const items = (coll: string, qs = '') => get(`/ogc/collections/${coll}/items${qs ? `?${qs}` : ''}`);
const featureIds = (body: { features: Array<{ id: number }> }) => body.features.map((f) => f.id);
const expect400 = async (url: string, code = 'VALIDATION_FAILED') => {
  const res = await get(url);
  expect(res.status, `${url}: ${res.text}`).toBe(400);
  expect(res.body.error.code).toBe(code);
  return res.body.error;
};

/**
 * How far (Hausdorff, metres in EPSG:27700) a GeoJSON geometry in `srid` is from the stored one. A CRS84 answer is
 * compared with the stored geometry taken to CRS84 and back by PostGIS: PostGIS's own EPSG:27700 -> 4326 -> 27700
 * round trip (PROJ's Helmert OSGB36 -> WGS 84, whose inverse is not exact) moves points by about 1 mm by itself,
 * whatever this API does; what the API adds (9 decimals of a degree) is what is measured.
 */
async function deviation(table: string, id: number, geojson: unknown, srid: 4326 | 27700): Promise<number> {
  const src =
    table === 'constraint_feature'
      ? 'SELECT geom FROM constraint_feature WHERE id = ?'
      : table === 'case_site'
        ? 'SELECT geom FROM case_site WHERE case_id = ? AND superseded_at IS NULL'
        : 'SELECT geom FROM property WHERE id = ?';
  const { rows } = await t.db.raw(
    `SELECT ST_HausdorffDistance(CASE WHEN ${srid} = 4326 THEN ST_Transform(ST_Transform(s.geom, 4326), 27700) ELSE s.geom END,
                                 ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(?), ?), 27700)) AS d,
            ST_NPoints(s.geom) = ST_NPoints(ST_GeomFromGeoJSON(?)) AS same_points
       FROM (${src}) s`,
    [JSON.stringify(geojson), srid, JSON.stringify(geojson), id],
  );
  expect(rows[0].same_points).toBe(true);
  return rows[0].d as number;
}

describe('landing page, conformance, API definition', () => {
  it('links the API definition, conformance and collections with absolute addresses', async () => {
    const res = await get('/ogc').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const rels = Object.fromEntries(res.body.links.map((l: { rel: string; href: string }) => [l.rel, l.href]));
    expect(rels['service-desc']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ogc\/api$/);
    expect(rels.conformance).toMatch(/\/ogc\/conformance$/);
    expect(rels.data).toMatch(/\/ogc\/collections$/);
  });

  it('declares core, GeoJSON, OpenAPI 3.0, CRS and queryables', async () => {
    const res = await get('/ogc/conformance').expect(200);
    expect(res.body.conformsTo).toEqual(
      expect.arrayContaining([
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
        'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
        'http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs',
      ]),
    );
  });

  it('serves a valid OpenAPI 3.0 document of its paths', async () => {
    const res = await get('/ogc/api').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/vnd\.oai\.openapi\+json/);
    expect(res.body.openapi).toMatch(/^3\.0\.\d$/);
    await expect(SwaggerParser.validate(structuredClone(res.body))).resolves.toBeTruthy();
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/',
        '/api',
        '/conformance',
        '/collections',
        '/collections/{collectionId}',
        '/collections/{collectionId}/items',
        '/collections/{collectionId}/items/{featureId}',
        '/collections/{collectionId}/queryables',
      ].sort(),
    );
    expect(res.body.servers[0].url).toMatch(/\/ogc$/);
  });

  it('refuses unknown and repeated parameters with 400', async () => {
    await expect400('/ogc?x=1');
    await expect400('/ogc/collections?f=html');
    await expect400(`/ogc/collections/${LAYER}/items?limit=1&limit=2`);
  });
});

describe('collections', () => {
  it('lists every active layer, the outlines and the public applications to anyone; no retired layer, no cases', async () => {
    const res = await get('/ogc/collections').expect(200);
    const listed = res.body.collections.map((c: { id: string }) => c.id);
    const active = await t.db('layer').whereNull('retired_at').pluck('id');
    expect(listed).toEqual(
      expect.arrayContaining([...active.map((id: string) => `layer-${id}`), 'properties', 'applications']),
    );
    expect(listed).not.toContain('layer-ramsar');
    expect(listed).not.toContain('cases');
    expect(listed.length).toBe(active.length + 2);
  });

  it('lists cases to staff', async () => {
    const res = await t.as('enforcement').get('/ogc/collections').expect(200);
    expect(res.body.collections.map((c: { id: string }) => c.id)).toContain('cases');
  });

  it('describes a layer with its exact count, CRS84 extent and temporal extent', async () => {
    const res = await get(`/ogc/collections/${LAYER}`).expect(200);
    const c = res.body;
    expect(c.featureCount).toBe(PAGED);
    expect(c.crs).toEqual([CRS84, EPSG27700]);
    expect(c.storageCrs).toBe(EPSG27700);
    const { rows } = await t.db.raw(
      `SELECT min(ST_XMin(ST_Transform(geom, 4326))) AS a, min(ST_YMin(ST_Transform(geom, 4326))) AS b,
              max(ST_XMax(ST_Transform(geom, 4326))) AS c, max(ST_YMax(ST_Transform(geom, 4326))) AS d,
              min(ST_XMin(geom)) AS x0, max(ST_YMax(geom)) AS y1
         FROM constraint_feature WHERE layer_id = 'conservation-area' AND data_version = 2`,
    );
    const [bbox] = c.extent.spatial.bbox;
    const want = [rows[0].a, rows[0].b, rows[0].c, rows[0].d];
    for (let i = 0; i < 4; i++) expect(Math.abs(bbox[i] - want[i])).toBeLessThan(2e-9);
    // holds every feature (rounded outward)
    expect(bbox[0]).toBeLessThanOrEqual(want[0]);
    expect(bbox[3]).toBeGreaterThanOrEqual(want[3]);
    expect(c.storageCrsBbox[0]).toBeCloseTo(rows[0].x0, 6);
    expect(c.storageCrsBbox[3]).toBeCloseTo(rows[0].y1, 6);
    // some features have no valid_from / valid_to: open at both ends
    expect(c.extent.temporal.interval).toEqual([[null, null]]);
    expect(c.links.find((l: { rel: string }) => l.rel === 'items').type).toBe('application/geo+json');
  });

  it('gives applications their received dates as the temporal extent, and counts only published ones', async () => {
    const res = await get('/ogc/collections/applications').expect(200);
    expect(res.body.featureCount).toBe(4);
    expect(res.body.extent.temporal.interval).toEqual([['2024-01-10T00:00:00Z', '2024-03-31T23:59:59Z']]);
  });

  it('sees a new layer version at once (the stats are kept per data version)', async () => {
    await t.db('layer').where({ id: 'tree' }).update({ data_version: 5 });
    await t.db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, name, geom) VALUES ('tree', 5, 'T', ST_GeomFromEWKT(?))`,
      [`SRID=27700;POINT(${X0} ${Y0})`],
    );
    expect((await get('/ogc/collections/layer-tree').expect(200)).body.featureCount).toBe(1);
    await t.db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, name, geom) VALUES ('tree', 6, 'T', ST_GeomFromEWKT(?))`,
      [`SRID=27700;POINT(${X0} ${Y0})`],
    );
    await t.db.raw(
      `INSERT INTO constraint_feature (layer_id, data_version, name, geom) VALUES ('tree', 6, 'U', ST_GeomFromEWKT(?))`,
      [`SRID=27700;POINT(${X0 + 1} ${Y0})`],
    );
    await t.db('layer').where({ id: 'tree' }).update({ data_version: 6 });
    expect((await get('/ogc/collections/layer-tree').expect(200)).body.featureCount).toBe(2);
    expect((await items('layer-tree')).body.numberMatched).toBe(2);
  });

  it('answers an unknown collection with 404 and a retired layer with 404', async () => {
    expect((await get('/ogc/collections/nothing').expect(404)).body.error.code).toBe('NOT_FOUND');
    await get('/ogc/collections/layer-ramsar/items').expect(404);
  });
});

describe('the staff collection', () => {
  it('answers 401 without a user, and an invalid token with 401', async () => {
    for (const url of [
      '/ogc/collections/cases',
      '/ogc/collections/cases/items',
      `/ogc/collections/cases/items/${enforcementId}`,
    ]) {
      const res = await get(url);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
    }
    const bad = await t.anon.get('/ogc/collections/cases/items').set('Authorization', 'Bearer nope');
    expect(bad.status).toBe(401);
  });

  it('serves it to a browser signed in with a session cookie', async () => {
    const browser = request.agent(t.app);
    await browser
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send({ username: 'officer.user', password: 'officer-password-123' })
      .expect(200);
    expect(
      (await browser.get('/ogc/collections').expect(200)).body.collections.map((c: { id: string }) => c.id),
    ).toContain('cases');
    expect((await browser.get('/ogc/collections/cases/items').expect(200)).body.numberMatched).toBe(5);
  });

  it('serves every case with a site to staff, with no personal data', async () => {
    const res = await t.as('support').get('/ogc/collections/cases/items?limit=100').expect(200);
    const got = featureIds(res.body).sort((a, b) => a - b);
    expect(got).toEqual([appIds.jan, appIds.feb, appIds.mar, appIds.hidden, enforcementId].sort((a, b) => a! - b!));
    expect(res.body.numberMatched).toBe(5);
    expect(res.text).not.toMatch(/Jane|jane@x\.test/);
    expect(
      await deviation(
        'case_site',
        enforcementId,
        res.body.features.find((f: { id: number }) => f.id === enforcementId).geometry,
        4326,
      ),
    ).toBeLessThan(0.001);
  });
});

describe('items', () => {
  it('answers GeoJSON in CRS84 by default with Content-Crs, counts and only the current version', async () => {
    const res = await items(LAYER, 'limit=100').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(res.headers['content-crs']).toBe(`<${CRS84}>`);
    expect(res.body.type).toBe('FeatureCollection');
    expect(res.body.numberMatched).toBe(PAGED);
    expect(res.body.numberReturned).toBe(PAGED);
    expect(featureIds(res.body)).toEqual(ids);
    const f = res.body.features[0];
    expect(f.properties).toMatchObject({ name: 'Square 0', sourceRef: 'SQ-0', attributes: { note: 'Square 0' } });
    const [lon, lat] = f.geometry.coordinates[0][0][0];
    expect(lon).toBeGreaterThan(-0.2);
    expect(lon).toBeLessThan(0);
    expect(lat).toBeGreaterThan(51.4);
    expect(lat).toBeLessThan(51.6);
  });

  it('keeps every geometry within 1 mm of the stored one, CRS84 and EPSG:27700 (holes, multiparts, points)', async () => {
    for (const crs of [CRS84, EPSG27700]) {
      const res = await items(LAYER, `limit=100&crs=${encodeURIComponent(crs)}`).expect(200);
      expect(res.headers['content-crs']).toBe(`<${crs}>`);
      for (const f of res.body.features) {
        const d = await deviation('constraint_feature', f.id, f.geometry, crs === CRS84 ? 4326 : 27700);
        expect(d, `${crs} feature ${f.id}`).toBeLessThan(0.001);
      }
    }
    // 27700 answers the stored coordinates (4 decimals)
    const res = await items(LAYER, `limit=1&crs=EPSG:27700`).expect(200);
    expect(res.body.features[0].geometry.coordinates[0][0][0]).toEqual([X0, Y0]);
    const props = await items('properties', `crs=${encodeURIComponent(EPSG27700)}`).expect(200);
    for (const f of props.body.features)
      expect(await deviation('property', f.id, f.geometry, 27700)).toBeLessThan(0.001);
  });

  it('refuses an unsupported crs or bbox-crs with 400 CRS_UNSUPPORTED', async () => {
    await expect400(`/ogc/collections/${LAYER}/items?crs=EPSG:4326`, 'CRS_UNSUPPORTED');
    await expect400(`/ogc/collections/${LAYER}/items?bbox=0,0,1,1&bbox-crs=EPSG:3857`, 'CRS_UNSUPPORTED');
    await expect400(`/ogc/collections/${LAYER}/items?bbox-crs=${encodeURIComponent(EPSG27700)}`);
  });

  describe('bbox', () => {
    // square 0 is X0..X0+50, Y0..Y0+50; square 1 starts at X0+100
    const bb = (x1: number, y1: number, x2: number, y2: number) =>
      `bbox=${x1},${y1},${x2},${y2}&bbox-crs=${encodeURIComponent(EPSG27700)}&limit=100`;
    const names = (body: { features: Array<{ properties: { name: string } }> }) =>
      body.features.map((f) => f.properties.name);

    it('includes a feature touching the box edge and leaves out one 1 cm beyond (EPSG:27700)', async () => {
      // the box's east edge on square 0's west edge
      const touch = await items(LAYER, bb(X0 - 10, Y0 + 10, X0, Y0 + 20)).expect(200);
      expect(names(touch.body)).toEqual(['Square 0']);
      expect(touch.body.numberMatched).toBe(1);
      const beyond = await items(LAYER, bb(X0 - 10, Y0 + 10, X0 - 0.01, Y0 + 20)).expect(200);
      expect(names(beyond.body)).toEqual([]);
      expect(beyond.body.numberMatched).toBe(0);
      // between square 0 (ends X0+50) and square 1 (starts X0+100), 1 cm clear of each
      expect(names((await items(LAYER, bb(X0 + 50.01, Y0, X0 + 99.99, Y0 + 50)).expect(200)).body)).toEqual([]);
      // the hole of "Holed" is not part of it: a box inside the hole finds nothing
      const hx = X0 + 12;
      const hy = Y0 + 500 + 17;
      expect(names((await items(LAYER, bb(hx, hy, hx + 0.5, hy + 0.5)).expect(200)).body)).toEqual([]);
      // a box on a point
      expect(
        names((await items(LAYER, bb(X0 + 3000.5, Y0 + 1000.25, X0 + 3000.5, Y0 + 1000.25)).expect(200)).body),
      ).toEqual(['A point']);
    });

    it('does the same in CRS84 on the coordinates the answer shows', async () => {
      const { rows } = await t.db.raw(
        `SELECT ST_X(ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326)) AS lon,
                ST_Y(ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326)) AS lat`,
        [X0 + 3000.5, Y0 + 1000.25, X0 + 3000.5, Y0 + 1000.25],
      );
      const { lon, lat } = rows[0] as { lon: number; lat: number };
      const cm = 1.5e-7; // 1 cm of longitude at 51.5° N is 1.45e-7°
      const at = (x2: number) => items(LAYER, `bbox=${lon - 0.001},${lat - 0.001},${x2},${lat + 0.001}&limit=100`);
      expect(names((await at(lon).expect(200)).body)).toEqual(['A point']);
      expect(names((await at(lon - cm).expect(200)).body)).toEqual([]);
      // the whole world, and a box far from Britain
      expect((await items(LAYER, 'bbox=-180,-90,180,90').expect(200)).body.numberMatched).toBe(PAGED);
      expect((await items(LAYER, 'bbox=100,10,101,11').expect(200)).body.numberMatched).toBe(0);
    });

    it('refuses malformed boxes with 400', async () => {
      for (const b of [
        '1,2,3',
        '1,2,3,x',
        '3,0,1,1',
        '0,3,1,1',
        '-181,0,0,1',
        '0,-91,1,1',
        '1,2,3,4,5',
        'NaN,0,1,1',
        '',
      ]) {
        await expect400(`/ogc/collections/${LAYER}/items?bbox=${b}`);
      }
    });
  });

  describe('limit', () => {
    it('defaults to 10, takes 1, caps at 10,000, refuses 0, negatives and non-numbers', async () => {
      expect((await items(LAYER).expect(200)).body.numberReturned).toBe(10);
      expect((await items(LAYER, 'limit=1').expect(200)).body.numberReturned).toBe(1);
      const big = await items(LAYER, 'limit=10001').expect(200);
      expect(big.body.numberReturned).toBe(PAGED);
      expect(big.body.links.find((l: { rel: string }) => l.rel === 'next')).toBeUndefined();
      expect((await items(LAYER, 'limit=10000').expect(200)).body.numberReturned).toBe(PAGED);
      for (const l of ['0', '-1', '1.5', 'ten', '', '99999999999'])
        await expect400(`/ogc/collections/${LAYER}/items?limit=${l}`);
    });
  });

  describe('paging', () => {
    const rel = (body: { links: Array<{ rel: string; href: string }> }, r: string) =>
      body.links.find((l) => l.rel === r)?.href;
    const path = (href: string) => {
      const u = new URL(href);
      return u.pathname + u.search;
    };

    it('walks next to the end and prev back to the start, every feature exactly once, by cursor not offset', async () => {
      const pages: number[][] = [];
      let res = await items(LAYER, 'limit=5').expect(200);
      expect(rel(res.body, 'prev')).toBeUndefined();
      for (;;) {
        pages.push(featureIds(res.body));
        expect(res.body.numberMatched).toBe(PAGED);
        expect(res.body.numberReturned).toBe(res.body.features.length);
        const next = rel(res.body, 'next');
        if (!next) break;
        expect(next).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ogc\/collections\/layer-conservation-area\/items\?/);
        expect(next).not.toMatch(/offset|startindex/i);
        expect(new URL(next).searchParams.get('limit')).toBe('5');
        res = await get(path(next)).expect(200);
      }
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
      expect(pages.flat()).toEqual(ids);
      // and back
      const back: number[][] = [pages[pages.length - 1]!];
      for (;;) {
        const prev = rel(res.body, 'prev');
        if (!prev) break;
        res = await get(path(prev)).expect(200);
        back.unshift(featureIds(res.body));
      }
      expect(back).toEqual(pages);
      expect(rel(res.body, 'next')).toBeDefined();
    });

    it('pages a filtered request with the filter kept in the links', async () => {
      const seen: number[] = [];
      let res = await items(
        LAYER,
        `limit=3&bbox=${X0 - 1},${Y0 - 1},${X0 + 2000},${Y0 + 100}&bbox-crs=${encodeURIComponent(EPSG27700)}`,
      ).expect(200);
      for (;;) {
        seen.push(...featureIds(res.body));
        expect(res.body.numberMatched).toBe(20);
        const next = rel(res.body, 'next');
        if (!next) break;
        expect(new URL(next).searchParams.get('bbox')).toBeTruthy();
        res = await get(path(next)).expect(200);
      }
      expect(seen).toEqual(ids.slice(0, 20));
    });

    it('refuses a cursor it did not give', async () => {
      for (const c of ['abc', 'eDEyMw', '!!', 'a'.repeat(40)])
        await expect400(`/ogc/collections/${LAYER}/items?cursor=${c}`);
    });
  });

  describe('datetime', () => {
    const refs = async (qs: string) =>
      ((await items('applications', qs).expect(200)).body.features as Array<{ properties: { reference: string } }>)
        .map((f) => f.properties.reference)
        .sort();

    it('matches an instant, closed and open intervals on the day received', async () => {
      expect(await refs('datetime=2024-02-20')).toEqual(['24/AP/0002']);
      expect(await refs('datetime=2024-02-20T23:59:59Z')).toEqual(['24/AP/0002']);
      // 01:00 on the 21st at +02:00 is 23:00 on the 20th in UTC
      expect(await refs(`datetime=${encodeURIComponent('2024-02-21T01:00:00+02:00')}`)).toEqual(['24/AP/0002']);
      expect(await refs('datetime=2024-01-01/2024-02-20')).toEqual(['24/AP/0001', '24/AP/0002']);
      expect(await refs('datetime=../2024-01-10')).toEqual(['24/AP/0001']);
      expect(await refs('datetime=2024-03-30/..')).toEqual(['24/AP/0003', '24/AP/0004']);
      expect(await refs('datetime=2024-03-30/')).toEqual(['24/AP/0003', '24/AP/0004']);
      expect(await refs('datetime=2023-01-01/2023-12-31')).toEqual([]);
      expect((await items('applications', 'datetime=2024-01-01/2024-02-20').expect(200)).body.numberMatched).toBe(2);
    });

    it('matches constraint features whose validity overlaps, a missing bound being open', async () => {
      const names = async (qs: string) =>
        (
          (await items(LAYER, `limit=100&${qs}`).expect(200)).body.features as Array<{ properties: { name: string } }>
        ).map((f) => f.properties.name);
      // Holed: 2020-01-01..2020-12-31; Two parts: from 2021-06-01; the rest undated (always)
      const undated = PAGED - 2;
      expect((await names('datetime=2020-12-31')).length).toBe(undated + 1);
      expect(await names('datetime=2020-12-31')).toContain('Holed');
      expect(await names('datetime=2021-01-01')).not.toContain('Holed');
      expect(await names('datetime=2021-05-31')).not.toContain('Two parts');
      expect(await names('datetime=2021-06-01/2021-06-01')).toContain('Two parts');
      expect((await names('datetime=2019-01-01/2022-01-01')).length).toBe(PAGED);
    });

    it('refuses malformed datetimes with 400', async () => {
      for (const d of [
        '2024-13-01',
        '2024-02-30',
        'yesterday',
        '2024-03-01/2024-01-01',
        '2024-01-01T25:00:00Z',
        '..',
        'a/b/c',
        '2024-01-01T10:00:00',
      ]) {
        await expect400(`/ogc/collections/applications/items?datetime=${encodeURIComponent(d)}`);
      }
    });
  });

  describe('property filters', () => {
    it('filters on a queryable and lists the queryables', async () => {
      const res = await items('applications', 'status=decided').expect(200);
      expect(featureIds(res.body)).toEqual([appIds.feb]);
      expect(res.body.numberMatched).toBe(1);
      expect(featureIds((await items('applications', 'reference=24/AP/0003').expect(200)).body)).toEqual([appIds.mar]);
      expect(
        featureIds((await items('applications', 'decisionDate=2024-04-01&status=decided').expect(200)).body),
      ).toEqual([appIds.feb]);
      expect(featureIds((await items(LAYER, 'name=A%20point').expect(200)).body)).toHaveLength(1);
      expect(
        (await items('properties', 'uprn=100002').expect(200)).body.features.map(
          (f: { properties: { sourceRef: string } }) => f.properties.sourceRef,
        ),
      ).toEqual(['P-1']);
      const q = await get('/ogc/collections/applications/queryables').expect(200);
      expect(q.headers['content-type']).toMatch(/^application\/schema\+json/);
      expect(Object.keys(q.body.properties)).toEqual(
        expect.arrayContaining(['status', 'reference', 'receivedDate', 'geometry']),
      );
    });

    it('refuses a property that is not a queryable, and a malformed value', async () => {
      const e = await expect400('/ogc/collections/applications/items?proposal=x');
      expect(e.details.issues[0].path).toBe('query.proposal');
      await expect400('/ogc/collections/applications/items?receivedDate=2024-02-31');
      await expect400('/ogc/collections/properties/items?uprn=abc');
      await expect400('/ogc/collections/applications/items?offset=10');
    });
  });
});

describe('single items', () => {
  it('answers one feature with its links, in either CRS', async () => {
    const res = await get(`/ogc/collections/${LAYER}/items/${ids[20]}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(res.body).toMatchObject({
      type: 'Feature',
      id: ids[20],
      properties: { name: 'Holed', validFrom: '2020-01-01' },
    });
    expect(res.body.links.map((l: { rel: string }) => l.rel)).toEqual(['self', 'collection']);
    const m = await get(`/ogc/collections/${LAYER}/items/${ids[20]}?crs=${encodeURIComponent(EPSG27700)}`).expect(200);
    expect(m.headers['content-crs']).toBe(`<${EPSG27700}>`);
    expect(await deviation('constraint_feature', ids[20]!, m.body.geometry, 27700)).toBeLessThan(0.001);
    const a = await get(`/ogc/collections/applications/items/${appIds.nosite}`).expect(200);
    expect(a.body.geometry).toBeNull();
  });

  it('answers 404 for a feature of another collection, an old version, an unpublished application or a non-number', async () => {
    const old = (await t.db('constraint_feature').where({ layer_id: 'conservation-area', data_version: 1 }).first('id'))
      .id;
    await get(`/ogc/collections/${LAYER}/items/${old}`).expect(404);
    await get(`/ogc/collections/properties/items/99999999`).expect(404);
    await get(`/ogc/collections/applications/items/${appIds.hidden}`).expect(404);
    await get(`/ogc/collections/applications/items/${enforcementId}`).expect(404);
    await get(`/ogc/collections/applications/items/abc`).expect(404);
    // beyond the int4 ids of cases and outlines, beyond bigint, and as cursors: 404 / an empty page, never a 500
    await get('/ogc/collections/applications/items/999999999999999').expect(404);
    await get('/ogc/collections/properties/items/999999999999999').expect(404);
    await get('/ogc/collections/applications/items/99999999999999999999').expect(404);
    const far = Buffer.from('a999999999999999').toString('base64url');
    expect((await items('applications', `cursor=${far}`).expect(200)).body.features).toEqual([]);
    expect(
      (await items('properties', `cursor=${Buffer.from('b999999999999999').toString('base64url')}`).expect(200)).body
        .numberReturned,
    ).toBe(2);
    await get(`/ogc/collections/${'x'.repeat(300)}/items`).expect(404);
    await get('/ogc/collections/layer-%E2%80%8B/items').expect(404);
    await expect400(`/ogc/collections/${LAYER}/items?bbox=0,0,1e400,1`);
    await get(`/ogc/collections/applications/items/${appIds.jan}?limit=3`).expect(400);
    expect((await t.as('officer').get(`/ogc/collections/cases/items/${appIds.hidden}`).expect(200)).body.id).toBe(
      appIds.hidden,
    );
  });
});
