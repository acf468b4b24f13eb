/**
 * Loading address points and property outlines through PUT /api/addresses/data and /api/properties/data, on real
 * PostGIS and real GDAL: the CSV shapes councils have (OS Open UPRN, AddressBase-style one-line addresses,
 * latitude/longitude), GeoJSON, a GeoPackage and a zipped Shapefile made here with ogr2ogr, duplicates reported,
 * and failed loads that change nothing (rows, data version, source hash, audit).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

const t: TestApp = await startTestApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-address-loading-'));
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t.closeApp();
});

const CRS27700 = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } };
type Dataset = 'addresses' | 'properties';

function put(dataset: Dataset, query: string, body: string | Buffer, type = 'application/octet-stream') {
  return t.as('gis').put(`/api/${dataset}/data?${query}`).set('If-Match', '*').set('content-type', type).send(body);
}
async function load(dataset: Dataset, query: string, body: string | Buffer) {
  const res = await put(dataset, query, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    dataset: string;
    dataVersion: number;
    previousVersion: number;
    read: number;
    loaded: number;
    skipped: Record<string, number>;
    skippedExamples: Array<{ reason: string; row: number; detail: string }>;
    heightsDropped: number;
    notes: string[];
  };
}

interface AddressRow {
  uprn: number;
  parent_uprn: number | null;
  address_lines: string[];
  postcode: string | null;
  classification: string | null;
  x: number;
  y: number;
  data_version: number;
}
async function addressRows(): Promise<AddressRow[]> {
  return (
    await t.db.raw(
      `SELECT uprn, parent_uprn, address_lines, postcode, classification, ST_X(geom) AS x, ST_Y(geom) AS y, data_version FROM address ORDER BY uprn`,
    )
  ).rows;
}
async function propertyRows() {
  return (
    await t.db.raw(
      `SELECT source_ref, name, uprns, ST_AsText(geom) AS wkt, ST_Area(geom) AS area, data_version FROM property ORDER BY source_ref`,
    )
  ).rows as Array<{
    source_ref: string;
    name: string | null;
    uprns: number[];
    wkt: string;
    area: number;
    data_version: number;
  }>;
}
/** everything a load could change: the dataset row, every row of the table, and the audit log's length */
async function state(dataset: 'address' | 'property') {
  const ds = await t
    .db('reference_dataset')
    .where({ id: dataset })
    .first('data_version', 'source_hash', 'feature_count', 'last_load');
  const rows = dataset === 'address' ? await addressRows() : await propertyRows();
  const [audit] = await t.db('audit_log').where({ entity_type: dataset }).count({ n: '*' });
  return { ds, rows, audits: Number(audit!.n) };
}

const csv = (header: string, rows: Array<Array<string | number>>) =>
  [
    header,
    ...rows.map((r) =>
      r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(','),
    ),
  ].join('\n') + '\n';

