/**
 * Plain bad input answers 4xx with a code, a message a person can act on and where the problem is, never 500:
 * NUL characters and lone surrogates in any text field, dates outside 1900–2200, a CSV with an unterminated quote,
 * a property upload with a two-point polygon. Nothing is written by a refused request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.closeApp();
});

const count = async (table: string) => Number((await t.db(table).count('* as n'))[0]!.n);
const base = { kind: 'application', applicationType: 'hh', description: 'Loft conversion', receivedDate: '2026-10-01' };

describe('text PostgreSQL cannot store', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a NUL in the description', { ...base, description: 'Loft\u0000conversion' }, 'body.description'],
    ['a lone high surrogate', { ...base, description: 'Loft \uD83D conversion' }, 'body.description'],
    ['a lone low surrogate', { ...base, description: 'Loft \uDE00' }, 'body.description'],
    [
      'a NUL in a party address line',
      {
        ...base,
        parties: [{ role: 'applicant', name: 'A Person', addressLines: ['1 High Street', 'Lon\u0000don'] }],
      },
      'body.parties[0].addressLines[1]',
    ],
  ];
  for (const [what, body, path] of cases) {
    it(`${what}: 400 naming ${path}, no case made`, async () => {
      const before = await count('case_record');
      const res = await t.as('officer').post('/api/cases').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues[0].path).toBe(path);
      expect(res.body.error.message).toContain(path);
      expect(await count('case_record')).toBe(before);
    });
  }

  it('a whole emoji (a surrogate pair) is fine', async () => {
    await t
      .as('officer')
      .post('/api/cases')
      .send({ ...base, description: 'Loft 🏠 conversion' })
      .expect(201);
  });

  it('a NUL in a user display name, a token name and a query string', async () => {
    const u = await t
      .as('admin')
      .post('/api/users')
      .send({ username: 'nul.user', role: 'officer', displayName: 'Jo\u0000Smith' });
    expect(u.status).toBe(400);
    expect(u.body.error.details.issues[0].path).toBe('body.displayName');
    const q = await t.as('officer').get('/api/cases?q=abc%00def');
    expect(q.status).toBe(400);
    expect(q.body.error.details.issues[0].path).toBe('query.q');
  });
});

describe('dates outside 1900–2200', () => {
  for (const date of ['0000-01-01', '-0001-01-01', '1899-12-31', '2201-01-01', '9999-12-31']) {
    it(`receivedDate ${date}: 400 on the field`, async () => {
      const res = await t
        .as('officer')
        .post('/api/cases')
        .send({ ...base, receivedDate: date });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(/receivedDate/);
    });
  }
  for (const date of ['1900-01-01', '2200-12-31']) {
    it(`receivedDate ${date} (the edge) is accepted`, async () => {
      await t
        .as('officer')
        .post('/api/cases')
        .send({ ...base, receivedDate: date })
        .expect(201);
    });
  }
  it('the register’s date filters refuse year 0000 with a 400, not a 500', async () => {
    const res = await t.anon.get('/api/public/applications?receivedFrom=0000-01-01');
    expect(res.status).toBe(400);
  });
});

describe('uploads', () => {
  it('an address CSV with an unterminated quote: 4xx naming the line, the old addresses kept', async () => {
    const before = await count('address');
    const csv =
      'UPRN,ADDRESS,POSTCODE,X_COORDINATE,Y_COORDINATE\n1,"1 High Street,SE1 1AA,532000,179000\n2,2 High Street,SE1 1AA,532010,179000\n';
    const res = await t
      .as('admin')
      .put('/api/addresses/data')
      .set('If-Match', '*')
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.message).toMatch(/line \d+/);
    expect(res.body.error.message).not.toMatch(/\/tmp\//);
    expect(await count('address')).toBe(before);
  });

  it('a property CSV with an unterminated quote: 4xx, the old outlines kept', async () => {
    const before = await count('property');
    const csv = 'WKT,REF\n"POLYGON((532000 179000,532010 179000,532010 179010,532000 179000))",a\n"POLYGON((1 2,3 4,\n';
    const res = await t
      .as('admin')
      .put('/api/properties/data?filename=p.csv')
      .set('If-Match', '*')
      .set('Content-Type', 'text/csv')
      .send(csv);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.message).not.toMatch(/\/tmp\//);
    expect(await count('property')).toBe(before);
  });

  it('an upload GDAL cannot read: 4xx whose whole answer has no server path and no driver list', async () => {
    const res = await t
      .as('admin')
      .put('/api/properties/data?filename=outlines.dat')
      .set('If-Match', '*')
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from('this is not a geographic file at all\n'.repeat(20)));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const whole = JSON.stringify(res.body);
    expect(whole).not.toMatch(/\/tmp\/|\/vsi|redline-(upload|ref)-/);
    expect(whole).not.toMatch(/-> |PCIDSK|netCDF/);
  });

  it('a property upload with a two-point polygon: 4xx naming the feature, the old outlines kept', async () => {
    const before = await count('property');
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { ref: 'good' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [532000, 179000],
                [532010, 179000],
                [532010, 179010],
                [532000, 179000],
              ],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { ref: 'two-points' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [532000, 179000],
                [532010, 179000],
              ],
            ],
          },
        },
      ],
    };
    const res = await t
      .as('admin')
      .put('/api/properties/data?filename=p.geojson&reference=ref')
      .set('If-Match', '*')
      .set('Content-Type', 'application/geo+json')
      .send(JSON.stringify(fc));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error.message).not.toMatch(/\/tmp\//);
    expect(await count('property')).toBe(before);
  });
});
