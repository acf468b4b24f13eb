/**
 * POST /api/geometry/convert: a GeoJSON, KML, zipped Shapefile, GeoPackage or DXF file to one site geometry in
 * EPSG:27700, with what was found and warnings. The KML, Shapefile, GeoPackage and DXF fixtures are made here with
 * ogr2ogr from the small GeoJSON files in tests/fixtures/convert.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const FIX = path.join(import.meta.dirname, '..', 'fixtures', 'convert');
let t: TestApp;
let dir: string;
const file = (name: string) => fs.readFileSync(path.join(FIX, name));
const made = (name: string) => fs.readFileSync(path.join(dir, name));
const ogr = (...args: string[]) => execFileSync('ogr2ogr', args, { stdio: 'pipe' });

beforeAll(async () => {
  t = await startTestApp();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-test-'));
  const site = path.join(FIX, 'site-27700.geojson');
  ogr('-f', 'GPKG', path.join(dir, 'site.gpkg'), site, '-nln', 'red_line');
  ogr('-f', 'ESRI Shapefile', path.join(dir, 'site.shp.zip'), site, '-nln', 'site', '-where', "name <> 'a path'");
  ogr('-f', 'KML', path.join(dir, 'site.kml'), site, '-t_srs', 'EPSG:4326');
  ogr('-f', 'DXF', path.join(dir, 'lines.dxf'), path.join(FIX, 'cad-lines-27700.geojson'));
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.closeApp();
});

const convert = (data: Buffer, query = '') =>
  t.as('officer').post(`/api/geometry/convert${query}`).set('Content-Type', 'application/octet-stream').send(data);

/** The polygon's outer ring's bounding box, rounded to the centimetre. */
function bbox(g: { type: string; coordinates: number[][][] | number[][][][] }) {
  const pts = (
    g.type === 'Polygon' ? (g.coordinates as number[][][]).flat() : (g.coordinates as number[][][][]).flat(2)
  ) as number[][];
  const r = (v: number) => Math.round(v * 100) / 100;
  return [
    r(Math.min(...pts.map((p) => p[0]!))),
    r(Math.min(...pts.map((p) => p[1]!))),
    r(Math.max(...pts.map((p) => p[0]!))),
    r(Math.max(...pts.map((p) => p[1]!))),
  ];
}

/** An error that names neither temporary paths nor GDAL's drivers. */
function expectClean(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\/tmp|redline-convert|upload\.|vsizip|driver|GDAL_|ERROR 1/i);
}

