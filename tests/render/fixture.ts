/**
 * A render case's data put into a test database through the real routes and loaders: the authority's copyright
 * statement, property outlines and address points (PUT /api/properties/data, /api/addresses/data), constraint layer
 * features (PUT /api/layers/:id/data, GDAL), a case with its red line (POST /api/cases, PUT …/site), a neighbour
 * notification run and a stored constraint check. All geometry is EPSG:27700.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type request from 'supertest';
import type { TestApp } from '../helpers/app.ts';
import { loadBuiltinBaseLayers } from '../../server/modules/maps/base-layers.ts';
import { caseEtag } from '../helpers/if-match.ts';

type Position = [number, number];
export interface Polygonal {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
}
export interface Outline {
  ref: string;
  name?: string;
  geometry: Polygonal;
}
export interface AddressPoint {
  uprn: number;
  parent?: number;
  classification?: string;
  lines?: string[];
  postcode?: string;
  x: number;
  y: number;
}
export interface LayerFeature {
  reference: string;
  name: string;
  properties?: Record<string, string | number>;
  geometry: Polygonal | { type: 'Point'; coordinates: Position };
}

/** tests/render/<case>/input.json */
export interface RenderInput {
  description: string;
  template: 'site-location' | 'neighbours' | 'constraints';
  /** query parameters of GET /api/cases/:id/maps/<template>.png */
  query: Record<string, string>;
  /** the authority's copyright and licence statement (authority.copyright_statement) */
  copyright?: string;
  /** the authority's OS licence number (authority details) */
  osLicenceNumber?: string;
  /** load the base map layers of layers/base (the OpenStreetMap extracts of layers/data/osm) */
  base?: boolean;
  /** data files (relative to the case folder) whose properties and addresses are loaded too */
  include?: string[];
  case: { reference: string; siteAddress?: string; uprns?: number[] };
  site: Polygonal;
  properties?: Outline[];
  addresses?: AddressPoint[];
  layers?: Record<string, LayerFeature[]>;
  run?: { selection: unknown };
  check?: { layers?: string[] };
  /** response headers the render must carry, e.g. { "x-map-scale": "1:1250" } */
  headers?: Record<string, string>;
  /** pixelmatch's per-pixel threshold (0…1) and how many differing pixels still pass */
  tolerance?: { threshold?: number; maxDiffPixels?: number };
}

/** A request whose response body is collected as a Buffer whatever its content type (images and error JSON alike). */
export function binary(test: request.Test): request.Test {
  return test.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** AddressBase-like CSV, as the address loader reads it. */
export function addressCsv(list: AddressPoint[]): string {
  const header = [
    'UPRN',
    'PARENT_UPRN',
    'ADDRESS_LINE_1',
    'ADDRESS_LINE_2',
    'ADDRESS_LINE_3',
    'ADDRESS_LINE_4',
    'ADDRESS_LINE_5',
    'ADDRESS_LINE_6',
    'POSTCODE',
    'CLASSIFICATION',
    'X_COORDINATE',
    'Y_COORDINATE',
  ];
  const rows = list.map((a) => {
    const lines = a.lines ?? [`${a.uprn} Test Road`, 'London'];
    return [
      a.uprn,
      a.parent ?? '',
      ...Array.from({ length: 6 }, (_, i) => lines[i] ?? ''),
      a.postcode ?? 'SE1 1AA',
      a.classification ?? 'RD04',
      a.x,
      a.y,
    ]
      .map(csvCell)
      .join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

const CRS27700 = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } };

export async function loadOutlines(t: TestApp, outlines: Outline[]) {
  const fc = {
    type: 'FeatureCollection',
    crs: CRS27700,
    features: outlines.map((o) => ({
      type: 'Feature',
      properties: { ref: o.ref, name: o.name ?? null },
      geometry: o.geometry,
    })),
  };
  const res = await t
    .as('gis')
    .put('/api/properties/data?filename=outlines.geojson&reference=ref&name=name')
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .send(JSON.stringify(fc));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.loaded).toBe(outlines.length);
}

export async function loadAddresses(t: TestApp, list: AddressPoint[]) {
  const res = await t
    .as('gis')
    .put('/api/addresses/data?filename=addresses.csv')
    .set('If-Match', '*')
    .set('Content-Type', 'text/csv')
    .send(addressCsv(list));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.loaded).toBe(list.length);
}

export async function loadLayer(t: TestApp, layerId: string, features: LayerFeature[]) {
  const fc = {
    type: 'FeatureCollection',
    crs: CRS27700,
    features: features.map((f) => ({
      type: 'Feature',
      properties: { reference: f.reference, name: f.name, ...f.properties },
      geometry: f.geometry,
    })),
  };
  const res = await t
    .as('gis')
    .put(`/api/layers/${layerId}/data?filename=${layerId}.geojson`)
    .set('If-Match', '*')
    .set('Content-Type', 'application/geo+json')
    .set('Prefer', 'wait=300')
    .send(JSON.stringify(fc));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.report.loaded, JSON.stringify(res.body)).toBe(features.length);
}

export async function setCopyright(t: TestApp, text: string) {
  await t.db('authority').where({ id: t.authorityId }).update({ copyright_statement: text });
}

export async function createCase(
  t: TestApp,
  c: { reference?: string; siteAddress?: string; uprns?: number[] },
  site?: Polygonal,
): Promise<number> {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Rear extension',
      receivedDate: '2024-03-01',
      ...c,
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as number;
  if (site) {
    const s = await t
      .as('officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: site });
    expect(s.status, JSON.stringify(s.body)).toBe(200);
  }
  return id;
}

export async function createRun(t: TestApp, caseId: number, selection: unknown): Promise<number> {
  const res = await t.as('officer').post(`/api/cases/${caseId}/notification-runs`).send({ selection });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

export async function createCheck(t: TestApp, caseId: number, layers?: string[]): Promise<number> {
  const res = await t
    .as('officer')
    .post(`/api/cases/${caseId}/constraint-checks`)
    .send(layers ? { layers } : {});
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

/** Puts a case folder's input into the test app's database; returns the case (and run and check) it made. */
export async function loadInput(
  t: TestApp,
  dir: string,
  input: RenderInput,
): Promise<{ caseId: number; runId: number | null; checkId: number | null }> {
  const outlines = [...(input.properties ?? [])];
  const addresses = [...(input.addresses ?? [])];
  for (const inc of input.include ?? []) {
    const data = JSON.parse(fs.readFileSync(path.join(dir, inc), 'utf8')) as {
      properties?: Outline[];
      addresses?: AddressPoint[];
    };
    outlines.push(...(data.properties ?? []));
    addresses.push(...(data.addresses ?? []));
  }
  if (input.copyright !== undefined) await setCopyright(t, input.copyright);
  if (input.base) await loadBuiltinBaseLayers(t.db);
  if (input.osLicenceNumber)
    await t.db('authority').where({ id: t.authorityId }).update({ os_licence_number: input.osLicenceNumber });
  if (outlines.length) await loadOutlines(t, outlines);
  if (addresses.length) await loadAddresses(t, addresses);
  for (const [layerId, features] of Object.entries(input.layers ?? {})) await loadLayer(t, layerId, features);
  const caseId = await createCase(t, input.case, input.site);
  const runId = input.run ? await createRun(t, caseId, input.run.selection) : null;
  const checkId = input.check ? await createCheck(t, caseId, input.check.layers) : null;
  return { caseId, runId, checkId };
}
