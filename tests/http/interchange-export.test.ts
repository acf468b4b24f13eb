/**
 * Issue 15 item 2: the published register as planning.data.gov.uk `planning-application` data.
 * GET /register/data/planning-application.csv: the header is exactly the specification's field list (in the order of
 * its dataset-field table), values fit the fields' datatypes and the codelists (ISO dates, WKT in WGS84, the
 * organisation CURIE, planning-application-type references), RFC 4180 quoting. GET …/planning-application.geojson:
 * a valid RFC 7946 FeatureCollection in WGS84. Both: published applications only (never unpublished ones or
 * enforcement), every one exactly once across the pages of the stream, and no personal data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';
import { APPLICATION_DECISIONS, APPLICATION_STATUSES } from '../../shared/domain/cases.ts';

let t: TestApp;
const MARKER = /zzmarker/i;
const ROOT = path.join(import.meta.dirname, '..', '..');

/** The specification's fields of planning-application, read from the shipped extract (dataset-field order). */
const SPEC_FIELDS = (
  parse(fs.readFileSync(path.join(ROOT, 'server/modules/interchange/spec/planning-application-fields.csv'), 'utf8'), {
    columns: true,
  }) as Array<{ field: string; datatype: string }>
).map((r) => r);
const TYPES = new Set(
  (
    parse(fs.readFileSync(path.join(ROOT, 'shared/domain/codelists/planning-application-type.csv'), 'utf8'), {
      columns: true,
    }) as Array<{ reference: string }>
  ).map((r) => r.reference),
);

const square = (cx: number, cy: number, half = 5) => ({
  type: 'Polygon',
  coordinates: [
    [
      [cx - half, cy - half],
      [cx + half, cy - half],
      [cx + half, cy + half],
      [cx - half, cy + half],
      [cx - half, cy - half],
    ],
  ],
});
const parties = [
  { role: 'applicant', name: 'ZZMARKER Applicant', email: 'zzmarker@example.org', address: '1 ZZMARKER Road' },
  { role: 'agent', name: 'ZZMARKER Agent', organisation: 'ZZMARKER LLP', phone: '0700 ZZMARKER' },
];

