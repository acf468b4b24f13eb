/**
 * The base map (issue 14 item 4): the OpenStreetMap base layers of layers/base load (through GDAL) and are drawn
 * beneath everything on every template, road names along their lines, house numbers in their buildings, with the
 * OpenStreetMap attribution once; labels never overlap each other or the red line; the authority boundary is drawn
 * where it crosses the frame.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { fieldValue, loadBuiltinBaseLayers, readBaseDefinitions } from '../../server/modules/maps/base-layers.ts';
import { buildScene } from '../../server/modules/maps/service.ts';
import { overlaps, segmentHitsBox, segmentsOf } from '../../server/render/labels.ts';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCase, loadInput, setCopyright, type RenderInput } from './fixture.ts';

const ROOT = path.dirname(fileURLToPath(import.meta.url));

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

// 56 Great Suffolk Street (OpenStreetMap building outline, EPSG:27700)
const SITE = {
  type: 'Polygon' as const,
  coordinates: [
    [
      [531850.78, 179963.09],
      [531865.96, 179961.57],
      [531866.68, 179967.8],
      [531851.79, 179969.33],
      [531850.78, 179963.09],
    ],
  ],
};
let loaded: Record<string, number>;
let caseId: number;
const log = { warn: () => undefined };

beforeAll(async () => {
  await setCopyright(
    t,
    'Contains OS data © Crown copyright and database right 2026. Contains public sector information licensed under the Open Government Licence v3.0.',
  );
  loaded = await loadBuiltinBaseLayers(t.db);
  caseId = await createCase(t, { reference: '27/AP/0002', siteAddress: '56 Great Suffolk Street' }, SITE);
}, 120_000);

describe('base map layers', () => {
  it('loads every base layer definition with a file', () => {
    expect(readBaseDefinitions().map((d) => d.id)).toEqual(['osm-buildings', 'osm-railways', 'osm-roads', 'osm-water']);
    expect(loaded['osm-roads']).toBeGreaterThan(100);
    expect(loaded['osm-buildings']).toBe(181);
    expect(loaded['osm-water']).toBe(0);
    expect(fieldValue({ housenumber: '', housename: 'Ivy House', name: 'x' }, '{housenumber|housename|name}')).toBe(
      'Ivy House',
    );
    expect(fieldValue({}, '{housenumber|name}')).toBeNull();
  });

  it('reloading replaces a layer (no duplicates)', async () => {
    const again = await loadBuiltinBaseLayers(t.db);
    expect(again).toEqual(loaded);
    const rows = await t.db('base_feature').where({ layer_id: 'osm-roads' }).count({ n: '*' });
    expect(Number(rows[0]!.n)).toBe(loaded['osm-roads']);
  });

  for (const scale of [1250, 500] as const) {
    it(`site location plan at 1:${scale}: roads, names along them, buildings beneath the red line, labels clear`, async () => {
      const { scene, counts } = await buildScene(
        t.db,
        t.authorityId,
        'site-location',
        { paper: 'A4', orientation: 'portrait', scale, dpi: 150, year: 2027 },
        { kind: 'case', caseId },
        50_000_000,
        log,
      );
      const ids = scene.classes.map((c) => c.id);
      // beneath everything: the base classes come before the property outlines and the red line
      expect(ids.indexOf('base:road-casing')).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf('base:road-casing')).toBeLessThan(ids.indexOf('property'));
      expect(ids.indexOf('base:building')).toBeLessThan(ids.indexOf('site'));
      expect(counts['base:building']).toBeGreaterThan(0);
      const keyed = scene.classes.filter((c) => c.label).map((c) => c.label);
      expect(keyed).toEqual(expect.arrayContaining(['Roads', 'Buildings', 'Site (red line boundary)']));
      // road names, turned along their lines
      const roads = scene.labels.filter((l) => l.of === 'base:road');
      expect(roads.map((l) => l.text)).toEqual(expect.arrayContaining(['Union Street']));
      expect(roads.every((l) => Math.abs(l.angle) <= 90)).toBe(true);
      // house numbers
      expect(scene.labels.some((l) => l.of === 'base:building')).toBe(true);
      // no two labels overlap, none crosses the red line
      const site = segmentsOf(scene.classes.find((c) => c.id === 'site')!.d);
      expect(site.length).toBeGreaterThan(3);
      scene.labels.forEach((a, i) => {
        for (const b of scene.labels.slice(i + 1)) expect(overlaps(a.box, b.box), `${a.text} / ${b.text}`).toBe(false);
        for (const s of site) expect(segmentHitsBox(s, a.box), a.text).toBe(false);
      });
      // the copyright: dated 2027, OpenStreetMap once
      const text = scene.copyright.join(' ');
      expect(text).toContain('© Crown copyright and database right 2027');
      expect(text.split('OpenStreetMap').length - 1).toBe(1);
      expect(text.split('Open Government Licence').length - 1).toBe(1);
    });
  }

  it('draws the authority boundary (dashed, keyed) where it crosses the frame, and not where it does not', async () => {
    // a 4 m square inside the borough, within 15 m of its boundary (near Barkham Terrace, by Lambeth)
    const { rows } = await t.db.raw(
      `SELECT ST_X(p) AS x, ST_Y(p) AS y FROM (
         SELECT ST_PointOnSurface(ST_Intersection(a.boundary, ST_Buffer(ST_ClosestPoint(ST_Boundary(a.boundary), ST_SetSRID(ST_MakePoint(531378, 179300), 27700)), 15))) AS p
         FROM authority a WHERE a.id = ?) s`,
      [t.authorityId],
    );
    const { x, y } = rows[0] as { x: number; y: number };
    const near = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [x - 2, y - 2],
          [x + 2, y - 2],
          [x + 2, y + 2],
          [x - 2, y + 2],
          [x - 2, y - 2],
        ],
      ],
    };
    const id = await createCase(t, { reference: '27/AP/0003', siteAddress: '10 Barkham Terrace' }, near);
    const opts = { paper: 'A4', orientation: 'portrait', scale: 1250, dpi: 150 } as const;
    const a = await buildScene(t.db, t.authorityId, 'site-location', opts, { kind: 'case', caseId: id }, 5e7, log);
    const b = await buildScene(t.db, t.authorityId, 'site-location', opts, { kind: 'case', caseId }, 5e7, log);
    const boundary = a.scene.classes.find((c) => c.id === 'boundary');
    expect(boundary?.d).toBeTruthy();
    expect(boundary!.label).toBe('London Borough of Southwark boundary');
    expect(boundary!.kind).toBe('line');
    expect(boundary!.paint.dash?.length).toBeGreaterThan(0);
    expect(b.scene.classes.find((c) => c.id === 'boundary')).toBeUndefined();
  });

  it('at 1:500 the numbers of notified addresses do not collide with each other, the markers or the red line', async () => {
    const dir = path.join(ROOT, 'neighbours-a4-portrait-1250');
    const input = JSON.parse(fs.readFileSync(path.join(dir, 'input.json'), 'utf8')) as RenderInput;
    const { caseId: id } = await loadInput(t, dir, { ...input, case: { ...input.case, reference: '27/AP/0500' } });
    const { scene, counts } = await buildScene(
      t.db,
      t.authorityId,
      'neighbours',
      { paper: 'A4', orientation: 'portrait', scale: 500, dpi: 150 },
      { kind: 'case', caseId: id },
      5e7,
      log,
    );
    const numbers = scene.labels.filter((l) => l.of === 'recipient');
    const markers = scene.classes.find((c) => c.id === 'recipient')!;
    expect(numbers.length + (counts['label-dropped:recipient'] ?? 0)).toBe(markers.pts!.length);
    expect(numbers.length).toBeGreaterThan(10);
    const r = markers.paint.radius;
    const site = segmentsOf(scene.classes.find((c) => c.id === 'site')!.d);
    numbers.forEach((a, i) => {
      for (const b of scene.labels.slice(i + 1)) expect(overlaps(a.box, b.box), `${a.text} / ${b.text}`).toBe(false);
      for (const [x, y] of markers.pts!)
        expect(overlaps(a.box, { x: x - r, y: y - r, w: 2 * r, h: 2 * r }), `${a.text} on a marker`).toBe(false);
      for (const s of site) expect(segmentHitsBox(s, a.box), a.text).toBe(false);
    });
  });
});