describe('POST /api/geometry/convert', () => {
  it('GeoJSON in EPSG:27700: adjoining polygons unioned into one, the open line ignored with a warning', async () => {
    const res = await convert(file('site-27700.geojson'), '?filename=site.geojson').expect(200);
    expect(res.body.geometry.type).toBe('Polygon');
    expect(bbox(res.body.geometry)).toEqual([533000, 179000, 533020, 179010]);
    expect(res.body.found).toMatchObject({
      fileType: 'geojson',
      layers: ['site-27700'].map(() => expect.any(String)),
      features: 3,
      geometryTypes: ['LineString', 'Polygon'],
      crs: 'EPSG:27700',
    });
    expect(res.body.warnings.join(' ')).toMatch(/1 open line was ignored/);
    expect(res.body.warnings.join(' ')).toMatch(/joined into one site of 1 part/);
  });

  it('tells a GeoJSON from its content when no file name is given', async () => {
    const res = await convert(file('site-27700.geojson')).expect(200);
    expect(res.body.found.fileType).toBe('geojson');
  });

  it('GeoPackage: the layer named, the CRS read from the file', async () => {
    const res = await convert(made('site.gpkg'), '?filename=site.gpkg').expect(200);
    expect(res.body.found).toMatchObject({
      fileType: 'geopackage',
      layers: ['red_line'],
      features: 3,
      crs: 'EPSG:27700',
    });
    expect(bbox(res.body.geometry)).toEqual([533000, 179000, 533020, 179010]);
  });

  it('zipped Shapefile with its .prj', async () => {
    const res = await convert(made('site.shp.zip'), '?filename=site.zip').expect(200);
    expect(res.body.found).toMatchObject({ fileType: 'shapefile-zip', layers: ['site'], features: 2 });
    expect(res.body.found.geometryTypes).toEqual(['Polygon']);
    expect(bbox(res.body.geometry)).toEqual([533000, 179000, 533020, 179010]);
  });

  it('KML (WGS84) comes back in EPSG:27700 within a centimetre of where it started', async () => {
    const res = await convert(made('site.kml'), '?filename=site.kml').expect(200);
    expect(res.body.found.fileType).toBe('kml');
    expect(res.body.found.crs).toBe('EPSG:4326');
    const [x0, y0, x1, y1] = bbox(res.body.geometry);
    expect(Math.abs(x0! - 533000)).toBeLessThan(0.01);
    expect(Math.abs(y0! - 179000)).toBeLessThan(0.01);
    expect(Math.abs(x1! - 533020)).toBeLessThan(0.01);
    expect(Math.abs(y1! - 179010)).toBeLessThan(0.01);
  });

  it('DXF: closed polylines become an area, the inner one a hole; open ones ignored; CRS assumed 27700', async () => {
    const res = await convert(made('lines.dxf'), '?filename=lines.dxf').expect(200);
    expect(res.body.geometry.type).toBe('Polygon');
    expect(res.body.geometry.coordinates).toHaveLength(2); // outer ring and the hole
    expect(bbox(res.body.geometry)).toEqual([533000, 179000, 533030, 179030]);
    expect(res.body.found).toMatchObject({ fileType: 'dxf', layers: ['entities'], features: 3 });
    expect(res.body.found.crs).toMatch(/EPSG:27700 \(assumed/);
    const w = res.body.warnings.join(' ');
    expect(w).toMatch(/declares no coordinate reference system/);
    expect(w).toMatch(/1 open line was ignored/);
    expect(w).toMatch(/2 closed lines were made into an area/);
  });

  it('DXF with ?sourceCrs= is transformed from that CRS', async () => {
    const res = await convert(made('lines.dxf'), '?filename=lines.dxf&sourceCrs=EPSG:27700').expect(200);
    expect(res.body.warnings.join(' ')).not.toMatch(/declares no coordinate reference system/);
    expect(res.body.found.crs).toMatch(/^EPSG:27700 \(given/);
  });

  it('a GeoJSON in metres without a crs member is read as EPSG:27700; its heights are dropped with a warning', async () => {
    const res = await convert(file('site-3d-nocrs.geojson'), '?filename=site.geojson').expect(200);
    expect(bbox(res.body.geometry)).toEqual([533000, 179000, 533010, 179010]);
    expect((res.body.geometry.coordinates as number[][][])[0]![0]).toHaveLength(2);
    const w = res.body.warnings.join(' ');
    expect(w).toMatch(/declares no coordinate reference system/);
    expect(w).toMatch(/Heights \(Z\) on \d+ vertices were dropped/);
  });

  it('refuses an empty body', async () => {
    const res = await convert(Buffer.alloc(0), '?filename=site.geojson').expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a file with no features', async () => {
    const res = await convert(file('empty.geojson'), '?filename=empty.geojson').expect(422);
    expect(res.body.error.code).toBe('FILE_EMPTY');
    expectClean(res.body);
  });

  it('refuses a file with only points', async () => {
    const res = await convert(file('points.geojson'), '?filename=points.geojson').expect(422);
    expect(res.body.error.code).toBe('FILE_NO_POLYGONS');
    expect(res.body.error.details.found.geometryTypes).toEqual(['Point']);
  });

  it('refuses a damaged GeoPackage without exposing temporary paths or GDAL driver lists', async () => {
    const res = await convert(file('broken.gpkg'), '?filename=broken.gpkg').expect(422);
    expect(res.body.error.code).toBe('FILE_UNREADABLE');
    expect(res.body.error.message).toMatch(/broken\.gpkg/);
    expectClean(res.body);
  });

  it('refuses bytes that are no known file, and JSON that is not valid', async () => {
    const res = await convert(Buffer.from('hello, this is text'), '').expect(415);
    expect(res.body.error.code).toBe('FILE_TYPE_UNSUPPORTED');
    expectClean(res.body);
    const bad = await convert(Buffer.from('{"type": "FeatureCollection", '), '?filename=x.geojson').expect(422);
    expect(bad.body.error.code).toBe('FILE_UNREADABLE');
    const doc = await convert(Buffer.from('x'), '?filename=site.docx').expect(415);
    expect(doc.body.error.code).toBe('FILE_TYPE_UNSUPPORTED');
  });

  it('refuses a bad sourceCrs and a file name with folders', async () => {
    await convert(made('lines.dxf'), '?filename=lines.dxf&sourceCrs=+proj=merc').expect(400);
    await convert(made('lines.dxf'), '?filename=../lines.dxf').expect(400);
  });

  it('needs a signed-in user', async () => {
    await t.anon
      .post('/api/geometry/convert')
      .set('Content-Type', 'application/octet-stream')
      .send(file('site-27700.geojson'))
      .expect(401);
  });
});