async function makeCase(body: Record<string, unknown>, centre: [number, number] | null) {
  const res = await t
    .as(body.kind === 'enforcement' ? 'enforcement' : 'officer')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'full', parties, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const id = res.body.id as number;
  if (centre)
    await t
      .as(body.kind === 'enforcement' ? 'enforcement' : 'officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: square(...centre) })
      .expect(200);
  return id;
}

const EXTRA = 620; // more than one page (500) of the stream
beforeAll(async () => {
  t = await startTestApp();
  await makeCase(
    {
      reference: '26/AP/2001',
      description: 'Rear extension, with "roof terrace"\nand a new window',
      siteAddress: '10 Test Row, London SE1 9ZZ',
      status: 'decided',
      receivedDate: '2026-01-05',
      validDate: '2026-01-06',
      decision: 'granted',
      decisionDate: '2026-02-10',
    },
    [533000, 179000],
  );
  await makeCase(
    { reference: '26/AP/2002', applicationType: 'hh', description: 'Loft conversion', receivedDate: '2026-01-10' },
    null,
  );
  const hidden = await makeCase(
    { reference: '26/AP/2003', description: 'Unpublished ZZMARKER', receivedDate: '2026-01-07' },
    [533100, 179000],
  );
  const { version } = await t.db('case_record').where({ id: hidden }).first('version');
  await t.as('officer').patch(`/api/cases/${hidden}`).send({ publication: 'unpublished', version }).expect(200);
  await makeCase(
    {
      kind: 'enforcement',
      breachType: 'other',
      description: 'ZZMARKER breach',
      receivedDate: '2026-01-09',
      applicationType: undefined,
      parties: [{ role: 'complainant', name: 'ZZMARKER Complainant' }],
    },
    [533200, 179000],
  );
  // many more published applications, straight into the table (the stream's keyset paging)
  const { id: authorityId } = await t.db('authority').where({ code: 'SWK' }).first('id');
  await t.db.raw(
    `INSERT INTO case_record (authority_id, kind, reference, description, status, received_date, application_type)
     SELECT ?, 'application', '25/AP/' || lpad(g::text, 4, '0'), 'Bulk application ' || g, 'received',
            DATE '2025-01-01' + (g % 300), 'full'
       FROM generate_series(1, ?) g`,
    [authorityId, EXTRA],
  );
}, 120_000);
afterAll(async () => {
  await t?.closeApp();
});

describe('GET /register/data/planning-application.csv', () => {
  let rows: string[][];
  let text: string;
  beforeAll(async () => {
    const res = await t.anon
      .get('/register/data/planning-application.csv')
      .buffer(true)
      .parse((r, cb) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => cb(null, s));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    text = res.body as string;
    rows = parse(text, { relax_column_count: false }) as string[][];
  });

  it('has the specification field list as its header, exactly and in order', () => {
    expect(rows[0]).toEqual(SPEC_FIELDS.map((f) => f.field));
    expect(rows[0]).toEqual([
      'uprn',
      'address-text',
      'decision-date',
      'description',
      'development-classification',
      'documentation-url',
      'end-date',
      'entity',
      'entry-date',
      'geometry',
      'ground-area',
      'name',
      'notes',
      'organisation',
      'point',
      'planning-application-status',
      'planning-application-type',
      'planning-decision',
      'planning-decision-type',
      'prefix',
      'reference',
      'start-date',
    ]);
    expect(text.startsWith('uprn,address-text,')).toBe(true);
    expect(text.split('\r\n')[0]).not.toContain('"');
  });

  it('lists every published application once, and no unpublished application or enforcement case', () => {
    const header = rows[0]!;
    const refs = rows.slice(1).map((r) => r[header.indexOf('reference')]);
    expect(refs.length).toBe(2 + EXTRA);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toContain('26/AP/2001');
    expect(refs).toContain('26/AP/2002');
    expect(refs).not.toContain('26/AP/2003');
    expect(refs.some((r) => r?.includes('/EN/'))).toBe(false);
  });

  it('gives each value in its datatype and codelist', () => {
    const header = rows[0]!;
    const datatype = Object.fromEntries(SPEC_FIELDS.map((f) => [f.field, f.datatype]));
    for (const r of rows.slice(1)) {
      expect(r.length).toBe(header.length);
      const v = Object.fromEntries(header.map((h, i) => [h, r[i]!]));
      for (const [f, value] of Object.entries(v)) {
        if (value === '') continue;
        if (datatype[f] === 'datetime') expect(value, f).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        if (datatype[f] === 'integer') expect(value, f).toMatch(/^\d+$/);
        if (datatype[f] === 'decimal') expect(value, f).toMatch(/^\d+(\.\d+)?$/);
        if (datatype[f] === 'url') expect(value, f).toMatch(/^https?:\/\/[^ ]+$/);
        if (datatype[f] === 'multipolygon') expect(value, f).toMatch(/^MULTIPOLYGON\(\(\(-?\d/);
        if (datatype[f] === 'point') expect(value, f).toMatch(/^POINT\(-?\d+(\.\d+)? -?\d+(\.\d+)?\)$/);
        if (datatype[f] === 'curie') expect(value, f).toMatch(/^[a-z-]+:[A-Za-z0-9-]+$/);
      }
      expect(v.prefix).toBe('planning-application');
      expect(v.organisation).toBe('local-authority:SWK');
      expect(TYPES.has(v['planning-application-type']!), v['planning-application-type']).toBe(true);
      expect(APPLICATION_STATUSES as readonly string[]).toContain(v['planning-application-status']);
      if (v['planning-decision']) expect(APPLICATION_DECISIONS as readonly string[]).toContain(v['planning-decision']);
      expect(v['start-date']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(v['entry-date']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(v['documentation-url']).toMatch(new RegExp(`/register/applications/${v.reference!.replace(/\//g, '-')}$`));
    }
  });

  it('gives the decided application its values, WKT in WGS84 and the quoted description', () => {
    const header = rows[0]!;
    const r = rows.find((x) => x[header.indexOf('reference')] === '26/AP/2001')!;
    const v = Object.fromEntries(header.map((h, i) => [h, r[i]!]));
    expect(v.description).toBe('Rear extension, with "roof terrace"\nand a new window');
    expect(v['address-text']).toBe('10 Test Row, London SE1 9ZZ');
    expect(v['decision-date']).toBe('2026-02-10');
    expect(v['start-date']).toBe('2026-01-05');
    expect(v['planning-decision']).toBe('granted');
    expect(v['planning-application-type']).toBe('full');
    expect(Number(v['ground-area'])).toBeCloseTo(100, 0);
    const nums = v.geometry!.match(/-?\d+\.\d+/g)!.map(Number);
    for (let i = 0; i < nums.length; i += 2) {
      expect(nums[i]).toBeGreaterThan(-0.1); // longitude near -0.0855
      expect(nums[i]).toBeLessThan(-0.07);
      expect(nums[i + 1]).toBeGreaterThan(51.49); // latitude near 51.494
      expect(nums[i + 1]).toBeLessThan(51.5);
    }
    const [lon, lat] = v.point!.slice(6, -1).split(' ').map(Number);
    expect(lon).toBeCloseTo(-0.08553, 3);
    expect(lat).toBeCloseTo(51.49431, 3);
    // an application with no site yet: empty geometry, point and ground-area
    const r2 = rows.find((x) => x[header.indexOf('reference')] === '26/AP/2002')!;
    expect([r2[header.indexOf('geometry')], r2[header.indexOf('point')], r2[header.indexOf('ground-area')]]).toEqual([
      '',
      '',
      '',
    ]);
  });

  it('contains no personal data', () => {
    expect(text).not.toMatch(MARKER);
  });
});

describe('GET /register/data/planning-application.geojson', () => {
  let fc: {
    type: string;
    features: Array<{ type: string; id: string; geometry: any; properties: Record<string, string> }>;
  };
  let text: string;
  beforeAll(async () => {
    const res = await t.anon
      .get('/register/data/planning-application.geojson')
      .buffer(true)
      .parse((r, cb) => {
        let s = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (s += c));
        r.on('end', () => cb(null, s));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    text = res.body as string;
    fc = JSON.parse(text);
  });

  it('is a valid FeatureCollection in WGS84 with every published application once', () => {
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.length).toBe(2 + EXTRA);
    expect(new Set(fc.features.map((f) => f.id)).size).toBe(fc.features.length);
    const fields = SPEC_FIELDS.map((f) => f.field).filter((f) => f !== 'geometry');
    for (const f of fc.features) {
      expect(f.type).toBe('Feature');
      expect(Object.keys(f.properties)).toEqual(fields);
      expect(f.properties.reference).toBe(f.id);
      if (f.geometry === null) continue;
      expect(f.geometry.type).toBe('MultiPolygon');
      for (const poly of f.geometry.coordinates)
        for (const ring of poly) {
          expect(ring.length).toBeGreaterThanOrEqual(4);
          expect(ring[0]).toEqual(ring.at(-1));
          for (const [x, y] of ring) {
            expect(x).toBeGreaterThanOrEqual(-180);
            expect(x).toBeLessThanOrEqual(180);
            expect(y).toBeGreaterThan(49);
            expect(y).toBeLessThan(61);
          }
        }
    }
    const decided = fc.features.find((f) => f.id === '26/AP/2001')!;
    expect(decided.geometry.coordinates[0][0][0][0]).toBeCloseTo(-0.0856, 3);
    expect(decided.properties['planning-decision']).toBe('granted');
    expect(fc.features.find((f) => f.id === '26/AP/2002')!.geometry).toBeNull();
    expect(fc.features.some((f) => f.id === '26/AP/2003')).toBe(false);
  });

  it('contains no personal data', () => {
    expect(text).not.toMatch(MARKER);
  });
});