const ring = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const POINTS = {
  type: 'FeatureCollection',
  crs: CRS27700,
  features: [
    {
      type: 'Feature',
      properties: {
        UPRN: 50001,
        PARENT_UPRN: null,
        ADDRESS: '1 Point Road, London',
        POSTCODE: 'SE1 5AA',
        CLASSIFICATION: 'RD04',
      },
      geometry: { type: 'Point', coordinates: [533200.125, 179200.5] },
    },
    {
      type: 'Feature',
      properties: {
        UPRN: 50002,
        PARENT_UPRN: 50001,
        ADDRESS: 'Flat A, 1 Point Road, London',
        POSTCODE: 'SE1 5AA',
        CLASSIFICATION: 'RD06',
      },
      geometry: { type: 'Point', coordinates: [533210.25, 179201.75] },
    },
    {
      type: 'Feature',
      properties: {
        UPRN: 50003,
        PARENT_UPRN: null,
        ADDRESS: '3 Point Road, London, SE1 5AB',
        POSTCODE: 'SE1 5AB',
        CLASSIFICATION: 'RD04',
      },
      geometry: { type: 'Point', coordinates: [533220, 179202] },
    },
  ],
};
const OUTLINES = {
  type: 'FeatureCollection',
  crs: CRS27700,
  features: [
    {
      type: 'Feature',
      properties: { ref: 'B1', name: 'Point House', uprns: '50001;50002' },
      geometry: { type: 'Polygon', coordinates: [ring(533195, 179195, 533215, 179210)] },
    },
    {
      type: 'Feature',
      properties: { ref: 'B2', name: 'Courtyard', uprns: '50003' },
      geometry: {
        type: 'Polygon',
        coordinates: [ring(533216, 179195, 533240, 179215), ring(533220, 179199, 533230, 179209).reverse()],
      },
    },
    {
      type: 'Feature',
      properties: { ref: 'B3', name: 'Two Sheds', uprns: '' },
      geometry: {
        type: 'MultiPolygon',
        coordinates: [[ring(533250, 179195, 533255, 179200)], [ring(533260, 179195, 533265, 179200)]],
      },
    },
  ],
};

