/**
 * Cases over HTTP on a real PostGIS database: registering planning applications and enforcement cases,
 * generated references, reading with ETags, listing with filters, optimistic concurrency, dates,
 * site boundaries (EPSG:27700 and CRS84) with their history, nearby planning history, and who sees personal details.
 *
 * Every test file has its own database, but the tests in this file share one; each test makes its own cases
 * (list tests scope themselves with a reference prefix, reference tests use a received year no other test uses).
 */
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EPSG_27700_PROJ4 } from '../../shared/epsg27700.ts';
import { ROLES, type Role } from '../../shared/domain/cases.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

type Pos = [number, number];
const rect = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x0, y0],
      [x1, y0],
      [x1, y1],
      [x0, y1],
      [x0, y0],
    ] as Pos[],
  ],
});
const square = (x: number, y: number, side: number) => rect(x, y, x + side, y + side);

let refSeq = 0;
/** a reference no other test uses */
const uniqueRef = (prefix = 'T') => `${prefix}/${process.pid}/${++refSeq}`;

const applicationBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'application',
  applicationType: 'full',
  description: 'Erection of a two storey rear extension',
  siteAddress: '12 Example Street, London SE1',
  receivedDate: '2024-05-01',
  reference: uniqueRef(),
  ...over,
});
const enforcementBody = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  kind: 'enforcement',
  breachType: 'untidy-land',
  description: 'Rubbish piled in the front garden',
  receivedDate: '2024-05-01',
  reference: uniqueRef(),
  ...over,
});

async function create(
  body: Record<string, unknown>,
  role: Role = body.kind === 'enforcement' ? 'enforcement' : 'officer',
) {
  const res = await t.as(role).post('/api/cases').send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; reference: string; version: number } & Record<string, unknown>;
}

async function read(id: number, role: Role = 'admin') {
  const res = await t.as(role).get(`/api/cases/${id}`);
  expect(res.status).toBe(200);
  return res;
}

async function putSite(
  id: number,
  geometry: unknown,
  opts: { role?: Role; crs?: string | null; ifMatch?: string; source?: string } = {},
) {
  const crs = opts.crs === undefined ? 'EPSG:27700' : opts.crs;
  const req = t.as(opts.role ?? 'admin').put(`/api/cases/${id}/site${crs ? `?crs=${encodeURIComponent(crs)}` : ''}`);
  // the case's current ETag unless the test sends its own ('' sends none)
  const ifMatch = opts.ifMatch ?? (await caseEtag(t, id));
  if (ifMatch) req.set('If-Match', ifMatch);
  return req.send({ geometry, ...(opts.source ? { source: opts.source } : {}) });
}

