/**
 * Issue 11, item 1: the authority's boundary loaded or replaced over HTTP (PUT /api/authority/boundary, admin or
 * gis) from GeoJSON, a planning.data.gov.uk entity's GeoJSON (a Feature) or a GeoPackage; versioned (the old
 * boundary kept), audited, and refused with nothing changed when the file has no polygon.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SOUTHWARK_DIR } from '../../server/seed/seed.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const coverageFile = path.join(SOUTHWARK_DIR, 'boundary', 'southwark-borough-coverage.geojson');
const area = async () =>
  Number((await t.db('authority').where({ id: t.authorityId }).first(t.db.raw('ST_Area(boundary) AS a'))).a);

describe('PUT /api/authority/boundary', () => {
  it('starts at version 1, the bundled boundary to the centre of the Thames', async () => {
    const res = await t.as('officer').get('/api/authority/boundary').expect(200);
    expect(res.body.versions).toHaveLength(1);
    expect(res.body.versions[0].version).toBe(1);
    expect(res.body.versions[0].areaM2).toBeGreaterThan(29_000_000);
  });

  it('replaces it from a planning.data.gov.uk-style entity Feature (CRS84), keeping the old one as version 1, audited', async () => {
    const before = await area();
    const fc = JSON.parse(fs.readFileSync(coverageFile, 'utf8'));
    const entity = {
      type: 'Feature',
      properties: { reference: 'E60000089', dataset: 'local-planning-authority' },
      geometry: fc.features[0].geometry,
    };
    const res = await t
      .as('gis')
      .put('/api/authority/boundary?filename=entity.geojson')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send(JSON.stringify(entity));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ code: 'SWK', version: 2, source: 'entity.geojson', previous: { version: 1 } });
    // the same polygon through GDAL (coordinates to 0.1 mm in EPSG:27700): the same area to well under 1 m²
    expect(Math.abs(res.body.areaM2 - before)).toBeLessThan(1);
    const versions = (await t.as('officer').get('/api/authority/boundary').expect(200)).body.versions;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const audit = await t.db('audit_log').where({ action: 'authority.boundary.replace' });
    expect(audit).toHaveLength(1);
  });

  it('loads a GeoPackage (through ogr2ogr), a smaller boundary that a site outside it then crosses', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-bnd-test-'));
    try {
      const src = path.join(dir, 'square.geojson');
      fs.writeFileSync(
        src,
        JSON.stringify({
          type: 'FeatureCollection',
          crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
          features: [
            {
              type: 'Feature',
              properties: {},
              geometry: {
                type: 'Polygon',
                coordinates: [
                  [
                    [533000, 179000],
                    [534000, 179000],
                    [534000, 180000],
                    [533000, 180000],
                    [533000, 179000],
                  ],
                ],
              },
            },
          ],
        }),
      );
      const gpkg = path.join(dir, 'b.gpkg');
      expect(spawnSync('ogr2ogr', ['-f', 'GPKG', gpkg, src]).status).toBe(0);
      const res = await t
        .as('admin')
        .put('/api/authority/boundary?filename=b.gpkg')
        .set('If-Match', '*')
        .set('Content-Type', 'application/octet-stream')
        .send(fs.readFileSync(gpkg));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ version: 3, areaM2: 1_000_000 });
      expect(await area()).toBe(1_000_000);
      // a 20 m × 10 m site reaching 10 m beyond its east edge: 100 m² outside, measured although within the 50 m tolerance
      const site = {
        type: 'Polygon',
        coordinates: [
          [
            [533990, 179500],
            [534010, 179500],
            [534010, 179510],
            [533990, 179510],
            [533990, 179500],
          ],
        ],
      };
      const v = await t.as('officer').post('/api/geometry/validate?crs=EPSG:27700').send({ geometry: site });
      expect(v.status, JSON.stringify(v.body)).toBe(200);
      expect(v.body.outsideAuthorityM2).toBe(100);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file with no polygon (a point) with 422, changing nothing', async () => {
    const before = await area();
    const res = await t
      .as('gis')
      .put('/api/authority/boundary?filename=point.geojson')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send(
        JSON.stringify({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [-0.09, 51.5] } }),
      );
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('LAYER_FILE_WRONG_GEOMETRY');
    expect(await area()).toBe(before);
    expect((await t.as('officer').get('/api/authority/boundary')).body.versions).toHaveLength(3);
  });

  it('refuses an unreadable file with 422 and an officer with 403', async () => {
    const res = await t
      .as('gis')
      .put('/api/authority/boundary?filename=x.geojson')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send('not json');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('LAYER_FILE_UNREADABLE');
    await t
      .as('officer')
      .put('/api/authority/boundary')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send('{}')
      .expect(403);
  });

  it('drops heights (Z) from a 3D boundary and says so; the area in plan is the same', async () => {
    const fc = JSON.parse(fs.readFileSync(coverageFile, 'utf8'));
    const flat = fc.features[0].geometry;
    const withZ = (c: unknown): unknown =>
      Array.isArray(c) && typeof c[0] === 'number' ? [c[0], c[1], 35.5] : (c as unknown[]).map(withZ);
    const put = (geometry: unknown, name: string) =>
      t
        .as('gis')
        .put(`/api/authority/boundary?filename=${name}`)
        .set('If-Match', '*')
        .set('Content-Type', 'application/geo+json')
        .send(JSON.stringify({ type: 'Feature', properties: {}, geometry }));
    const plain = await put(flat, 'flat.geojson');
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    expect(plain.body).toMatchObject({ heightsDropped: 0, notes: [] });
    const res = await put({ ...flat, coordinates: withZ(flat.coordinates) }, 'heights.geojson');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ heightsDropped: 1, version: plain.body.version + 1 });
    expect(res.body.notes).toEqual([expect.stringMatching(/^Heights \(Z\) were dropped from 1 feature: /)]);
    // the same to well under 1 m² of 29 km² (PROJ's CRS84 -> EPSG:27700 uses the height: sub-millimetre shifts)
    expect(Math.abs(res.body.areaM2 - plain.body.areaM2)).toBeLessThan(1);
    const stored = await t.db('authority').where({ id: t.authorityId }).first(t.db.raw('ST_NDims(boundary) AS d'));
    expect(stored.d).toBe(2);
    const audit = await t.db('audit_log').where({ action: 'authority.boundary.replace' }).orderBy('id', 'desc').first();
    expect(audit.after.heightsDropped).toBe(1);
  });
});

describe('npm run redline -- authority:boundary', () => {
  it('replaces the boundary from a file (a new version, audited as the CLI user) and lists the versions', async () => {
    const before = (await t.as('officer').get('/api/authority/boundary').expect(200)).body.versions.length as number;
    const set = await runCli(t.url, ['authority:boundary', '--file', coverageFile]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`is now version ${before + 1}`);
    expect(await area()).toBeGreaterThan(29_000_000);
    const list = await runCli(t.url, ['authority:boundary']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(before + 1);
    const missing = await runCli(t.url, ['authority:boundary', '--file', '/nonexistent/boundary.geojson']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr + missing.stdout).toContain('no such file');
  });
});