describe('address points from CSV', () => {
  it('skips OS Open UPRN-style rows (no address text) as no-address; a file of only those loads nothing and changes nothing', async () => {
    await load(
      'addresses',
      'filename=seed.csv',
      csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
        [90001, '1 Seed Street, London', 'SE1 0AA', 533000, 179000],
      ]),
    );
    const before = await state('address');
    const openUprn = csv('UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE', [
      [200001, 533000.5, 179000.5, 51.4969, -0.0966],
      [200002, 533010.5, 179000.5, 51.4969, -0.0965],
    ]);
    const res = await put('addresses', 'filename=osopenuprn_202409.csv', openUprn);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('LAYER_FILE_EMPTY');
    expect(res.body.error.details.skipped).toEqual({ 'no-address': 2 });
    expect(res.body.error.details.examples[0].detail).toMatch(/OS Open UPRN has none/);
    expect(await state('address')).toEqual(before);

    const mixed = csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
      [200001, '', '', 533000.5, 179000.5],
      [200002, '2 Mixed Street, London', 'SE1 0AB', 533010.5, 179000.5],
      [200003, ' , ', '', 533020.5, 179000.5],
    ]);
    const report = await load('addresses', 'filename=mixed.csv', mixed);
    expect(report).toMatchObject({
      read: 3,
      loaded: 1,
      skipped: { 'no-address': 2 },
      dataVersion: before.ds.data_version + 1,
      previousVersion: before.ds.data_version,
    });
    expect(report.skippedExamples.map((e) => [e.reason, e.row])).toEqual([
      ['no-address', 1],
      ['no-address', 3],
    ]);
    expect((await addressRows()).map((r) => r.uprn)).toEqual([200002]);
  });

  it('splits an AddressBase-style single ADDRESS line on commas and drops a trailing postcode (any spacing or case)', async () => {
    const report = await load(
      'addresses',
      'filename=addressbase.csv',
      csv('UPRN,PARENT_UPRN,ADDRESS,POSTCODE,CLASSIFICATION,X_COORDINATE,Y_COORDINATE', [
        [10001, 10009, 'FLAT 1, 12 HIGH STREET, LONDON, SE1 1AA', 'SE1 1AA', 'RD06', 533100, 179100],
        [10002, '', '12 High Street,London , se11aa', 'SE1 1AA', 'RD04', 533110.5, 179100.25],
        [10003, '', 'The Old Mill, Mill Lane, London', 'SE1 2BB', 'CR', 533120, 179100],
        [10009, '', '12 High Street, London, SE1 1AA', 'SE1 1AA', 'PP', 533100, 179100],
      ]),
    );
    expect(report).toMatchObject({ read: 4, loaded: 4, skipped: {} });
    const rows = await addressRows();
    expect(rows.map((r) => [r.uprn, r.parent_uprn, r.address_lines, r.postcode, r.classification])).toEqual([
      [10001, 10009, ['FLAT 1', '12 HIGH STREET', 'LONDON'], 'SE1 1AA', 'RD06'],
      [10002, null, ['12 High Street', 'London'], 'SE1 1AA', 'RD04'],
      [10003, null, ['The Old Mill', 'Mill Lane', 'London'], 'SE1 2BB', 'CR'],
      [10009, null, ['12 High Street', 'London'], 'SE1 1AA', 'PP'],
    ]);
    expect([rows[1]!.x, rows[1]!.y]).toEqual([533110.5, 179100.25]);
    expect(new Set(rows.map((r) => r.data_version))).toEqual(new Set([report.dataVersion]));
    const ds = await t.db('reference_dataset').where({ id: 'address' }).first('data_version', 'feature_count');
    expect(ds).toEqual({ data_version: report.dataVersion, feature_count: 4 });
    const audit = await t
      .db('audit_log')
      .where({ action: 'address.load' })
      .orderBy('id', 'desc')
      .first('actor', 'after');
    expect(audit.actor).toBe('gis.user');
    expect(audit.after).toMatchObject({ dataVersion: report.dataVersion, featureCount: 4 });
  });

  it('transforms LATITUDE/LONGITUDE rows to EPSG:27700 with PostGIS', async () => {
    const points: Array<[number, number, number]> = [
      [30001, 51.5045, -0.0865],
      [30002, 51.4941, -0.0999],
    ];
    const report = await load(
      'addresses',
      'filename=latlon.csv',
      csv(
        'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,POSTCODE,LATITUDE,LONGITUDE',
        points.map(([u, lat, lon]) => [u, `${u} Shard Street`, 'London', 'SE1 9SG', lat, lon]),
      ),
    );
    expect(report.loaded).toBe(2);
    const rows = await addressRows();
    proj4.defs(
      'EPSG:27700',
      '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
    );
    for (const [i, [uprn, lat, lon]] of points.entries()) {
      const r = rows[i]!;
      expect(r.uprn).toBe(uprn);
      expect(r.address_lines).toEqual([`${uprn} Shard Street`, 'London']);
      const {
        rows: [pg],
      } = await t.db.raw(
        `SELECT ST_X(g) AS x, ST_Y(g) AS y FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 4326), 27700) AS g) s`,
        [lon, lat],
      );
      expect(r.x).toBeCloseTo(pg.x, 6);
      expect(r.y).toBeCloseTo(pg.y, 6);
      // and where an independent transform puts it (Helmert, good to a few metres): not swapped, not raw degrees
      const [ex, ny] = proj4('WGS84', 'EPSG:27700', [lon, lat]) as [number, number];
      expect(Math.hypot(r.x - ex, r.y - ny)).toBeLessThan(5);
    }
  });

  it('keeps the first of duplicate UPRNs and reports the others', async () => {
    const report = await load(
      'addresses',
      'filename=dups.csv',
      csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
        [40001, '1 First Street, London', 'SE1 3AA', 533300, 179300],
        [40002, '2 First Street, London', 'SE1 3AA', 533310, 179300],
        [40001, '1 Second Street, London', 'SE1 3AB', 533320, 179300],
        [40001, '1 Third Street, London', 'SE1 3AC', 533330, 179300],
      ]),
    );
    expect(report).toMatchObject({ read: 4, loaded: 2, skipped: { 'duplicate-uprn': 2 } });
    expect(
      report.skippedExamples
        .filter((e) => e.reason === 'duplicate-uprn')
        .map((e) => e.row)
        .sort(),
    ).toEqual([3, 4]);
    expect(report.skippedExamples[0]!.detail).toContain('40001');
    const rows = await addressRows();
    expect(rows.map((r) => [r.uprn, r.address_lines[0], r.x])).toEqual([
      [40001, '1 First Street', 533300],
      [40002, '2 First Street', 533310],
    ]);
  });
});