async function list(params: Record<string, string | number | boolean>, role: Role = 'officer') {
  const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await t.as(role).get(`/api/cases?${qs}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as {
    items: Array<{ id: number; reference: string } & Record<string, unknown>>;
    total: number;
    limit: number;
    offset: number;
  };
}

async function siteVersions(id: number, crs?: string) {
  const res = await t.as('gis').get(`/api/cases/${id}/site/versions${crs ? `?crs=${crs}` : ''}`);
  expect(res.status).toBe(200);
  return res.body.items as Array<{
    id: number;
    setBy: string;
    setAt: string;
    supersededAt: string | null;
    areaM2: number;
    areaHa: number;
    inputCrs: string;
    geometry: { coordinates: unknown };
  }>;
}

describe('registering a planning application', () => {
  it('creates it with 201, a Location, ETag "v1" and every field read back as sent', async () => {
    const body = applicationBody({
      applicationType: 'hh',
      uprns: [100023336956, 200003480529],
      validDate: '2024-05-03',
      targetDate: '2024-06-28',
      officer: 'officer.user',
    });
    const res = await t.as('officer').post('/api/cases').send(body).expect(201);
    expect(res.headers.location).toBe(`/api/cases/${res.body.id}`);
    expect(res.headers.etag).toBe('"v1"');
    expect(res.body).toMatchObject({
      kind: 'application',
      reference: body.reference,
      applicationType: 'hh',
      breachType: null,
      description: body.description,
      siteAddress: body.siteAddress,
      status: 'received',
      receivedDate: '2024-05-01',
      validDate: '2024-05-03',
      targetDate: '2024-06-28',
      effectiveTargetDate: '2024-06-28',
      extensionsOfTime: [],
      officer: { username: 'officer.user' },
      version: 1,
      site: null,
    });
    const again = await read(res.body.id);
    expect(again.body).toMatchObject({ reference: body.reference, applicationType: 'hh', version: 1 });
  });

  it('returns UPRNs as the numbers that were sent (not strings)', async () => {
    const c = await create(applicationBody({ uprns: [100023336956, 10] }));
    expect(c.uprns).toEqual([100023336956, 10]);
    expect((await read(c.id)).body.uprns).toEqual([100023336956, 10]);
    const listed = await list({ reference: c.reference });
    expect(listed.items[0]!.uprns).toEqual([100023336956, 10]);
  });

  it.each(['waste-dev', 'mineral-extraction'])(
    'accepts the county matter application type %s from the code list',
    async (type) => {
      const c = await create(applicationBody({ applicationType: type }));
      expect(c.applicationType).toBe(type);
      const codes = await t.as('gis').get('/api/codelists/application-types').expect(200);
      const entry = (codes.body.items as Array<{ reference: string; countyMatter: string | null }>).find(
        (i) => i.reference === type,
      );
      expect(entry?.countyMatter).toBe(type === 'waste-dev' ? 'waste' : 'minerals');
    },
  );

  it('refuses an application type that is not in the code list with 422 UNKNOWN_APPLICATION_TYPE and stores nothing', async () => {
    const body = applicationBody({ applicationType: 'extension-to-the-moon' });
    const res = await t.as('officer').post('/api/cases').send(body).expect(422);
    expect(res.body.error.code).toBe('UNKNOWN_APPLICATION_TYPE');
    expect(res.body.error.details).toEqual({ applicationType: 'extension-to-the-moon' });
    expect((await list({ reference: body.reference as string })).total).toBe(0);
  });

  it('refuses an application that names a breach type (enforcement only) with 400 VALIDATION_FAILED', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send(applicationBody({ breachType: 'untidy-land' }))
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses an unknown officer with 422 UNKNOWN_OFFICER and stores nothing', async () => {
    const body = applicationBody({ officer: 'no.such.person' });
    const res = await t.as('officer').post('/api/cases').send(body).expect(422);
    expect(res.body.error.code).toBe('UNKNOWN_OFFICER');
    expect((await list({ reference: body.reference as string })).total).toBe(0);
  });

  it('refuses a received date that is not a real calendar date', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send(applicationBody({ receivedDate: '2024-02-30' }))
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].path).toBe('body.receivedDate');
  });
});

describe('registering an enforcement case', () => {
  it.each(['derelict-property', 'empty-property'])(
    'records a %s complaint with site visits and notices served with compliance dates',
    async (breachType) => {
      const body = enforcementBody({
        breachType,
        status: 'notice-served',
        siteVisits: [
          { visitedOn: '2024-05-10', officer: 'enforcement.user', notes: 'Windows boarded, garden overgrown' },
          { visitedOn: '2024-06-01' },
        ],
        noticesServed: [
          {
            type: 'section-215-notice',
            servedOn: '2024-06-05',
            effectiveOn: '2024-07-05',
            complianceDate: '2024-09-05',
            notes: 'Clear and secure',
          },
          { type: 'planning-contravention-notice', servedOn: '2024-05-20', complianceDate: '2024-06-10' },
        ],
      });
      const c = await create(body, 'enforcement');
      expect(c.reference).toBe(body.reference);
      const got = (await read(c.id, 'enforcement')).body;
      expect(got).toMatchObject({ kind: 'enforcement', breachType, applicationType: null, status: 'notice-served' });
      expect(got.siteVisits).toEqual(body.siteVisits);
      expect(got.noticesServed).toEqual(body.noticesServed);
      expect(got.noticesServed.map((n: { complianceDate: string }) => n.complianceDate)).toEqual([
        '2024-09-05',
        '2024-06-10',
      ]);
    },
  );

  it('refuses a breach type that is not one of the listed types', async () => {
    const res = await t
      .as('enforcement')
      .post('/api/cases')
      .send(enforcementBody({ breachType: 'noisy-neighbours' }))
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain('body.breachType');
  });

  it('refuses a notice of an unknown type', async () => {
    const res = await t
      .as('enforcement')
      .post('/api/cases')
      .send(enforcementBody({ noticesServed: [{ type: 'strongly-worded-letter', servedOn: '2024-06-01' }] }))
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses application-only fields (applicationType, validDate) on an enforcement case', async () => {
    for (const extra of [{ applicationType: 'full' }, { validDate: '2024-05-02' }]) {
      const res = await t.as('enforcement').post('/api/cases').send(enforcementBody(extra)).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('generated references', () => {
  // 2026 is used by no other test in this file, so its counters start at zero here
  it('numbers applications 26/AP/0001, 26/AP/0002 … and enforcement cases 26/EN/0001 separately, by the received year', async () => {
    const a1 = await create(applicationBody({ reference: undefined, receivedDate: '2026-01-05' }));
    const a2 = await create(applicationBody({ reference: undefined, receivedDate: '2026-02-05' }));
    const e1 = await create(enforcementBody({ reference: undefined, receivedDate: '2026-02-06' }));
    const a3 = await create(applicationBody({ reference: undefined, receivedDate: '2026-12-31' }));
    const old = await create(applicationBody({ reference: undefined, receivedDate: '2019-12-31' }));
    expect([a1.reference, a2.reference, a3.reference]).toEqual(['26/AP/0001', '26/AP/0002', '26/AP/0003']);
    expect(e1.reference).toBe('26/EN/0001');
    expect(old.reference).toBe('19/AP/0001');
  });

  it('skips a number someone already used as an explicit reference', async () => {
    await create(applicationBody({ reference: '26/AP/0005', receivedDate: '2026-03-01' }));
    const next = await create(applicationBody({ reference: undefined, receivedDate: '2026-03-02' }));
    expect(next.reference).toBe('26/AP/0004');
    const after = await create(applicationBody({ reference: undefined, receivedDate: '2026-03-03' }));
    expect(after.reference).toBe('26/AP/0006');
  });

  it('gives concurrent registrations distinct, consecutive references', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t
          .as('support')
          .post('/api/cases')
          .send(enforcementBody({ reference: undefined, receivedDate: '2027-04-01' })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    const refs = results.map((r) => r.body.reference as string).sort();
    expect(refs).toEqual(['27/EN/0001', '27/EN/0002', '27/EN/0003', '27/EN/0004', '27/EN/0005', '27/EN/0006']);
  });

  it('refuses a reference already used by another case with 409 REFERENCE_TAKEN', async () => {
    const first = await create(applicationBody());
    const res = await t
      .as('support')
      .post('/api/cases')
      .send(enforcementBody({ reference: first.reference }))
      .expect(409);
    expect(res.body.error).toMatchObject({ code: 'REFERENCE_TAKEN', details: { reference: first.reference } });
    expect((await list({ reference: first.reference })).total).toBe(1);
  });

  it('refuses all but one of several concurrent registrations with the same reference with 409 REFERENCE_TAKEN (never a 500)', async () => {
    const reference = uniqueRef('RACE');
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.as('officer').post('/api/cases').send(applicationBody({ reference }))),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.error.code).toBe('REFERENCE_TAKEN');
    expect((await list({ reference })).total).toBe(1);
  });
});

describe('reading a case', () => {
  it('sends the version as ETag "v1" and in the body', async () => {
    const c = await create(applicationBody());
    const res = await read(c.id, 'gis');
    expect(res.headers.etag).toBe('"v1"');
    expect(res.body.version).toBe(1);
  });

  it.each(['999999', '0', '-1', 'abc', '1.5', '2147483648', '99999999999999999999'])(
    'answers 404 CASE_NOT_FOUND for the id %s',
    async (id) => {
      const res = await t.as('officer').get(`/api/cases/${id}`).expect(404);
      expect(res.body.error.code).toBe('CASE_NOT_FOUND');
    },
  );
});

describe('listing cases', () => {
  // Scoped by the reference prefix LF/ (and one decoy LFX/), so other tests' cases never interfere.
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    const made = [
      applicationBody({
        reference: 'LF/001',
        applicationType: 'full',
        receivedDate: '2015-01-10',
        officer: 'officer.user',
        description: 'Loft conversion with a rear dormer',
        siteAddress: '1 Zebra Road',
      }),
      applicationBody({
        reference: 'LF/002',
        applicationType: 'hh',
        status: 'valid',
        receivedDate: '2015-02-15',
        description: 'Single storey rear extension',
        siteAddress: '2 Elm Row',
      }),
      applicationBody({
        reference: 'LF/003',
        applicationType: 'waste-dev',
        receivedDate: '2015-03-20',
        officer: 'support.user',
        description: 'Waste transfer station',
        siteAddress: '3 Canal Side',
      }),
      enforcementBody({
        reference: 'LF/004',
        breachType: 'derelict-property',
        status: 'investigating',
        receivedDate: '2015-02-28',
        officer: 'officer.user',
        description: 'Derelict shopfront',
        siteAddress: 'Zebra Court',
      }),
      enforcementBody({
        reference: 'LF/005',
        breachType: 'empty-property',
        receivedDate: '2015-12-31',
        description: 'Empty house',
        siteAddress: '5 Oak Lane',
      }),
      applicationBody({
        reference: 'LFX/001',
        receivedDate: '2015-02-20',
        description: 'Decoy: Zebra dormer',
        siteAddress: 'LF_ House',
      }),
    ];
    for (const b of made) ids[b.reference as string] = (await create(b, 'admin')).id;
    expect((await putSite(ids['LF/001']!, square(533500, 176000, 50))).status).toBe(200);
    expect((await putSite(ids['LF/004']!, square(533600, 176000, 50))).status).toBe(200);
  });
  const refs = (body: { items: Array<{ reference: string }> }) => body.items.map((i) => i.reference);

  it('filters by reference prefix, newest received first, with the total', async () => {
    const res = await list({ reference: 'LF/' });
    expect(refs(res)).toEqual(['LF/005', 'LF/003', 'LF/004', 'LF/002', 'LF/001']);
    expect(res.total).toBe(5);
  });

  it('treats _ and % in the reference prefix as literal characters, not wildcards', async () => {
    expect((await list({ reference: 'LF_' })).total).toBe(0);
    expect((await list({ reference: 'LF%' })).total).toBe(0);
    expect(refs(await list({ reference: 'LF' })).sort()).toEqual([
      'LF/001',
      'LF/002',
      'LF/003',
      'LF/004',
      'LF/005',
      'LFX/001',
    ]);
  });

  it('filters by kind', async () => {
    expect(refs(await list({ reference: 'LF/', kind: 'application' }))).toEqual(['LF/003', 'LF/002', 'LF/001']);
    expect(refs(await list({ reference: 'LF/', kind: 'enforcement' }))).toEqual(['LF/005', 'LF/004']);
  });

  it('filters by status', async () => {
    expect(refs(await list({ reference: 'LF/', status: 'received' }))).toEqual(['LF/005', 'LF/003', 'LF/001']);
    expect(refs(await list({ reference: 'LF/', status: 'investigating' }))).toEqual(['LF/004']);
  });

  it('filters by application type and by breach type', async () => {
    expect(refs(await list({ reference: 'LF/', applicationType: 'waste-dev' }))).toEqual(['LF/003']);
    expect(refs(await list({ reference: 'LF/', breachType: 'derelict-property' }))).toEqual(['LF/004']);
  });

  it('filters by officer username (and an unknown officer matches nothing)', async () => {
    expect(refs(await list({ reference: 'LF/', officer: 'officer.user' }))).toEqual(['LF/004', 'LF/001']);
    expect(refs(await list({ reference: 'LF/', officer: 'support.user' }))).toEqual(['LF/003']);
    expect((await list({ reference: 'LF/', officer: 'nobody.here' })).total).toBe(0);
  });

  it('finds text in the description, address or reference, ignoring case, with % taken literally', async () => {
    expect(refs(await list({ reference: 'LF/', q: 'zEbRa' }))).toEqual(['LF/004', 'LF/001']);
    expect(refs(await list({ reference: 'LF/', q: 'dormer' }))).toEqual(['LF/001']);
    expect(refs(await list({ q: 'LFX/0' }))).toEqual(['LFX/001']);
    expect((await list({ reference: 'LF/', q: '%' })).total).toBe(0);
    expect(refs(await list({ reference: 'LFX', q: 'LF_' }))).toEqual(['LFX/001']);
    expect((await list({ reference: 'LF/', q: 'LF_' })).total).toBe(0);
  });

  it('filters by received date with both bounds inclusive', async () => {
    expect(refs(await list({ reference: 'LF/', receivedFrom: '2015-02-15', receivedTo: '2015-02-28' }))).toEqual([
      'LF/004',
      'LF/002',
    ]);
    expect(refs(await list({ reference: 'LF/', receivedFrom: '2015-02-16', receivedTo: '2015-02-27' }))).toEqual([]);
    expect(refs(await list({ reference: 'LF/', receivedFrom: '2015-12-31' }))).toEqual(['LF/005']);
    expect(refs(await list({ reference: 'LF/', receivedTo: '2015-01-10' }))).toEqual(['LF/001']);
  });

  it('filters by whether a site is plotted', async () => {
    expect(refs(await list({ reference: 'LF/', hasSite: true }))).toEqual(['LF/004', 'LF/001']);
    expect(refs(await list({ reference: 'LF/', hasSite: false }))).toEqual(['LF/005', 'LF/003', 'LF/002']);
  });

  it('combines filters', async () => {
    expect(
      refs(await list({ reference: 'LF/', kind: 'application', officer: 'officer.user', hasSite: true, q: 'zebra' })),
    ).toEqual(['LF/001']);
  });

  it('pages with limit and offset, the total counting every match', async () => {
    const pages = [];
    for (const offset of [0, 2, 4, 6]) {
      const page = await list({ reference: 'LF/', limit: 2, offset });
      expect(page).toMatchObject({ total: 5, limit: 2, offset });
      pages.push(refs(page));
    }
    expect(pages).toEqual([['LF/005', 'LF/003'], ['LF/004', 'LF/002'], ['LF/001'], []]);
  });

  it('uses limit 50 and offset 0 when none are given', async () => {
    const res = await list({ reference: 'LF/' });
    expect(res).toMatchObject({ limit: 50, offset: 0 });
  });

  it.each([
    ['limit=0', 'query.limit'],
    ['limit=201', 'query.limit'],
    ['offset=-1', 'query.offset'],
    ['kind=planning', 'query.kind'],
    ['hasSite=yes', 'query.hasSite'],
    ['receivedFrom=2015-02-30', 'query.receivedFrom'],
  ])('refuses %s with 400 VALIDATION_FAILED naming %s', async (qs, path) => {
    const res = await t.as('officer').get(`/api/cases?${qs}`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
  });

  it('accepts limit 200 (the maximum)', async () => {
    expect((await list({ reference: 'LF/', limit: 200 })).items).toHaveLength(5);
  });
});

describe('changing a case (optimistic concurrency)', () => {
  it('applies a change sent with If-Match of the current version and moves the ETag on', async () => {
    const c = await create(applicationBody());
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ status: 'valid', validDate: '2024-05-02' })
      .expect(200);
    expect(res.headers.etag).toBe('"v2"');
    expect(res.body).toMatchObject({ status: 'valid', validDate: '2024-05-02', version: 2 });
    const again = await read(c.id);
    expect(again.headers.etag).toBe('"v2"');
    expect(again.body).toMatchObject({ status: 'valid', validDate: '2024-05-02', version: 2 });
  });

  it('accepts the version in the body instead of If-Match', async () => {
    const c = await create(applicationBody());
    const res = await t
      .as('support')
      .patch(`/api/cases/${c.id}`)
      .send({ version: 1, description: 'Amended description' })
      .expect(200);
    expect(res.body).toMatchObject({ description: 'Amended description', version: 2 });
  });

  it('accepts a weak If-Match (W/"v1")', async () => {
    const c = await create(applicationBody());
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', 'W/"v1"')
      .send({ status: 'valid' })
      .expect(200);
    expect(res.body.version).toBe(2);
  });

  it('refuses a change based on an older version with 412 VERSION_CONFLICT and leaves the case as it was', async () => {
    const c = await create(applicationBody({ description: 'Original' }));
    await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ description: 'First edit' })
      .expect(200);
    const res = await t
      .as('support')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ description: 'Lost update', status: 'withdrawn' })
      .expect(412);
    expect(res.body.error).toMatchObject({
      code: 'VERSION_CONFLICT',
      details: { expectedVersion: 1, currentVersion: 2 },
    });
    const again = await read(c.id);
    expect(again.headers.etag).toBe('"v2"');
    expect(again.body).toMatchObject({ description: 'First edit', status: 'received', version: 2 });
  });

  it('refuses a version from the future with 412', async () => {
    const c = await create(applicationBody());
    const res = await t.as('officer').patch(`/api/cases/${c.id}`).send({ version: 2, status: 'valid' }).expect(412);
    expect(res.body.error.code).toBe('VERSION_CONFLICT');
    expect((await read(c.id)).body).toMatchObject({ status: 'received', version: 1 });
  });

  it('refuses a change with neither If-Match nor version with 428 PRECONDITION_REQUIRED and changes nothing', async () => {
    const c = await create(applicationBody());
    const res = await t.as('officer').patch(`/api/cases/${c.id}`).send({ status: 'valid' }).expect(428);
    expect(res.body.error).toMatchObject({ code: 'PRECONDITION_REQUIRED', details: { currentVersion: 1 } });
    expect((await read(c.id)).body).toMatchObject({ status: 'received', version: 1 });
  });

  it('refuses an If-Match that is not an ETag of this API with 400', async () => {
    const c = await create(applicationBody());
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"abc123"')
      .send({ status: 'valid' })
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect((await read(c.id)).body.version).toBe(1);
  });

  it('lets exactly one of two concurrent changes from the same version through', async () => {
    const c = await create(applicationBody());
    const [a, b] = await Promise.all([
      t.as('officer').patch(`/api/cases/${c.id}`).set('If-Match', '"v1"').send({ description: 'Edit A' }),
      t.as('support').patch(`/api/cases/${c.id}`).set('If-Match', '"v1"').send({ description: 'Edit B' }),
    ]);
    expect([a!.status, b!.status].sort()).toEqual([200, 412]);
    const winner = a!.status === 200 ? 'Edit A' : 'Edit B';
    expect((await read(c.id)).body).toMatchObject({ description: winner, version: 2 });
  });

  it('refuses a change that is not valid without moving the version', async () => {
    const c = await create(applicationBody());
    for (const patch of [
      { status: 'investigating' },
      { kind: 'enforcement' },
      { reference: 'NEW/REF' },
      { siteVisits: [{ visitedOn: '2024-05-02' }] },
      { breachType: 'other' },
    ]) {
      const res = await t.as('officer').patch(`/api/cases/${c.id}`).set('If-Match', '"v1"').send(patch).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const unknownType = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ applicationType: 'not-a-type' })
      .expect(422);
    expect(unknownType.body.error.code).toBe('UNKNOWN_APPLICATION_TYPE');
    const unknownOfficer = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ officer: 'ghost' })
      .expect(422);
    expect(unknownOfficer.body.error.code).toBe('UNKNOWN_OFFICER');
    expect((await read(c.id)).body.version).toBe(1);
  });

  it('refuses application-only fields on an enforcement case', async () => {
    const c = await create(enforcementBody());
    for (const patch of [
      { validDate: '2024-05-02' },
      { extensionsOfTime: [{ agreedOn: '2024-05-02', newTargetDate: '2024-08-01' }] },
      { applicationType: 'full' },
      { status: 'decided' },
    ]) {
      const res = await t.as('enforcement').patch(`/api/cases/${c.id}`).set('If-Match', '"v1"').send(patch).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('records site visits and notices on an enforcement case', async () => {
    const c = await create(enforcementBody({ breachType: 'empty-property' }));
    const notices = [{ type: 'section-215-notice', servedOn: '2024-07-01', complianceDate: '2024-10-01' }];
    const res = await t
      .as('enforcement')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({
        status: 'notice-served',
        siteVisits: [{ visitedOn: '2024-06-20', notes: 'No answer' }],
        noticesServed: notices,
      })
      .expect(200);
    expect(res.body).toMatchObject({
      status: 'notice-served',
      noticesServed: notices,
      siteVisits: [{ visitedOn: '2024-06-20', notes: 'No answer' }],
      version: 2,
    });
  });

  it('assigns and unassigns the officer', async () => {
    const c = await create(applicationBody());
    const a = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .send({ version: 1, officer: 'support.user' })
      .expect(200);
    expect(a.body.officer).toEqual({ username: 'support.user', displayName: 'support.user' });
    const b = await t.as('officer').patch(`/api/cases/${c.id}`).send({ version: 2, officer: null }).expect(200);
    expect(b.body.officer).toBeNull();
  });
});

describe('dates and extensions of time', () => {
  it('uses the target date as the effective target date when no extension is agreed', async () => {
    const c = await create(applicationBody({ targetDate: '2024-06-26' }));
    expect(c.effectiveTargetDate).toBe('2024-06-26');
  });

  it('moves the effective target date to the latest agreed extension, keeping the statutory target date', async () => {
    const c = await create(applicationBody({ targetDate: '2024-06-26' }));
    const one = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ extensionsOfTime: [{ agreedOn: '2024-06-20', newTargetDate: '2024-08-30', reason: 'Amended plans' }] })
      .expect(200);
    expect(one.body).toMatchObject({ targetDate: '2024-06-26', effectiveTargetDate: '2024-08-30' });

    // the later-agreed extension wins, even though it is listed first and its date is earlier
    const two = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v2"')
      .send({
        extensionsOfTime: [
          { agreedOn: '2024-08-25', newTargetDate: '2024-08-28' },
          { agreedOn: '2024-06-20', newTargetDate: '2024-08-30' },
        ],
      })
      .expect(200);
    expect(two.body.effectiveTargetDate).toBe('2024-08-28');
    expect((await read(c.id)).body.effectiveTargetDate).toBe('2024-08-28');

    const none = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v3"')
      .send({ extensionsOfTime: [] })
      .expect(200);
    expect(none.body).toMatchObject({ extensionsOfTime: [], effectiveTargetDate: '2024-06-26' });
  });

  it('accepts extensions of time when the application is registered', async () => {
    const c = await create(
      applicationBody({
        targetDate: '2024-06-26',
        extensionsOfTime: [{ agreedOn: '2024-06-01', newTargetDate: '2024-07-31' }],
      }),
    );
    expect(c.effectiveTargetDate).toBe('2024-07-31');
  });

  it('refuses a valid date before the received date with 400 VALIDATION_FAILED and stores nothing', async () => {
    const body = applicationBody({ receivedDate: '2024-05-01', validDate: '2024-04-30' });
    const res = await t.as('officer').post('/api/cases').send(body).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.issues[0].path).toBe('body.validDate');
    expect((await list({ reference: body.reference as string })).total).toBe(0);
  });

  it('accepts a valid date on the received date itself', async () => {
    const c = await create(applicationBody({ receivedDate: '2024-05-01', validDate: '2024-05-01' }));
    expect(c.validDate).toBe('2024-05-01');
  });

  it('refuses a change that would put the valid date before the received date, from either side', async () => {
    const c = await create(applicationBody({ receivedDate: '2024-05-01', validDate: '2024-05-10' }));
    const a = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ validDate: '2024-04-30' })
      .expect(400);
    expect(a.body.error.details.issues[0].path).toBe('body.validDate');
    const b = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ receivedDate: '2024-05-11' })
      .expect(400);
    expect(b.body.error.details.issues[0].path).toBe('body.validDate');
    expect((await read(c.id)).body).toMatchObject({ receivedDate: '2024-05-01', validDate: '2024-05-10', version: 1 });
  });

  it('refuses a decision date before the received date', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send(applicationBody({ receivedDate: '2024-05-01', decision: 'granted', decisionDate: '2024-04-01' }))
      .expect(400);
    expect(res.body.error.details.issues[0].path).toBe('body.decisionDate');
  });

  it('refuses an extension agreed before the application was received', async () => {
    const c = await create(applicationBody({ receivedDate: '2024-05-01' }));
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ extensionsOfTime: [{ agreedOn: '2024-04-30', newTargetDate: '2024-08-01' }] })
      .expect(400);
    expect(res.body.error.details.issues[0].path).toBe('body.extensionsOfTime.0.agreedOn');
  });
});

describe('the site boundary', () => {
  it('stores an EPSG:27700 square with its area in m² and ha, and reads it back in both CRSs', async () => {
    const c = await create(applicationBody());
    const res = await putSite(c.id, square(533000, 180000, 100));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.site).toMatchObject({
      areaM2: 10000,
      areaHa: 1,
      inputCrs: 'EPSG:27700',
      source: 'drawn',
      polygonCount: 1,
    });
    expect(res.body.version).toBe(2);
    expect(res.headers.etag).toBe('"v2"');

    const bng = await t.as('gis').get(`/api/cases/${c.id}/site?crs=EPSG:27700`).expect(200);
    expect(bng.body).toMatchObject({ areaM2: 10000, areaHa: 1, supersededAt: null, setBy: 'admin.user' });
    expect(bng.body.geometry.type).toBe('MultiPolygon');
    const ring = bng.body.geometry.coordinates[0][0] as Pos[];
    expect(new Set(ring.map((p) => p.join(',')))).toEqual(
      new Set(['533000,180000', '533100,180000', '533100,180100', '533000,180100']),
    );

    // the default is CRS84: each corner where proj4 (same EPSG:27700 definition) puts it, to about 1 mm
    proj4.defs('EPSG:27700', EPSG_27700_PROJ4);
    const lonlat = await t.as('gis').get(`/api/cases/${c.id}/site`).expect(200);
    const got = lonlat.body.geometry.coordinates[0][0] as Pos[];
    expect(got).toHaveLength(5);
    for (const [lon, lat] of got) {
      const [x, y] = proj4('WGS84', 'EPSG:27700', [lon, lat]) as Pos;
      expect([533000, 533100]).toContainEqual(Math.round(x * 100) / 100);
      expect([180000, 180100]).toContainEqual(Math.round(y * 100) / 100);
    }
    const whole = await read(c.id);
    expect(whole.body.site).toMatchObject({ id: res.body.site.id, areaM2: 10000, areaHa: 1 });
  });

  it.each([
    [1, 1, 0.0001],
    [150, 22500, 2.25],
    [250, 62500, 6.25],
  ])('measures a %i m axis-aligned square as %i m² (%f ha)', async (side, m2, ha) => {
    const c = await create(applicationBody());
    const res = await putSite(c.id, square(532000, 178000, side));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.site.areaM2).toBe(m2);
    expect(res.body.site.areaHa).toBe(ha);
    const got = await t.as('officer').get(`/api/cases/${c.id}/site`).expect(200);
    expect(got.body.areaM2).toBe(m2);
    expect(got.body.areaHa).toBe(ha);
  });

  it('adds the areas of a MultiPolygon of two separate squares', async () => {
    const c = await create(applicationBody());
    const geometry = {
      type: 'MultiPolygon',
      coordinates: [square(532000, 178500, 100).coordinates, square(532200, 178500, 50).coordinates],
    };
    const res = await putSite(c.id, geometry);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.site).toMatchObject({ areaM2: 12500, areaHa: 1.25, polygonCount: 2 });
  });

  it('stores a CRS84 (longitude, latitude) polygon, transformed to EPSG:27700', async () => {
    proj4.defs('EPSG:27700', EPSG_27700_PROJ4);
    const corners: Pos[] = [
      [533300, 179500],
      [533400, 179500],
      [533400, 179600],
      [533300, 179600],
      [533300, 179500],
    ];
    const lonlat = corners.map((p) => proj4('EPSG:27700', 'WGS84', p) as Pos);
    const c = await create(applicationBody());
    const res = await putSite(c.id, { type: 'Polygon', coordinates: [lonlat] }, { crs: null });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.site.inputCrs).toBe('CRS84');
    expect(Math.abs(res.body.site.areaM2 - 10000)).toBeLessThan(1);
    const bng = await t.as('gis').get(`/api/cases/${c.id}/site?crs=EPSG:27700`).expect(200);
    expect(bng.body.inputCrs).toBe('CRS84');
    const ring = bng.body.geometry.coordinates[0][0] as Pos[];
    for (const [x, y] of ring) {
      const near = corners.some(([cx, cy]) => Math.abs(cx - x) < 0.01 && Math.abs(cy - y) < 0.01);
      expect(near, `${x},${y}`).toBe(true);
    }
  });

  it('replaces the site and keeps every boundary in the versions, newest first, with who set it and when', async () => {
    const c = await create(applicationBody());
    const first = await putSite(c.id, square(533000, 179800, 100), { role: 'officer' });
    const second = await putSite(c.id, square(533000, 179800, 120), { role: 'support', source: 'amended' });
    const third = await putSite(c.id, square(533010, 179810, 50), { role: 'admin', source: 'imported' });
    for (const r of [first, second, third]) expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(third.body.version).toBe(4);

    const versions = await siteVersions(c.id, 'EPSG:27700');
    expect(versions.map((v) => v.id)).toEqual([third.body.site.id, second.body.site.id, first.body.site.id]);
    expect(versions.map((v) => v.setBy)).toEqual(['admin.user', 'support.user', 'officer.user']);
    expect(versions.map((v) => v.areaM2)).toEqual([2500, 14400, 10000]);
    expect(versions.map((v) => (v as unknown as { source: string }).source)).toEqual(['imported', 'amended', 'drawn']);
    expect(versions[0]!.supersededAt).toBeNull();
    expect(versions[1]!.supersededAt).not.toBeNull();
    expect(versions[2]!.supersededAt).not.toBeNull();
    const at = versions.map((v) => Date.parse(v.setAt));
    for (const x of at) expect(Number.isNaN(x)).toBe(false);
    expect(at[0]!).toBeGreaterThanOrEqual(at[1]!);
    expect(at[1]!).toBeGreaterThanOrEqual(at[2]!);
    // each boundary was superseded when the next was set, not before
    expect(Date.parse(versions[2]!.supersededAt!)).toBeGreaterThanOrEqual(at[2]!);
    expect(Date.parse(versions[2]!.supersededAt!)).toBeLessThanOrEqual(at[1]!);
    expect(Date.parse(versions[1]!.supersededAt!)).toBeLessThanOrEqual(at[0]!);

    const current = await t.as('gis').get(`/api/cases/${c.id}/site`).expect(200);
    expect(current.body.id).toBe(third.body.site.id);
    expect((await read(c.id)).body.site.id).toBe(third.body.site.id);
  });

  it('answers an empty history for a case with no site, and 404 SITE_NOT_SET for its current site', async () => {
    const c = await create(applicationBody());
    expect(await siteVersions(c.id)).toEqual([]);
    const res = await t.as('gis').get(`/api/cases/${c.id}/site`).expect(404);
    expect(res.body.error.code).toBe('SITE_NOT_SET');
  });

  it('answers 404 CASE_NOT_FOUND for the site of a case that does not exist', async () => {
    expect((await putSite(999999, square(533000, 180000, 10))).body.error.code).toBe('CASE_NOT_FOUND');
    expect((await t.as('gis').get('/api/cases/999999/site/versions').expect(404)).body.error.code).toBe(
      'CASE_NOT_FOUND',
    );
  });

  it.each([
    [
      'a self-intersecting (bow-tie) ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [533000, 179700],
            [533050, 179750],
            [533050, 179700],
            [533000, 179750],
            [533000, 179700],
          ],
        ],
      },
      'INVALID_GEOMETRY',
    ],
    ['a site outside the authority', square(500000, 180000, 100), 'SITE_OUTSIDE_AUTHORITY'],
    [
      'an unclosed ring',
      {
        type: 'Polygon',
        coordinates: [
          [
            [533000, 179700],
            [533050, 179700],
            [533050, 179750],
            [533000, 179750],
          ],
        ],
      },
      'RING_NOT_CLOSED',
    ],
    ['a point', { type: 'Point', coordinates: [533000, 179700] }, 'GEOMETRY_TYPE_UNSUPPORTED'],
  ])('refuses %s and leaves the site, its history and the case version unchanged', async (_what, geometry, code) => {
    const c = await create(applicationBody());
    const ok = await putSite(c.id, square(533000, 179700, 60));
    expect(ok.status).toBe(200);
    const before = await siteVersions(c.id);
    const res = await putSite(c.id, geometry);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(code);
    expect(await siteVersions(c.id)).toEqual(before);
    const after = await read(c.id);
    expect(after.body.version).toBe(2);
    expect(after.body.site).toMatchObject({ id: ok.body.site.id, areaM2: 3600 });
  });

  it('refuses a site sent with a stale If-Match with 412 and keeps the earlier boundary', async () => {
    const c = await create(applicationBody());
    expect((await putSite(c.id, square(533000, 179600, 40), { ifMatch: '"v1"' })).status).toBe(200);
    const stale = await putSite(c.id, square(533000, 179600, 80), { ifMatch: '"v1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    const versions = await siteVersions(c.id);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.areaM2).toBe(1600);
  });

  it('moves the case version on, so an edit based on the read before the site was set gets 412', async () => {
    const c = await create(applicationBody());
    expect((await putSite(c.id, square(533000, 179500, 30))).status).toBe(200);
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ status: 'valid' })
      .expect(412);
    expect(res.body.error.details).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
  });

  it('keeps exactly one current boundary when several are set at once from the same read: one wins, the rest 412', async () => {
    const c = await create(applicationBody());
    const etag = await caseEtag(t, c.id);
    const results = await Promise.all(
      [20, 30, 40, 50].map((side) => putSite(c.id, square(532500, 178000, side), { ifMatch: etag })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
    const versions = await siteVersions(c.id);
    expect(versions).toHaveLength(1);
    expect(versions.filter((v) => v.supersededAt === null)).toHaveLength(1);
    expect((await read(c.id)).body.version).toBe(2);
  });

  it('refuses a site sent without If-Match with 428 and changes nothing', async () => {
    const c = await create(applicationBody());
    const res = await putSite(c.id, square(532500, 178000, 20), { ifMatch: '' });
    expect(res.status).toBe(428);
    expect(res.body.error.code).toBe('PRECONDITION_REQUIRED');
    expect(await siteVersions(c.id)).toHaveLength(0);
  });
});

describe('planning history: nearby cases', () => {
  // All in EPSG:27700 around (534000, 177000), over 1 km inside Southwark. A is the 100 m square at the centre.
  const X = 534000;
  const Y = 177000;
  const N = 20;
  const id: Record<string, number> = {};
  beforeAll(async () => {
    const sites: Array<[string, Record<string, unknown>, unknown]> = [
      ['A', applicationBody({ receivedDate: '2020-01-01' }), rect(X, Y, X + 100, Y + 100)],
      ['overlaps', applicationBody({ receivedDate: '2020-01-01' }), rect(X + 50, Y, X + 150, Y + 100)], // shares 50 × 100
      ['inside', applicationBody({ receivedDate: '2020-01-01' }), rect(X + 10, Y + 10, X + 20, Y + 20)], // 10 × 10 within A
      ['edge', applicationBody({ receivedDate: '2020-06-02' }), rect(X - 100, Y, X, Y + 100)], // shares A's west edge
      ['corner', enforcementBody({ receivedDate: '2020-06-01' }), rect(X - 100, Y - 100, X, Y)], // shares A's south-west corner only
      [
        'exactlyN',
        enforcementBody({ receivedDate: '2020-01-01', breachType: 'derelict-property' }),
        rect(X, Y + 100 + N, X + 100, Y + 200 + N),
      ], // gap N north
      [
        'justBeyondN',
        applicationBody({ receivedDate: '2020-01-01' }),
        rect(X + 20, Y - 100 - N - 0.01, X + 80, Y - N - 0.01),
      ], // gap N + 0.01 south
      ['far', applicationBody({ receivedDate: '2020-01-01' }), rect(X + 600, Y, X + 700, Y + 100)],
      ['movedAway', applicationBody({ receivedDate: '2020-01-01' }), rect(X, Y, X + 100, Y + 100)], // replaced below
      ['noSite', applicationBody({ receivedDate: '2020-01-01' }), null],
    ];
    for (const [name, body, geometry] of sites) {
      id[name] = (await create(body, 'admin')).id;
      if (geometry) {
        const res = await putSite(id[name]!, geometry);
        expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
      }
    }
    expect((await putSite(id.movedAway!, rect(X + 900, Y, X + 950, Y + 50))).status).toBe(200);
  });

  async function nearby(name: string, query: string) {
    const res = await t.as('gis').get(`/api/cases/${id[name]}/nearby?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as {
      withinM: number;
      items: Array<{
        id: number;
        reference: string;
        kind: string;
        relation: string;
        distanceM: number;
        overlapM2: number;
      }>;
    };
  }
  const nameOf = (caseId: number) => Object.entries(id).find(([, v]) => v === caseId)?.[0];

  it(`finds overlapping, touching and near sites within ${N} m, nearest first, with distance, overlap and relation`, async () => {
    const res = await nearby('A', `withinM=${N}`);
    expect(res.withinM).toBe(N);
    expect(res.items.map((i) => nameOf(i.id))).toEqual(['overlaps', 'inside', 'edge', 'corner', 'exactlyN']);
    const by = Object.fromEntries(res.items.map((i) => [nameOf(i.id), i]));
    expect(by.overlaps).toMatchObject({ relation: 'overlaps', distanceM: 0, overlapM2: 5000, kind: 'application' });
    expect(by.inside).toMatchObject({ relation: 'overlaps', distanceM: 0, overlapM2: 100 });
    expect(by.edge).toMatchObject({ relation: 'touches', distanceM: 0, overlapM2: 0 });
    expect(by.corner).toMatchObject({ relation: 'touches', distanceM: 0, overlapM2: 0, kind: 'enforcement' });
    expect(by.exactlyN).toMatchObject({ relation: 'near', distanceM: N, overlapM2: 0, kind: 'enforcement' });
  });

  it(`includes a site exactly ${N} m away but not one ${N} m + 1 cm away`, async () => {
    const names = (await nearby('A', `withinM=${N}`)).items.map((i) => nameOf(i.id));
    expect(names).toContain('exactlyN');
    expect(names).not.toContain('justBeyondN');
    const wider = await nearby('A', `withinM=${N + 0.02}`);
    const beyond = wider.items.find((i) => i.id === id.justBeyondN);
    expect(beyond).toMatchObject({ relation: 'near', distanceM: N + 0.01 });
    expect(wider.items.at(-1)!.id).toBe(id.justBeyondN);
  });

  it('with withinM=0 finds only sites that overlap or touch', async () => {
    const res = await nearby('A', 'withinM=0');
    expect(res.items.map((i) => nameOf(i.id))).toEqual(['overlaps', 'inside', 'edge', 'corner']);
  });

  it('never lists the case itself, a far site, a superseded boundary, or a case with no site', async () => {
    // "far" is 500 m east of A
    const names = (await nearby('A', 'withinM=499.99')).items.map((i) => nameOf(i.id));
    expect(names).toContain('exactlyN');
    expect(names).not.toContain('A');
    expect(names).not.toContain('far');
    expect(names).not.toContain('movedAway');
    expect(names).not.toContain('noSite');
  });

  it('uses the current boundary of the case it is asked about', async () => {
    // movedAway's first boundary was A's square; its current one is 900 m east, near only "far"
    const names = (await nearby('movedAway', 'withinM=300')).items.map((i) => nameOf(i.id));
    expect(names).toEqual(['far']);
  });

  it('works from the other side: A is found from the overlapping case', async () => {
    const res = await nearby('overlaps', 'withinM=0');
    expect(res.items.find((i) => i.id === id.A)).toMatchObject({ relation: 'overlaps', overlapM2: 5000, distanceM: 0 });
  });

  it('honours limit, keeping the nearest', async () => {
    const res = await nearby('A', `withinM=${N}&limit=2`);
    expect(res.items.map((i) => nameOf(i.id))).toEqual(['overlaps', 'inside']);
  });

  it('answers 404 SITE_NOT_SET for a case without a site and 404 CASE_NOT_FOUND for no case', async () => {
    expect((await t.as('gis').get(`/api/cases/${id.noSite}/nearby`).expect(404)).body.error.code).toBe('SITE_NOT_SET');
    expect((await t.as('gis').get('/api/cases/999999/nearby').expect(404)).body.error.code).toBe('CASE_NOT_FOUND');
  });

  it.each(['withinM=-1', 'withinM=1000.5', 'withinM=abc', 'limit=0', 'radius=5'])(
    'refuses %s with 400 VALIDATION_FAILED',
    async (qs) => {
      const res = await t.as('gis').get(`/api/cases/${id.A}/nearby?${qs}`).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    },
  );
});

