/**
 * Issue 13 item 4: the public register's vector tiles (no account) on the OS grid (EPSG:27700) and in Web Mercator
 * (EPSG:3857): TileJSON 3.0 with the data version in the tile URL, versioned tiles cached for a year (immutable),
 * an old version redirected (301) to the current one, a newer one 404 (not cached), points zoomed out and site
 * outlines zoomed in, decoded and checked in tile units; unpublished, withdrawn and enforcement cases never appear,
 * nor anything personal.
 */
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OS_GRID, tileAt, tileEnvelope, tileSpanM } from '../../shared/os-tile-grid.ts';
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

// the OS z12 tile (56 m square; 1 tile unit = 56/4096 m) around a point in Southwark
const Z = 12;
const T = tileAt(Z, 533010, 178990);
const [minx, miny] = tileEnvelope(Z, T.x, T.y);
const UNIT = tileSpanM(Z) / 4096;
const square = (x0: number, y0: number, x1: number, y1: number) =>
  `SRID=27700;MULTIPOLYGON(((${x0} ${y0},${x1} ${y0},${x1} ${y1},${x0} ${y1},${x0} ${y0})))`;
const MARK = 'ZZPRIVATEMARKER';

const ids: Record<string, number> = {};
async function addCase(key: string, row: Record<string, unknown>, site?: string) {
  const id = (
    await t
      .db('case_record')
      .insert({
        authority_id: t.authorityId,
        kind: 'application',
        application_type: 'full',
        description: `Proposal ${key}`,
        site_address: `1 Test Street, SE1 1AA`,
        status: 'registered',
        received_date: '2026-01-05',
        ...row,
      })
      .returning('id')
  )[0]!.id as number;
  if (site) {
    await t.db.raw(
      `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs) VALUES (?, ST_GeomFromEWKT(?), 1, 'drawn', 'EPSG:27700')`,
      [id, site],
    );
  }
  ids[key] = id;
  return id;
}

const MERC = 20037508.342789244;
/** the Web Mercator tile containing EPSG:3857 (X, Y) at zoom z, and the point's place in it in tile units */
function mercTile(z: number, X: number, Y: number) {
  const span = (2 * MERC) / 2 ** z;
  const x = Math.floor((X + MERC) / span);
  const y = Math.floor((MERC - Y) / span);
  return { z, x, y, ux: ((X + MERC - x * span) / span) * 4096, uy: ((MERC - Y - y * span) / span) * 4096 };
}

let siteCentre3857: [number, number] = [0, 0];
beforeAll(async () => {
  // A: published, a 14 m square 7..21 m from the tile's south-west corner, with a named applicant
  await addCase('A', { reference: '26/AP/0001' }, square(minx + 7, miny + 7, minx + 21, miny + 21));
  await t.db('case_party').insert({ case_id: ids.A, role: 'applicant', name: `${MARK} Applicant`, email: 'm@x.test' });
  // B: published and decided, beside A
  await addCase(
    'B',
    { reference: '26/AP/0002', status: 'decided', decision: 'granted', decision_date: '2026-02-01' },
    square(minx + 30, miny + 30, minx + 40, miny + 40),
  );
  // C, D: unpublished and withdrawn from publication, in the same tile
  await addCase(
    'C',
    { reference: `26/AP/${MARK}1`, publication: 'unpublished' },
    square(minx + 2, miny + 2, minx + 5, miny + 5),
  );
  await addCase(
    'D',
    { reference: `26/AP/${MARK}2`, publication: 'withdrawn' },
    square(minx + 42, miny + 2, minx + 50, miny + 8),
  );
  // E: an enforcement case, published, by an authority that publishes enforcement: still never in application tiles
  await t.db('authority').where({ id: t.authorityId }).update({ publish_enforcement: true });
  await addCase(
    'E',
    { reference: `26/EN/${MARK}`, kind: 'enforcement', application_type: null, breach_type: 'untidy-land' },
    square(minx + 44, miny + 44, minx + 50, miny + 50),
  );
  await t.db('case_record').where({ id: ids.E }).update({ publication: 'published' });
  // F: a published application with no site (no point either): in no tile
  await addCase('F', { reference: '26/AP/0003' });
  const r = await t.db.raw<{ rows: Array<{ x: number; y: number }> }>(
    `SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (SELECT ST_Transform(point_geom, 3857) AS p FROM public_application WHERE id = ?) s`,
    [ids.A!],
  );
  siteCentre3857 = [r.rows[0]!.x, r.rows[0]!.y];
});