describe('address points and outlines from GDAL formats', () => {
  const geojsonFile = path.join(tmp, 'points.geojson');
  const outlinesFile = path.join(tmp, 'outlines.geojson');
  beforeAll(() => {
    fs.writeFileSync(geojsonFile, JSON.stringify(POINTS));
    fs.writeFileSync(outlinesFile, JSON.stringify(OUTLINES));
  });
  const expectPoints = async (version: number) => {
    const rows = await addressRows();
    expect(
      rows.map((r) => [r.uprn, r.parent_uprn, r.address_lines, r.postcode, r.classification, r.x, r.y, r.data_version]),
    ).toEqual([
      [50001, null, ['1 Point Road', 'London'], 'SE1 5AA', 'RD04', 533200.125, 179200.5, version],
      [50002, 50001, ['Flat A', '1 Point Road', 'London'], 'SE1 5AA', 'RD06', 533210.25, 179201.75, version],
      [50003, null, ['3 Point Road', 'London'], 'SE1 5AB', 'RD04', 533220, 179202, version],
    ]);
  };
  const expectOutlines = async (version: number) => {
    const rows = await propertyRows();
    expect(rows.map((r) => [r.source_ref, r.name, r.uprns, r.data_version])).toEqual([
      ['B1', 'Point House', [50001, 50002], version],
      ['B2', 'Courtyard', [50003], version],
      ['B3', 'Two Sheds', [], version],
    ]);
    expect(rows.map((r) => r.area)).toEqual([300, 480 - 100, 50]);
    // exactly the vertices sent, with the hole kept
    const {
      rows: [eq],
    } = await t.db.raw(
      `SELECT ST_Equals(geom, ST_GeomFromText(?, 27700)) AS same FROM property WHERE source_ref = 'B2'`,
      [
        'MULTIPOLYGON(((533216 179195,533240 179195,533240 179215,533216 179215,533216 179195),(533220 179199,533220 179209,533230 179209,533230 179199,533220 179199)))',
      ],
    );
    expect(eq.same).toBe(true);
  };

  it('loads GeoJSON points with their exact grid coordinates', async () => {
    const report = await load('addresses', 'filename=points.geojson', fs.readFileSync(geojsonFile));
    expect(report).toMatchObject({ read: 3, loaded: 3, skipped: {} });
    await expectPoints(report.dataVersion);
  });

  it('loads a GeoPackage of points made by ogr2ogr', async () => {
    const gpkg = path.join(tmp, 'points.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, geojsonFile, '-nln', 'address_points']);
    const bytes = fs.readFileSync(gpkg);
    expect(bytes.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    await load(
      'addresses',
      'filename=seed.csv',
      csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
        [90001, '1 Seed Street, London', 'SE1 0AA', 533000, 179000],
      ]),
    );
    const report = await load('addresses', 'filename=points.gpkg', bytes);
    expect(report).toMatchObject({ read: 3, loaded: 3 });
    await expectPoints(report.dataVersion);
  });

  it('loads outlines (polygon, polygon with a hole, multipolygon) from GeoJSON with reference, name and UPRNs', async () => {
    const report = await load(
      'properties',
      'filename=outlines.geojson&reference=ref&name=name&uprns=uprns',
      fs.readFileSync(outlinesFile),
    );
    expect(report).toMatchObject({ dataset: 'property', read: 3, loaded: 3, skipped: {} });
    await expectOutlines(report.dataVersion);
  });

  it('drops heights (Z) from points and outlines, says how many had any, and keeps the grid coordinates exact', async () => {
    const withZ = (c: unknown, z: number): unknown =>
      Array.isArray(c) && typeof c[0] === 'number' ? [...(c as number[]), z] : (c as unknown[]).map((x) => withZ(x, z));
    type Fc = { features: Array<{ geometry: { coordinates: unknown } }> };
    const points = structuredClone(POINTS) as unknown as Fc;
    // a real height, a height of 0 (no information lost), and one left flat
    points.features[0]!.geometry.coordinates = withZ(points.features[0]!.geometry.coordinates, 4.75);
    points.features[1]!.geometry.coordinates = withZ(points.features[1]!.geometry.coordinates, 0);
    const p = await load('addresses', 'filename=points3d.geojson', Buffer.from(JSON.stringify(points)));
    expect(p).toMatchObject({ read: 3, loaded: 3, heightsDropped: 1 });
    expect(p.notes).toEqual([expect.stringMatching(/^Heights \(Z\) were dropped from 1 feature: /)]);
    await expectPoints(p.dataVersion);

    // outlines as a 3D GeoPackage: every outline had heights
    const outlines = structuredClone(OUTLINES) as unknown as Fc;
    for (const [i, f] of outlines.features.entries()) f.geometry.coordinates = withZ(f.geometry.coordinates, 10 + i);
    const src = path.join(tmp, 'outlines3d.geojson');
    fs.writeFileSync(src, JSON.stringify(outlines));
    const gpkg = path.join(tmp, 'outlines3d.gpkg');
    execFileSync('ogr2ogr', ['-f', 'GPKG', gpkg, src, '-nln', 'outlines', '-nlt', 'PROMOTE_TO_MULTI']);
    // the GeoPackage really holds the heights
    expect(execFileSync('ogrinfo', ['-ro', '-al', '-q', gpkg], { encoding: 'utf8' })).toMatch(
      /MULTIPOLYGON Z \(\(\(533195 179195 10,/,
    );
    const o = await load(
      'properties',
      'filename=outlines3d.gpkg&reference=ref&name=name&uprns=uprns',
      fs.readFileSync(gpkg),
    );
    expect(o).toMatchObject({ read: 3, loaded: 3, heightsDropped: 3 });
    expect(o.notes).toEqual([expect.stringMatching(/^Heights \(Z\) were dropped from 3 features: /)]);
    await expectOutlines(o.dataVersion);
    const dims = (await t.db.raw('SELECT DISTINCT ST_NDims(geom) AS d FROM property')).rows.map(
      (r: { d: number }) => r.d,
    );
    expect(dims).toEqual([2]);
    const audit = await t.db('audit_log').where({ action: 'property.load' }).orderBy('id', 'desc').first('after');
    expect(audit.after.heightsDropped).toBe(3);

    // flat outlines again: nothing to say
    const flat = await load(
      'properties',
      'filename=outlines.geojson&reference=ref&name=name&uprns=uprns',
      fs.readFileSync(outlinesFile),
    );
    expect(flat).toMatchObject({ loaded: 3, heightsDropped: 0, notes: [] });
  });

  it('loads outlines from a zipped Shapefile made by ogr2ogr', async () => {
    const shpDir = path.join(tmp, 'shp');
    fs.mkdirSync(shpDir);
    execFileSync('ogr2ogr', ['-f', 'ESRI Shapefile', path.join(shpDir, 'outlines.shp'), outlinesFile]);
    const parts = fs.readdirSync(shpDir).sort();
    expect(parts).toEqual(expect.arrayContaining(['outlines.dbf', 'outlines.prj', 'outlines.shp', 'outlines.shx']));
    const zip = path.join(tmp, 'outlines.zip');
    execFileSync('zip', ['-j', '-q', zip, ...parts.map((p) => path.join(shpDir, p))]);
    const before = (await t.db('reference_dataset').where({ id: 'property' }).first('data_version'))
      .data_version as number;
    const report = await load(
      'properties',
      'filename=outlines.zip&reference=ref&name=name&uprns=uprns',
      fs.readFileSync(zip),
    );
    expect(report).toMatchObject({ read: 3, loaded: 3, previousVersion: before, dataVersion: before + 1 });
    await expectOutlines(report.dataVersion);
  });
});

describe('a failed load changes nothing', () => {
  beforeAll(async () => {
    await load(
      'addresses',
      'filename=good.csv',
      csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
        [70001, '1 Kept Street, London', 'SE1 6AA', 533400, 179400],
        [70002, '2 Kept Street, London', 'SE1 6AA', 533410, 179400],
      ]),
    );
    await load(
      'properties',
      'filename=good.geojson&reference=ref',
      JSON.stringify({ type: 'FeatureCollection', crs: CRS27700, features: [OUTLINES.features[0]] }),
    );
  });

  const polygonsAsPoints = JSON.stringify(OUTLINES);
  const pointsAsOutlines = JSON.stringify(POINTS);
  it.each<[string, Dataset, string, string | Buffer, string, RegExp]>([
    ['an empty address file', 'addresses', 'filename=empty.csv', Buffer.alloc(0), 'LAYER_FILE_EMPTY', /empty/],
    [
      'an address CSV with a header and no rows',
      'addresses',
      'filename=header.csv',
      'UPRN,ADDRESS,X_COORDINATE,Y_COORDINATE\n',
      'LAYER_FILE_EMPTY',
      /no rows/,
    ],
    [
      'an address CSV with no UPRN column',
      'addresses',
      'filename=nouprn.csv',
      csv('ID,ADDRESS,X_COORDINATE,Y_COORDINATE', [[1, '1 No Street, London', 533400, 179400]]),
      'LAYER_FILE_FIELD_MISSING',
      /UPRN/,
    ],
    [
      'an address file of polygons',
      'addresses',
      'filename=polygons.geojson',
      polygonsAsPoints,
      'LAYER_FILE_WRONG_GEOMETRY',
      /points/,
    ],
    [
      'an address file whose rows all fail (no coordinates)',
      'addresses',
      'filename=nocoords.csv',
      csv('UPRN,ADDRESS,X_COORDINATE,Y_COORDINATE', [[70009, '9 Lost Street, London', '', '']]),
      'LAYER_FILE_EMPTY',
      /unchanged/,
    ],
    ['an empty outline file', 'properties', 'filename=empty.geojson', Buffer.alloc(0), 'LAYER_FILE_EMPTY', /empty/],
    [
      'an outline file of points',
      'properties',
      'filename=points.geojson&reference=ref',
      pointsAsOutlines,
      'LAYER_FILE_WRONG_GEOMETRY',
      /polygons/,
    ],
    [
      'an outline file with no features',
      'properties',
      'filename=none.geojson',
      JSON.stringify({ type: 'FeatureCollection', crs: CRS27700, features: [] }),
      'LAYER_FILE_EMPTY',
      /no features|empty/i,
    ],
    [
      'an outline file that is not GeoJSON',
      'properties',
      'filename=broken.geojson',
      '{"type": "FeatureCollection", "features": [',
      'LAYER_FILE_UNREADABLE',
      /could not be read/,
    ],
  ])(
    '%s: 422, and the rows, data version, hash and audit log are as before',
    async (_, dataset, query, body, code, message) => {
      const which = dataset === 'addresses' ? 'address' : 'property';
      const before = await state(which);
      expect(before.rows.length).toBeGreaterThan(0);
      const res = await put(dataset, query, body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toMatch(message);
      expect(await state(which)).toEqual(before);
    },
  );

  it('a later good load still works and moves the version on by one', async () => {
    const before = await state('address');
    const report = await load(
      'addresses',
      'filename=again.csv',
      csv('UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE', [
        [70003, '3 Kept Street, London', 'SE1 6AA', 533420, 179400],
      ]),
    );
    expect(report.dataVersion).toBe(before.ds.data_version + 1);
    expect((await addressRows()).map((r) => r.uprn)).toEqual([70003]);
  });
});