describe('personal details (parties)', () => {
  const parties = [
    {
      role: 'applicant',
      name: 'Amelia Thistlewood',
      email: 'amelia.thistlewood@example.org',
      phone: '020 7946 0123',
      address: '9 Applicant Way',
      postcode: 'SE1 0AA',
    },
    { role: 'agent', name: 'Bartholomew Quill', organisation: 'Quill Planning Ltd', email: 'bq@quill.example' },
  ];
  let caseId: number;
  beforeAll(async () => {
    caseId = (await create(applicationBody({ parties }), 'officer')).id;
  });

  it.each(ROLES.filter((r) => r !== 'gis'))('are returned to the %s role', async (role) => {
    const res = await read(caseId, role);
    const empty = { name: null, organisation: null, address: null, postcode: null, email: null, phone: null };
    // each party carries its id, by which a PATCH changes or removes it
    expect(res.body.parties).toEqual(parties.map((p) => Object.assign({ id: expect.any(Number) }, empty, p)));
  });

  it('are not returned to the gis role', async () => {
    const res = await read(caseId, 'gis');
    expect(res.body).not.toHaveProperty('parties');
    expect(JSON.stringify(res.body)).not.toContain('Thistlewood');
    expect(JSON.stringify(res.body)).not.toContain('example.org');
  });

  it('are never in the list, and the list cannot be searched by a party name', async () => {
    const mine = await list({ reference: (await read(caseId)).body.reference }, 'gis');
    expect(mine.items).toHaveLength(1);
    expect(mine.items[0]).not.toHaveProperty('parties');
    expect((await list({ q: 'Thistlewood' }, 'gis')).total).toBe(0);
  });

  it('are changed item by item by their id, and stay hidden from the gis role afterwards', async () => {
    const c = await create(
      enforcementBody({ parties: [{ role: 'complainant', name: 'Cora Complainant', phone: '07700 900123' }] }),
    );
    const [cora] = (await read(c.id)).body.parties;
    const res = await t
      .as('enforcement')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v1"')
      .send({ parties: [{ id: cora.id, email: 'cora@example.net', phone: null }] })
      .expect(200);
    expect(res.body.parties).toEqual([
      {
        id: cora.id,
        role: 'complainant',
        name: 'Cora Complainant',
        email: 'cora@example.net',
        phone: null,
        organisation: null,
        address: null,
        postcode: null,
      },
    ]);
    expect((await read(c.id, 'gis')).body).not.toHaveProperty('parties');
  });

  it('refuses a party email that is not an email address', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send(applicationBody({ parties: [{ role: 'applicant', email: 'not-an-email' }] }))
      .expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});
