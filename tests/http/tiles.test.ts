/**
 * Issue 12 item 2: the staff map's own data as vector tiles on the OS grid (GET /api/tiles, /api/tiles/{layer}/
 * {z}/{x}/{y}.mvt), true geometries for snapping (GET /api/features), the property at a point (GET
 * /api/properties/at) and the OS base map proxy (GET /api/basemap…) against a stub upstream on loopback.
 * Tiles are decoded and their geometry checked in tile units (extent 4096, buffer 64): inside, on the tile's
 * edge, inside the buffer, 1 cm beyond it; clipped polygons; roles, caching (ETag from the data versions, 304),
 * empty tiles (204) and bad tile addresses.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tileAt, tileEnvelope, tileSpanM } from '../../shared/os-tile-grid.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { decodeMvt, type MvtLayer } from '../helpers/mvt.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const binary = (test: request.Test) =>
  test.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

// the z12 tile (56 m square, 1 tile unit = 56/4096 m = 0.013671875 m) around a point in Southwark
const Z = 12;
const T = tileAt(Z, 533010, 178990);
const [minx, miny, maxx, maxy] = tileEnvelope(Z, T.x, T.y);
const UNIT = tileSpanM(Z) / 4096;
const square = (x0: number, y0: number, x1: number, y1: number) =>
  `SRID=27700;MULTIPOLYGON(((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0})))`;
const tileUrl = (layer: string, z = Z, x = T.x, y = T.y) => `/api/tiles/${layer}/${z}/${x}/${y}.mvt`;
async function getTile(layer: string, z = Z, x = T.x, y = T.y): Promise<MvtLayer> {
  const res = await binary(t.as('support').get(tileUrl(layer, z, x, y)));
  expect(res.status, String(res.body)).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/vnd\.mapbox-vector-tile/);
  const layers = decodeMvt(res.body as Buffer);
  expect(layers.map((l) => l.name)).toEqual([layer]);
  expect(layers[0]!.extent).toBe(4096);
  return layers[0]!;
}
const sorted = (pts: Array<[number, number]>) => [...pts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);

let caseId = 0;
beforeAll(async () => {
  const db = t.db;
  // property A wholly inside (7..21 m from the tile's south-west corner); B across the east edge, 14 m beyond it
  await db.raw(
    `INSERT INTO property (id, source_ref, name, uprns, geom, data_version, source) VALUES
       (1, 'P-A', 'Alpha House', '{100001}', ST_GeomFromEWKT(?), 1, 'test'),
       (2, 'P-B', 'Beta House', '{}', ST_GeomFromEWKT(?), 1, 'test')`,
    [square(minx + 7, miny + 7, minx + 21, miny + 21), square(maxx - 14, miny + 14, maxx + 14, miny + 28)],
  );
  // address points: inside A; on the tile's west edge; inside the buffer (32 units west); 1 cm beyond the buffer
  const pts: Array<[number, number, number]> = [
    [100001, minx + 14, miny + 14],
    [100002, minx, miny + 28],
    [100003, minx - 32 * UNIT, miny + 28],
    [100004, minx - 64 * UNIT - 0.01, miny + 28],
  ];
  for (const [uprn, x, y] of pts) {
    await db.raw(
      `INSERT INTO address (uprn, authority_id, address_lines, postcode, geom, source)
       VALUES (?, ?, ARRAY[?, 'Test Street'], 'SE1 1AA', ST_SetSRID(ST_MakePoint(?, ?), 27700), 'test')`,
      [uprn, t.authorityId, `${uprn - 100000} Test Street`, x, y],
    );
  }
  await db('reference_dataset').update({ data_version: 1 });
  // a conservation area (whole feature, no pieces) covering the tile and more; version 3 of the layer
  await db('layer').where({ id: 'conservation-area' }).update({ data_version: 3 });
  await db.raw(
    `INSERT INTO constraint_feature (layer_id, data_version, source_ref, name, geom)
     VALUES ('conservation-area', 3, 'CA1', 'Test Conservation Area', ST_GeomFromEWKT(?)),
            ('conservation-area', 2, 'CA-OLD', 'An old version', ST_GeomFromEWKT(?))`,
    [square(minx - 500, miny - 500, maxx + 500, maxy + 500), square(minx, miny, maxx, maxy)],
  );
  // an application with a site in the tile and a named applicant (who must never be in a tile)
  caseId = (
    await db('case_record')
      .insert({
        authority_id: t.authorityId,
        kind: 'application',
        reference: '26/AP/9001',
        application_type: 'full',
        description: 'Rear extension',
        site_address: '1 Test Street, SE1 1AA',
        status: 'registered',
        received_date: '2026-01-05',
      })
      .returning('id')
  )[0]!.id;
  await db('case_party').insert({ case_id: caseId, role: 'applicant', name: 'Jane Applicant', email: 'jane@x.test' });
  await db.raw(
    `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs) VALUES (?, ST_GeomFromEWKT(?), 196, 'drawn', 'EPSG:27700')`,
    [caseId, square(minx + 7, miny + 7, minx + 21, miny + 21)],
  );
});

describe('who may read the staff map', () => {
  it.each([
    '/api/tiles',
    tileUrl('properties'),
    '/api/features?bbox=533000,179000,533100,179100&layers=properties',
    '/api/properties/at?x=533000&y=179000',
    '/api/basemap',
    '/api/basemap/Road_27700/7/100/200.png',
  ])('refuses %s to someone not signed in (401)', async (url) => {
    const res = await t.anon.get(url);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('AUTHENTICATION_REQUIRED');
  });

  it('serves every staff role', async () => {
    for (const role of ['admin', 'gis', 'support', 'officer', 'enforcement'] as const) {
      await binary(t.as(role).get(tileUrl('properties'))).expect(200);
    }
  });
});

describe('GET /api/tiles', () => {
  it('lists the fixed layers and the active constraint layers with their flat styles, legends and min zooms', async () => {
    await t.db('layer').where({ id: 'ramsar' }).update({ retired_at: t.db.fn.now() });
    const res = await t.as('officer').get('/api/tiles').expect(200);
    expect(res.headers['cache-control']).toMatch(/^private/);
    const byId = new Map<string, Record<string, unknown>>(res.body.layers.map((l: { id: string }) => [l.id, l]));
    expect([...byId.keys()].slice(0, 4)).toEqual(['authority-boundary', 'properties', 'addresses', 'cases']);
    expect(byId.get('properties')).toMatchObject({ kind: 'reference', minZoom: 9 });
    expect(byId.get('addresses')).toMatchObject({ kind: 'reference', minZoom: 10 });
    expect(byId.get('conservation-area')).toMatchObject({
      kind: 'constraint',
      title: 'Conservation area',
      minZoom: 0,
      style: { 'fill-color': 'rgba(0,94,165,0.15)', 'stroke-color': '#005ea5', 'stroke-width': 2 },
      legend: [{ label: 'Conservation area', geometry: 'polygon' }],
      url: '/api/tiles/conservation-area/{z}/{x}/{y}.mvt',
    });
    expect(byId.get('tree')).toMatchObject({ minZoom: 7, legend: [{ geometry: 'point' }] });
    expect(byId.has('ramsar')).toBe(false);
    expect(res.body.grid).toMatchObject({ origin: [-238375, 1376256], tileSize: 256, maxZoom: 13 });
    await t.db('layer').where({ id: 'ramsar' }).update({ retired_at: null });
  });
});

describe('GET /api/tiles/{layer}/{z}/{x}/{y}.mvt', () => {
  it('draws property outlines in tile units, y down; one clipped at the buffer beyond the east edge', async () => {
    const layer = await getTile('properties');
    const a = layer.features.find((f) => f.id === 1)!;
    expect(a.type).toBe('Polygon');
    expect(a.properties).toEqual({ id: 1, reference: 'P-A', name: 'Alpha House' });
    expect(sorted(a.parts[0]!.slice(0, 4))).toEqual([
      [512, 2560],
      [512, 3584],
      [1536, 2560],
      [1536, 3584],
    ]);
    const b = layer.features.find((f) => f.id === 2)!;
    const xs = b.parts[0]!.map((p) => p[0]);
    expect(Math.min(...xs)).toBe(4096 - 1024);
    expect(Math.max(...xs)).toBe(4096 + 64); // clipped at the 64-unit buffer, not the tile edge
    expect(new Set(b.parts[0]!.map((p) => p[1]))).toEqual(new Set([4096 - 2048, 4096 - 1024]));
  });

  it('puts address points on the edge and in the buffer, not 1 cm beyond it, with UPRN and one-line address', async () => {
    const layer = await getTile('addresses', Z);
    const byUprn = new Map(layer.features.map((f) => [f.properties.uprn, f]));
    expect([...byUprn.keys()].sort()).toEqual([100001, 100002, 100003]);
    expect(byUprn.get(100001)!.properties).toEqual({
      id: 100001,
      uprn: 100001,
      address: '1 Test Street, Test Street, SE1 1AA',
    });
    expect(byUprn.get(100001)!.parts).toEqual([[[1024, 3072]]]);
    expect(byUprn.get(100002)!.parts).toEqual([[[0, 2048]]]);
    expect(byUprn.get(100003)!.parts).toEqual([[[-32, 2048]]]);
    // the tile to the west has the edge point on its east edge
    const west = await getTile('addresses', Z, T.x - 1, T.y);
    const edge = west.features.find((f) => f.properties.uprn === 100002)!;
    expect(edge.parts).toEqual([[[4096, 2048]]]);
  });

  it('draws a constraint layer’s whole current features (not an old version), clipped to the buffer', async () => {
    const layer = await getTile('conservation-area');
    expect(layer.features).toHaveLength(1);
    expect(layer.features[0]!.properties).toMatchObject({ reference: 'CA1', name: 'Test Conservation Area' });
    const xs = layer.features[0]!.parts[0]!.map((p) => p[0]);
    const ys = layer.features[0]!.parts[0]!.map((p) => p[1]);
    expect([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]).toEqual([-64, 4160, -64, 4160]);
  });

  it('draws case sites with reference, kind and status, and nothing personal', async () => {
    const res = await binary(t.as('officer').get(tileUrl('cases'))).expect(200);
    const [layer] = decodeMvt(res.body as Buffer);
    expect(layer!.features).toHaveLength(1);
    expect(layer!.features[0]!.properties).toEqual({
      id: caseId,
      reference: '26/AP/9001',
      kind: 'application',
      status: 'registered',
      name: '1 Test Street, SE1 1AA',
    });
    const bytes = (res.body as Buffer).toString('latin1');
    expect(bytes).not.toContain('Jane');
    expect(bytes).not.toContain('jane@');
    expect(res.headers.etag).toMatch(/^"t\d+-cases-h/);
  });

  it('draws the authority boundary at zoom 0', async () => {
    const z0 = tileAt(0, 533000, 177000);
    const layer = await getTile('authority-boundary', 0, z0.x, z0.y);
    expect(layer.features[0]!.properties).toMatchObject({ reference: 'SWK' });
  });

  it('is private for 60 s with an ETag from the data version; 304 when unchanged, a new ETag when reloaded', async () => {
    const first = await binary(t.as('officer').get(tileUrl('properties'))).expect(200);
    expect(first.headers['cache-control']).toBe('private, max-age=60');
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"t\d+-properties-v1"$/);
    const again = await t.as('officer').get(tileUrl('properties')).set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(etag);
    expect((await t.as('officer').get(tileUrl('properties')).set('If-None-Match', `W/${etag}`)).status).toBe(304);
    await t.db('reference_dataset').where({ id: 'property' }).update({ data_version: 2 });
    const changed = await binary(t.as('officer').get(tileUrl('properties')).set('If-None-Match', etag)).expect(200);
    expect(changed.headers.etag).toMatch(/-properties-v2"$/);
    expect(Buffer.compare(changed.body as Buffer, first.body as Buffer)).toBe(0);
    // cases: the ETag is a hash of the bytes, so a second request with it is a 304 too
    const c = await t.as('officer').get(tileUrl('cases'));
    expect(
      (
        await t
          .as('officer')
          .get(tileUrl('cases'))
          .set('If-None-Match', c.headers.etag as string)
      ).status,
    ).toBe(304);
  });

  it('answers 204 for an empty tile and below a layer’s min zoom', async () => {
    const empty = await t.as('officer').get(tileUrl('properties', Z, T.x + 5, T.y));
    expect(empty.status).toBe(204);
    expect(empty.headers['cache-control']).toBe('private, max-age=60');
    const z8 = tileAt(8, 533010, 178990);
    expect((await t.as('officer').get(tileUrl('properties', 8, z8.x, z8.y))).status).toBe(204);
  });

  it.each([
    ['/api/tiles/properties/a/1/1.mvt', 400, 'INVALID_TILE'],
    ['/api/tiles/properties/12/-1/1.mvt', 400, 'INVALID_TILE'],
    ['/api/tiles/properties/12/1.5/1.mvt', 400, 'INVALID_TILE'],
    ['/api/tiles/properties/14/0/0.mvt', 404, 'TILE_OUT_OF_RANGE'],
    ['/api/tiles/properties/0/5/0.mvt', 404, 'TILE_OUT_OF_RANGE'],
    ['/api/tiles/properties/0/0/6.mvt', 404, 'TILE_OUT_OF_RANGE'],
    ['/api/tiles/no-such-layer/0/0/0.mvt', 404, 'LAYER_NOT_FOUND'],
  ])('%s → %i %s', async (url, status, code) => {
    const res = await t.as('officer').get(url);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});

describe('GET /api/features', () => {
  it('answers the whole, un-clipped geometries of the chosen layers touching the box, in EPSG:27700', async () => {
    const bbox = [maxx - 1, miny + 15, maxx + 1, miny + 16].join(',');
    const res = await t.as('support').get(`/api/features?bbox=${bbox}&layers=properties,conservation-area`).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(res.body.type).toBe('FeatureCollection');
    expect(res.body.truncated).toBe(false);
    const ids = res.body.features.map((f: { id: string }) => f.id).sort();
    expect(ids).toEqual([
      'conservation-area.' +
        String(
          res.body.features.find((f: { properties: { layer: string } }) => f.properties.layer === 'conservation-area')
            .properties.id,
        ),
      'properties.2',
    ]);
    const b = res.body.features.find((f: { id: string }) => f.id === 'properties.2');
    expect(b.geometry.type).toBe('MultiPolygon');
    const xs = b.geometry.coordinates[0][0].map((p: number[]) => p[0]);
    expect(Math.max(...xs)).toBe(maxx + 14); // the true vertex, not the tile's cut
  });

  it('caps the answer and says it is truncated', async () => {
    await t.db.raw(
      `INSERT INTO address (uprn, address_lines, geom, source)
       SELECT 200000 + g, ARRAY['Bulk ' || g], ST_SetSRID(ST_MakePoint(540000 + (g % 50), 180000 + (g / 50)), 27700), 'test'
       FROM generate_series(0, 2000) g`,
    );
    const res = await t
      .as('support')
      .get('/api/features?bbox=539990,179990,540100,180100&layers=addresses')
      .expect(200);
    expect(res.body.truncated).toBe(true);
    expect(res.body.features).toHaveLength(2000);
  });

  it.each([
    ['bbox=1,2,3&layers=properties', 'VALIDATION_FAILED'],
    ['bbox=3,2,1,4&layers=properties', 'VALIDATION_FAILED'],
    ['bbox=0,0,20000,1&layers=properties', 'VALIDATION_FAILED'],
    ['bbox=0,0,1,1&layers=Bad_Layer', 'VALIDATION_FAILED'],
    ['bbox=0,0,1,1&layers=no-such-layer', 'LAYER_NOT_FOUND'],
  ])('refuses %s (%s)', async (qs, code) => {
    const res = await t.as('support').get(`/api/features?${qs}`);
    expect(res.body.error.code).toBe(code);
  });
});

describe('GET /api/properties/at', () => {
  it('answers the outline containing the point, with its UPRNs and addresses; on the edge counts', async () => {
    for (const [x, y] of [
      [minx + 14, miny + 14],
      [minx + 7, miny + 10],
    ]) {
      const res = await t.as('support').get(`/api/properties/at?x=${x}&y=${y}`).expect(200);
      expect(res.body.type).toBe('Feature');
      expect(res.body.geometry.type).toBe('MultiPolygon');
      expect(res.body.properties).toMatchObject({
        reference: 'P-A',
        uprns: [100001],
        addresses: [{ uprn: 100001, address: '1 Test Street, Test Street, SE1 1AA' }],
      });
    }
  });

  it('is 404 NO_PROPERTY_HERE 1 cm outside, and 400 for a bad coordinate', async () => {
    const res = await t.as('support').get(`/api/properties/at?x=${minx + 6.99}&y=${miny + 10}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NO_PROPERTY_HERE');
    expect((await t.as('support').get('/api/properties/at?x=abc&y=1')).body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('the OS base map proxy', () => {
  it('says it is not configured without a key, and answers 404 BASEMAP_NOT_CONFIGURED for tiles', async () => {
    const res = await t.as('officer').get('/api/basemap').expect(200);
    expect(res.body).toMatchObject({ configured: false, layers: ['Road_27700', 'Light_27700', 'Outdoor_27700'] });
    expect(res.body.attribution).toMatch(/Crown copyright/);
    const tile = await t.as('officer').get('/api/basemap/Road_27700/7/100/200.png');
    expect(tile.status).toBe(404);
    expect(tile.body.error.code).toBe('BASEMAP_NOT_CONFIGURED');
  });

  describe('with a key, against a stub upstream', () => {
    const KEY = 'secret-os-key-123456';
    const seen: string[] = [];
    let upstream: http.Server;
    let p: TestApp;
    const logs: string[] = [];
    beforeAll(async () => {
      upstream = http.createServer((req, res) => {
        seen.push(req.url ?? '');
        if (req.url?.includes('/Light_27700/')) {
          res.writeHead(500).end('boom');
          return;
        }
        res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('PNGDATA'));
      });
      upstream.listen(0, '127.0.0.1');
      await once(upstream, 'listening');
      const port = (upstream.address() as AddressInfo).port;
      const sink = new (await import('node:stream')).Writable({
        write(chunk, _enc, cb) {
          logs.push(String(chunk));
          cb();
        },
      });
      p = await startTestApp(
        { OS_MAPS_API_KEY: KEY, OS_MAPS_API_URL: `http://127.0.0.1:${port}/maps/raster/v1/zxy`, LOG_LEVEL: 'info' },
        sink,
      );
    });
    afterAll(async () => {
      await p.closeApp();
      upstream.close();
    });

    it('streams the tile with the key added on the server, never sent back or logged', async () => {
      const info = await p.as('officer').get('/api/basemap').expect(200);
      expect(info.body.configured).toBe(true);
      expect(JSON.stringify(info.body)).not.toContain(KEY);
      const res = await binary(p.as('officer').get('/api/basemap/Road_27700/7/100/200.png')).expect(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect((res.body as Buffer).toString()).toBe('PNGDATA');
      expect(seen.at(-1)).toBe(`/maps/raster/v1/zxy/Road_27700/7/100/200.png?key=${KEY}`);
      expect(JSON.stringify(res.headers)).not.toContain(KEY);
      const bad = await p.as('officer').get('/api/basemap/Light_27700/7/100/200.png');
      expect(bad.status).toBe(502);
      expect(bad.body.error.code).toBe('BASEMAP_UPSTREAM_FAILED');
      expect(bad.body.error.message).toMatch(/answered 500/);
      expect(JSON.stringify(bad.body)).not.toContain(KEY);
      expect(logs.join('')).not.toContain(KEY);
      expect(logs.join('')).toContain('/api/basemap/Road_27700/7/100/200.png');
    });

    it('refuses an unknown style and a tile outside the grid before asking upstream', async () => {
      const n = seen.length;
      expect((await p.as('officer').get('/api/basemap/Satellite/7/1/1.png')).body.error.code).toBe(
        'BASEMAP_STYLE_NOT_FOUND',
      );
      expect((await p.as('officer').get('/api/basemap/Road_27700/14/1/1.png')).body.error.code).toBe(
        'TILE_OUT_OF_RANGE',
      );
      expect(seen.length).toBe(n);
    });

    it('answers 502 when the upstream cannot be reached', async () => {
      const q = await startTestApp({ OS_MAPS_API_KEY: KEY, OS_MAPS_API_URL: 'http://127.0.0.1:9/zxy' });
      try {
        const res = await q.as('officer').get('/api/basemap/Road_27700/7/100/200.png');
        expect(res.status).toBe(502);
        expect(res.body.error.message).toMatch(/could not be reached/);
      } finally {
        await q.closeApp();
      }
    });
  });
});