async function tileJson(grid: string) {
  const res = await t.anon.get(`/api/public/tiles/${grid}.json`).expect(200);
  return res;
}
async function currentVersion() {
  return (await tileJson('os27700')).body.data_version as number;
}
async function getTile(url: string): Promise<{ res: request.Response; layer: MvtLayer }> {
  const res = await binary(t.anon.get(url));
  expect(res.status, String(res.body)).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/vnd\.mapbox-vector-tile/);
  expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  const bytes = res.body as Buffer;
  for (const s of [MARK, 'Applicant', 'm@x.test', 'Test Street', 'Proposal']) expect(bytes.includes(s)).toBe(false);
  const layers = decodeMvt(bytes);
  expect(layers.map((l) => l.name)).toEqual(['applications']);
  expect(layers[0]!.extent).toBe(4096);
  return { res, layer: layers[0]! };
}

describe('TileJSON', () => {
  it.each(['os27700', 'webmercator'])('describes the %s tiles, with the data version in the tile URL', async (grid) => {
    const res = await tileJson(grid);
    const v = res.body.data_version as number;
    expect(Number.isInteger(v)).toBe(true);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers.etag).toBe(`"${grid}-${v}"`);
    expect(res.body).toMatchObject({
      tilejson: '3.0.0',
      scheme: 'xyz',
      minzoom: 0,
      maxzoom: grid === 'os27700' ? 13 : 20,
      crs: grid === 'os27700' ? 'EPSG:27700' : 'EPSG:3857',
      vector_layers: [{ id: 'applications' }],
    });
    expect(res.body.tiles).toHaveLength(1);
    expect(res.body.tiles[0]).toMatch(
      new RegExp(`^http://[^/]+/api/public/tiles/${grid}/${v}/\\{z\\}/\\{x\\}/\\{y\\}\\.mvt$`),
    );
    expect(Object.keys(res.body.vector_layers[0].fields).sort()).toEqual([
      'application_type',
      'count',
      'decision',
      'reference',
      'slug',
      'status',
    ]);
    expect(res.body.bounds).toHaveLength(4);
    if (grid === 'os27700') {
      expect(res.body.tile_grid).toEqual({
        crs: 'EPSG:27700',
        origin: [...OS_GRID.origin],
        resolutions: [...OS_GRID.resolutions],
        tileSize: 256,
        extent: [...OS_GRID.extent],
        yAxis: 'down',
      });
    } else expect(res.body.tile_grid).toBeUndefined();
    // the same version again: 304
    await t.anon.get(`/api/public/tiles/${grid}.json`).set('If-None-Match', res.headers.etag!).expect(304);
  });

  it('needs no account, and 404s an unknown grid', async () => {
    const res = await t.anon.get('/api/public/tiles/wgs84.json');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('OS grid tiles (EPSG:27700)', () => {
  it('shows published applications as site outlines zoomed in, in tile units, and nothing else', async () => {
    const v = await currentVersion();
    const { res, layer } = await getTile(`/api/public/tiles/os27700/${v}/${Z}/${T.x}/${T.y}.mvt`);
    expect(res.headers.etag).toBe(`"os27700-${v}"`);
    expect(layer.features.map((f) => f.id)).toEqual([ids.A, ids.B]);
    const a = layer.features[0]!;
    expect(a.type).toBe('Polygon');
    expect(a.properties).toEqual({
      reference: '26/AP/0001',
      slug: '26-AP-0001',
      status: 'registered',
      application_type: 'full',
    });
    const ring = a.parts[0]!.map(([x, y]) => [x * UNIT, 56 - y * UNIT]);
    const xs = ring.map((p) => p[0]!);
    const ys = ring.map((p) => p[1]!);
    expect([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]).toEqual([7, 21, 7, 21]);
    expect(layer.features[1]!.properties).toMatchObject({ status: 'decided', decision: 'granted', slug: '26-AP-0002' });
  });

  it('clusters the points zoomed out (below zoom 8): one feature with a count, at the mean of its points', async () => {
    const v = await currentVersion();
    const z = 5;
    const tile = tileAt(z, minx + 14, miny + 14);
    const { layer } = await getTile(`/api/public/tiles/os27700/${v}/${z}/${tile.x}/${tile.y}.mvt`);
    // A and B, 20 m apart, are one cluster of 2 (cell: a sixteenth of the 7 km tile); no id, no reference, and no
    // status as theirs differ
    expect(layer.features).toHaveLength(1);
    const c = layer.features[0]!;
    expect(c.type).toBe('Point');
    expect(c.id).toBeUndefined();
    expect(c.properties).toEqual({ count: 2 });
    const [ex0, , , ey1] = tileEnvelope(z, tile.x, tile.y);
    const unit = tileSpanM(z) / 4096;
    // the mean of A's point (14, 14 from the corner) and B's (35, 35)
    const [px, py] = c.parts[0]![0]!;
    expect(px).toBe(Math.round((minx + 24.5 - ex0) / unit));
    expect(py).toBe(Math.round((ey1 - (miny + 24.5)) / unit));
  });

  it('answers an empty tile with 204, still immutable', async () => {
    const v = await currentVersion();
    const res = await t.anon.get(`/api/public/tiles/os27700/${v}/${Z}/${T.x + 3}/${T.y}.mvt`);
    expect(res.status).toBe(204);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it.each([
    ['14/0/0', 'zoom beyond 13'],
    ['0/5/0', 'x beyond the grid'],
    ['0/0/6', 'y beyond the grid'],
    ['a/0/0', 'not a number'],
  ])('404s %s (%s)', async (zxy) => {
    const v = await currentVersion();
    const res = await t.anon.get(`/api/public/tiles/os27700/${v}/${zxy}.mvt`);
    expect(res.status).toBe(404);
  });
});

describe('Web Mercator tiles (EPSG:3857)', () => {
  it('shows site outlines from zoom 15, transformed from EPSG:27700', async () => {
    const v = await currentVersion();
    const m = mercTile(17, ...siteCentre3857);
    const { layer } = await getTile(`/api/public/tiles/webmercator/${v}/${m.z}/${m.x}/${m.y}.mvt`);
    const a = layer.features.find((f) => f.id === ids.A)!;
    expect(a.type).toBe('Polygon');
    expect(a.properties.slug).toBe('26-AP-0001');
    // the square's 14 m is about 22.5 m in Web Mercator at 51.5° N: 4096/305.7 m per unit at z17
    const xs = a.parts[0]!.map(([x]) => x);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(280);
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(320);
    expect(layer.features.map((f) => f.id).every((id) => id === ids.A || id === ids.B)).toBe(true);
  });

  it('shows clustered points below zoom 15, where the sites are', async () => {
    const v = await currentVersion();
    const m = mercTile(10, ...siteCentre3857);
    const { layer } = await getTile(`/api/public/tiles/webmercator/${v}/${m.z}/${m.x}/${m.y}.mvt`);
    expect(layer.features.map((f) => f.properties.count)).toEqual([2]);
    // near A's point: the mean of A and B is 10.5 m east and north of it, about 17 Web Mercator m (1.8 tile units at z10)
    const [px, py] = layer.features[0]!.parts[0]![0]!;
    expect(px - m.ux).toBeGreaterThanOrEqual(1);
    expect(px - m.ux).toBeLessThanOrEqual(3);
    expect(m.uy - py).toBeGreaterThanOrEqual(1);
    expect(m.uy - py).toBeLessThanOrEqual(3);
  });

  it('has the applications at zoom 0 too, and nothing far away', async () => {
    const v = await currentVersion();
    const { layer } = await getTile(`/api/public/tiles/webmercator/${v}/0/0/0.mvt`);
    expect(layer.features.map((f) => f.properties.count)).toEqual([2]);
    const far = await t.anon.get(`/api/public/tiles/webmercator/${v}/4/0/0.mvt`);
    expect(far.status).toBe(204);
    expect((await t.anon.get(`/api/public/tiles/webmercator/${v}/2/4/0.mvt`)).status).toBe(404);
    expect((await t.anon.get(`/api/public/tiles/webmercator/${v}/21/0/0.mvt`)).status).toBe(404);
  });
});

describe('versioned tile URLs', () => {
  it('moves the version on when the register changes; an old version is 301 to the current one', async () => {
    const v1 = await currentVersion();
    const url = (v: number) => `/api/public/tiles/os27700/${v}/${Z}/${T.x}/${T.y}.mvt`;
    const before = await getTile(url(v1));
    await t.db('case_record').where({ id: ids.A }).update({ status: 'consultation' });
    const v2 = await currentVersion();
    expect(v2).toBeGreaterThan(v1);
    const old = await t.anon.get(url(v1)).redirects(0);
    expect(old.status).toBe(301);
    expect(old.headers.location).toBe(url(v2));
    expect(old.headers['cache-control']).toBe('public, max-age=60');
    const after = await getTile(url(v2));
    expect(after.layer.features[0]!.properties.status).toBe('consultation');
    expect(before.layer.features[0]!.properties.status).toBe('registered');
    // the version's ETag: 304
    await t.anon.get(url(v2)).set('If-None-Match', `"os27700-${v2}"`).expect(304);
    // an old ETag on an old URL still redirects
    expect((await t.anon.get(url(v1)).set('If-None-Match', `"os27700-${v1}"`).redirects(0)).status).toBe(301);
  });

  it('404s a version newer than the current one (a replica behind), not cached', async () => {
    const v = await currentVersion();
    const res = await t.anon.get(`/api/public/tiles/os27700/${v + 1000}/${Z}/${T.x}/${T.y}.mvt`);
    expect(res.status).toBe(404);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.error.details.currentVersion).toBe(v);
  });

  it('drops an application from the tiles when it is unpublished, under a new version', async () => {
    const v1 = await currentVersion();
    await t.db('case_record').where({ id: ids.B }).update({ publication: 'unpublished' });
    const v2 = await currentVersion();
    expect(v2).toBeGreaterThan(v1);
    const { layer } = await getTile(`/api/public/tiles/os27700/${v2}/${Z}/${T.x}/${T.y}.mvt`);
    expect(layer.features.map((f) => f.id)).toEqual([ids.A]);
    await t.db('case_record').where({ id: ids.B }).update({ publication: 'published' });
  });
});

describe('clusters', () => {
  it('keep an application alone in its cell as itself (id, properties, count 1); the site zooms show each one', async () => {
    // G: published, 2 km east of A (cells at OS z5 are 448 m; at z7, 112 m), with the same status as A
    const v0 = await currentVersion();
    await addCase('G', { reference: '26/AP/0007' }, square(minx + 2007, miny + 7, minx + 2021, miny + 21));
    const v = await currentVersion();
    expect(v).toBeGreaterThan(v0);
    const z = 5;
    const tile = tileAt(z, minx + 14, miny + 14);
    expect(tileAt(z, minx + 2014, miny + 14)).toEqual(tile);
    const { layer } = await getTile(`/api/public/tiles/os27700/${v}/${z}/${tile.x}/${tile.y}.mvt`);
    // in order of their least application id: the cluster of A and B, then G alone
    expect(layer.features.map((f) => [f.id, f.properties.count])).toEqual([
      [undefined, 2],
      [ids.G, 1],
    ]);
    expect(layer.features[1]!.properties).toEqual({
      reference: '26/AP/0007',
      slug: '26-AP-0007',
      status: 'registered',
      application_type: 'full',
      count: 1,
    });
    // B made to share A's status (consultation since the versioning test): the cluster then carries it
    await t.db('case_record').where({ id: ids.A }).update({ status: 'consultation' });
    await t
      .db('case_record')
      .where({ id: ids.B })
      .update({ status: 'consultation', decision: null, decision_date: null });
    const v2 = await currentVersion();
    const again = await getTile(`/api/public/tiles/os27700/${v2}/${z}/${tile.x}/${tile.y}.mvt`);
    expect(again.layer.features[0]!.properties).toEqual({ count: 2, status: 'consultation' });
    // a cell of exactly one: at OS z7 A and B (20 m apart) are still one cluster; the site zoom 8 shows both outlines
    const t8 = tileAt(8, minx + 14, miny + 14);
    const z8 = await getTile(`/api/public/tiles/os27700/${v2}/8/${t8.x}/${t8.y}.mvt`);
    expect(z8.layer.features.map((f) => f.id)).toEqual([ids.A, ids.B]);
    expect(z8.layer.features.every((f) => f.type === 'Polygon' && f.properties.count === undefined)).toBe(true);
    // Web Mercator: the same clusters (its cell at z10 is 0.6 × 2.4 km)
    const m = mercTile(10, ...siteCentre3857);
    const merc = await getTile(`/api/public/tiles/webmercator/${v2}/${m.z}/${m.x}/${m.y}.mvt`);
    expect(merc.layer.features.map((f) => [f.id, f.properties.count])).toEqual([
      [undefined, 2],
      [ids.G, 1],
    ]);
  });
});
