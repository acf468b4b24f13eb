/**
 * Issue 15 item 3: POST /api/imports/odp takes an application in the ODP submission shape (schema v0.7.7,
 * server/modules/interchange/schemas/application.json) as PlanX sends it. Hand-made fixtures (tests/fixtures/odp):
 * four that fit (householder with an agent, minor full with a MultiPolygon on data.proposal only, LDC proposed,
 * prior approval) and one bad submission per kind of problem, each problem asserted at its exact JSON Pointer, with
 * nothing created (case_record, case_party, case_site, audit_log counts unchanged).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { odpValidator } from '../../server/modules/interchange/odp-schema.ts';
import { ODP_TO_PLANNING_TYPE } from '../../server/modules/interchange/odp-types.ts';
import { intakePathToPointer, positionPointer } from '../../server/modules/interchange/odp-import.ts';
import { isApplicationType } from '../../shared/domain/cases.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'odp');
const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Record<string, any>;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
  odpValidator(); // compile the 0.8 MB schema once, outside the tests' timings
}, 120_000);
afterAll(async () => {
  await t?.closeApp();
});

const TABLES = ['case_record', 'case_party', 'case_site', 'audit_log'] as const;
async function counts(): Promise<Record<(typeof TABLES)[number], number>> {
  const out = { case_record: 0, case_party: 0, case_site: 0, audit_log: 0 };
  for (const table of TABLES) {
    const row = (await t.db(table).count({ n: '*' }).first()) as { n: string };
    out[table] = Number(row.n);
  }
  return out;
}

const post = (body: unknown, role: 'officer' | 'admin' | 'support' | 'gis' | 'enforcement' = 'officer') =>
  t
    .as(role)
    .post('/api/imports/odp')
    .send(body as object);

describe('the mapping', () => {
  it('maps every ODP type it names to a planning.data.gov.uk application type', () => {
    for (const [odp, pd] of Object.entries(ODP_TO_PLANNING_TYPE))
      expect(isApplicationType(pd), `${odp} → ${pd}`).toBe(true);
  });
  it('turns the intake paths into JSON Pointers under the boundary', () => {
    expect(intakePathToPointer('/data/x/geometry', '$.coordinates[0][3]')).toBe('/data/x/geometry/coordinates/0/3');
    expect(intakePathToPointer('/b', '$')).toBe('/b');
  });
  it('finds the position that starts the edge through a point (the later edge of a crossing)', () => {
    const g = {
      type: 'Polygon',
      coordinates: [
        [
          [0, 0],
          [10, 0],
          [0, 10],
          [10, 10],
          [0, 0],
        ],
      ],
    };
    expect(positionPointer('/g', g, [5, 5])).toBe('/g/coordinates/0/3');
    expect(positionPointer('/g', g, [5, 0])).toBe('/g/coordinates/0/0');
    expect(positionPointer('/g', g, [5, 5.001], 1e-7)).toBeNull();
    const m = {
      type: 'MultiPolygon',
      coordinates: [
        [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
        g.coordinates,
      ],
    };
    expect(positionPointer('/g', m, [5, 5])).toBe('/g/coordinates/1/0/3');
  });
});

describe('POST /api/imports/odp: submissions that fit', () => {
  it('every good fixture fits the shipped schema (Ajv, zero errors)', () => {
    const v = odpValidator();
    for (const name of ['householder', 'full-minor', 'ldc-proposed', 'prior-approval-larger-extension']) {
      expect(v(fixture(name)), `${name}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true);
    }
  });

  it('imports a householder application: case, site, applicant and agent, development, fee, audit', async () => {
    const before = await counts();
    const res = await post(fixture('householder'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as number;
    expect(res.headers.location).toBe(`/api/cases/${id}`);
    expect(res.body.reference).toMatch(/^26\/AP\/\d{4}$/);

    const c = await t.db('case_record').where({ id }).first();
    expect(c.kind).toBe('application');
    expect(c.application_type).toBe('hh');
    expect(c.description).toBe('Rear roof dormer and two front rooflights.');
    expect(c.site_address).toBe('12, TEST ROW, LONDON, SE1 9ZZ');
    expect(c.uprns.map(Number)).toEqual([990000000012]);
    expect(c.status).toBe('received');
    expect(
      await t.db('case_record').where({ id }).first(t.db.raw(`to_char(received_date, 'YYYY-MM-DD') AS d`)),
    ).toEqual({
      d: '2026-11-30',
    });
    expect(c.development).toEqual({ floorspaceM2: 18.5, newBuildingOrExtension: true });
    expect(Number(c.fee_payable)).toBe(258);
    expect(Number(c.fee_calculated)).toBe(258);
    expect(c.fee_reference).toBe('sandbox-ref-swk-0001');
    expect(c.odp_submission_id).toBe('6d1f3c2a-8b4e-4f6a-9c1d-2e3f4a5b6c7d');

    const parties = await t.db('case_party').where({ case_id: id }).orderBy('role', 'desc').select();
    expect(parties.map((p) => ({ ...p, id: undefined, case_id: undefined }))).toEqual([
      {
        id: undefined,
        case_id: undefined,
        role: 'applicant',
        name: 'Ms Ada Applicant',
        organisation: null,
        address: '12, TEST ROW, LONDON, SE1 9ZZ',
        postcode: 'SE1 9ZZ',
        email: 'ada.applicant@example.org',
        phone: '020 7946 0001',
      },
      {
        id: undefined,
        case_id: undefined,
        role: 'agent',
        name: 'Ali Agent',
        organisation: 'Agent & Partners LLP',
        address: '5 Architects Yard, London',
        postcode: 'SE1 0AA',
        email: 'ali@agent-partners.example.org',
        phone: '020 7946 0002',
      },
    ]);

    const site = await t
      .db('case_site')
      .where({ case_id: id })
      .whereNull('superseded_at')
      .first('source', 'input_crs', t.db.raw('ST_Area(geom) AS area'));
    expect(site.source).toBe('imported');
    expect(site.input_crs).toBe('CRS84');
    expect(Number(site.area)).toBeGreaterThan(99); // a 10 m square drawn in EPSG:27700, sent in WGS84
    expect(Number(site.area)).toBeLessThan(101);

    const audit = await t
      .db('audit_log')
      .where({ entity_id: String(id) })
      .orWhere({ action: 'case.site.set' })
      .select('action');
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['case.create', 'case.site.set', 'case.import.odp']));
    const after = await counts();
    expect(after.case_record - before.case_record).toBe(1);
    expect(after.case_party - before.case_party).toBe(2);
    expect(after.case_site - before.case_site).toBe(1);
    expect(after.audit_log - before.audit_log).toBe(3);

    // the staff API shows the imported case as any other
    const got = await t.as('officer').get(`/api/cases/${id}`).expect(200);
    expect(got.body.applicationType).toBe('hh');
    expect(got.body.site.source).toBe('imported');
  });

  it('imports a minor full application: company applicant, dwellings and floor space, MultiPolygon from data.proposal', async () => {
    const res = await post(fixture('full-minor'));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const c = await t.db('case_record').where({ id: res.body.id }).first();
    expect(c.application_type).toBe('full');
    expect(c.development).toEqual({ dwellings: 4, floorspaceM2: 380, newBuildingOrExtension: true });
    expect(Number(c.fee_payable)).toBe(2312);
    const parties = await t
      .db('case_party')
      .where({ case_id: res.body.id })
      .select('role', 'name', 'organisation', 'address');
    expect(parties).toEqual([
      {
        role: 'applicant',
        name: 'Dev Eloper',
        organisation: 'Bankside Homes Ltd',
        address: '1 Builders Wharf, Bankside, London',
      },
    ]);
    const site = await t
      .db('case_site')
      .where({ case_id: res.body.id })
      .first(t.db.raw('ST_NumGeometries(geom) AS parts'), t.db.raw('ST_Area(geom) AS area'));
    expect(site.parts).toBe(2);
    expect(Number(site.area)).toBeCloseTo(300 + 64, -0.5);
  });

  it('imports an LDC (proposed) and a prior approval (larger home extension) with their types', async () => {
    const ldc = await post(fixture('ldc-proposed'));
    expect(ldc.status, JSON.stringify(ldc.body)).toBe(201);
    const pa = await post(fixture('prior-approval-larger-extension'));
    expect(pa.status, JSON.stringify(pa.body)).toBe(201);
    const types = await t
      .db('case_record')
      .whereIn('id', [ldc.body.id, pa.body.id])
      .orderBy('id')
      .pluck('application_type');
    expect(types).toEqual(['ldc-prospective-use', 'pa-extension']);
    const ldcApplicant = await t.db('case_party').where({ case_id: ldc.body.id }).first('address', 'postcode');
    expect(ldcApplicant).toEqual({ address: '7 Elsewhere Road, Croydon', postcode: 'CR0 1AA' });
  });
});

describe('POST /api/imports/odp: submissions that do not fit (422, every problem at its path, nothing created)', () => {
  const cases: Array<[string, Array<{ path: string; code: string }>]> = [
    [
      'bad-schema',
      [
        { path: '/data/proposal/description', code: 'SCHEMA_TYPE' },
        { path: '/data/application/colour', code: 'SCHEMA_ADDITIONALPROPERTIES' },
        { path: '/data/application/declaration/connection/value', code: 'SCHEMA_ENUM' },
      ],
    ],
    ['bad-unknown-type', [{ path: '/data/application/type/value', code: 'UNKNOWN_APPLICATION_TYPE' }]],
    [
      'bad-self-intersecting',
      [{ path: '/data/property/boundary/site/geometry/coordinates/0/3', code: 'INVALID_GEOMETRY' }],
    ],
    ['bad-outside-authority', [{ path: '/data/property/boundary/site/geometry', code: 'SITE_OUTSIDE_AUTHORITY' }]],
    ['bad-ring-not-closed', [{ path: '/data/property/boundary/site/geometry/coordinates/0', code: 'RING_NOT_CLOSED' }]],
    ['bad-missing-applicant', [{ path: '/data/applicant', code: 'SCHEMA_REQUIRED' }]],
    [
      'bad-dates',
      [
        { path: '/metadata/submittedAt', code: 'DATE_IN_FUTURE' },
        { path: '/data/proposal/date/completion', code: 'DATES_OUT_OF_ORDER' },
      ],
    ],
    ['bad-fee-type', [{ path: '/data/application/fee/payable', code: 'SCHEMA_TYPE' }]],
    ['bad-wrong-organisation', [{ path: '/metadata/organisation', code: 'WRONG_ORGANISATION' }]],
    [
      'bad-several',
      [
        { path: '/data/application/fee/payable', code: 'SCHEMA_TYPE' },
        { path: '/metadata/submittedAt', code: 'DATE_IN_FUTURE' },
        { path: '/data/application/type/value', code: 'UNKNOWN_APPLICATION_TYPE' },
        { path: '/data/property/boundary/site/geometry/coordinates/0/3', code: 'INVALID_GEOMETRY' },
      ],
    ],
  ];

  for (const [name, expected] of cases) {
    it(`${name}: ${expected.map((e) => `${e.code} at ${e.path}`).join('; ')}`, async () => {
      const before = await counts();
      const res = await post(fixture(name));
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe('ODP_SUBMISSION_INVALID');
      expect(res.body.error.message).toMatch(/nothing was created/);
      const got = (res.body.error.problems as Array<{ path: string; code: string; message: string }>).map((p) => ({
        path: p.path,
        code: p.code,
      }));
      // exactly these problems: every one reported, nothing else
      expect(got.sort((a, b) => a.path.localeCompare(b.path))).toEqual(
        [...expected].sort((a, b) => a.path.localeCompare(b.path)),
      );
      for (const p of res.body.error.problems) expect(p.message.length).toBeGreaterThan(0);
      expect(res.body.error.details.problems).toEqual(res.body.error.problems);
      expect(await counts()).toEqual(before);
    });
  }

  it('refuses the same submission twice (metadata.id), creating nothing the second time', async () => {
    const body = fixture('householder');
    body.metadata.id = 'd7e8f90a-1b2c-4d3a-b6c7-8d9eafb0c1d8';
    expect((await post(body)).status).toBe(201);
    const before = await counts();
    const again = await post(body);
    expect(again.status).toBe(422);
    expect(again.body.error.problems).toEqual([
      expect.objectContaining({ path: '/metadata/id', code: 'ALREADY_IMPORTED' }),
    ]);
    expect(await counts()).toEqual(before);
  });

  it('a body that is not an object: one problem at the root', async () => {
    const res = await post([1, 2]);
    expect(res.status).toBe(422);
    expect(res.body.error.problems).toEqual([expect.objectContaining({ path: '', code: 'SCHEMA_TYPE' })]);
  });

  it('a negative fee and an applicant e-mail Redline cannot store are reported at their paths', async () => {
    const body = fixture('householder');
    body.metadata.id = 'e8f90a1b-2c3d-4e4b-87d8-9eafb0c1d2e9';
    body.data.application.fee.payable = -1;
    body.data.applicant.phone.primary = 'x'.repeat(41);
    const before = await counts();
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.error.problems.map((p: { path: string; code: string }) => [p.path, p.code])).toEqual([
      ['/data/application/fee/payable', 'FEE_OUT_OF_RANGE'],
      ['/data/applicant/phone/primary', 'PARTY_FIELD_INVALID'],
    ]);
    expect(await counts()).toEqual(before);
  });
});

describe('POST /api/imports/odp: who may import', () => {
  it('answers 401 without an account and 403 to roles that may not register applications', async () => {
    const before = await counts();
    expect((await t.anon.post('/api/imports/odp').send(fixture('householder'))).status).toBe(401);
    for (const role of ['gis', 'enforcement'] as const) {
      const res = await post(fixture('householder'), role);
      expect(res.status, role).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });
});
