/**
 * The public register at scale (issue 13 item 8's fixes): a search's count stops at 1,000 ("more than 1,000
 * applications", `totalIsLowerBound` in the API, no `last` link) instead of counting every match; "near me" takes
 * the nearest page by the point index's KNN order and still answers exactly as the full sort did, at the radius
 * (in), 1 cm beyond it (out), and with ties at the page's edge (every application at that distance considered,
 * then by reference).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
const GRID = 1005;
// "near me" fixtures, 20 km from the grid: [reference, dx, dy] from the centre (540000, 190000)
const CX = 540000;
const CY = 190000;
const NEAR: Array<[string, number, number]> = [
  ['26/NR/0001', 0, 0], // 0 m
  ['26/NR/0002', 30, 0], // 30 m
  ['26/NR/0003', 0, 40], // 40 m
  ['26/NR/0009', 30, 40], // 50 m exactly (a tie of three)
  ['26/NR/0004', -50, 0], // 50 m exactly
  ['26/NR/0006', 0, -50], // 50 m exactly
  ['26/NR/0005', 50.01, 0], // 1 cm beyond 50 m
];

const api = async (qs: string) => {
  const res = await t.anon.get(`/api/public/applications?${qs}`);
  expect(res.status, res.text.slice(0, 300)).toBe(200);
  return res.body;
};
const refs = (body: { items: Array<{ reference: string }> }) => body.items.map((i) => i.reference);

beforeAll(async () => {
  t = await startTestApp();
  // 1,005 published applications on a 20 m grid (40 a row) around (560000, 160000), received a day apart
  await t.db.raw(
    `WITH c AS (
       INSERT INTO case_record (authority_id, kind, reference, application_type, description, site_address, status,
                                received_date)
       SELECT ?, 'application', '20/GR/' || lpad(g::text, 4, '0'), 'hh', 'Grid extension ' || g, g || ' Grid Road',
              'registered', date '2020-01-01' + g
       FROM generate_series(1, ${GRID}) g
       RETURNING id, reference)
     INSERT INTO case_site (case_id, geom, area_m2, source, input_crs)
     SELECT c.id, ST_Multi(ST_Expand(ST_SetSRID(ST_MakePoint(560000 + (n % 40) * 20, 160000 + (n / 40) * 20), 27700), 4)),
            64, 'drawn', 'EPSG:27700'
     FROM (SELECT id, substr(reference, 7)::int AS n FROM c) c`,
    [t.authorityId],
  );
  for (const [reference, dx, dy] of NEAR) {
    const id = (
      await t
        .db('case_record')
        .insert({
          authority_id: t.authorityId,
          kind: 'application',
          reference,
          application_type: 'full',
          description: `Near ${reference}`,
          site_address: '1 Near Street',
          status: 'registered',
          received_date: '2026-01-05',
        })
        .returning('id')
    )[0]!.id as number;
    const [x, y] = [CX + dx, CY + dy];
    await t.db.raw(
      `INSERT INTO case_site (case_id, geom, area_m2, source, input_crs)
       VALUES (?, ST_Multi(ST_MakeEnvelope(?::float8 - 2, ?::float8 - 2, ?::float8 + 2, ?::float8 + 2, 27700)), 16, 'drawn', 'EPSG:27700')`,
      [id, x, y, x, y],
    );
  }
});
afterAll(async () => {
  await t?.closeApp();
});

describe('search counts stop at 1,000', () => {
  it('says "more than 1,000" (total 1001, totalIsLowerBound) and gives no last link, not the full count', async () => {
    const body = await api('type=hh');
    expect(body.total).toBe(1001);
    expect(body.totalIsLowerBound).toBe(true);
    expect(body.items).toHaveLength(20);
    expect(refs(body)[0]).toBe('20/GR/1005');
    expect(body.links.last).toBeUndefined();
    expect(body.links.next).toBe('/api/public/applications?type=hh&page=2');
    const geo = (await t.anon.get('/api/public/applications.geojson?type=hh').expect(200)).body;
    expect(geo).toMatchObject({ total: 1001, totalIsLowerBound: true });
    expect(geo.links.last).toBeUndefined();
  });

  it('counts on to the page asked for: the last page of 100 has the 5 left, and the exact total', async () => {
    const last = await api('type=hh&pageSize=100&page=11');
    expect(last.total).toBe(GRID);
    expect(last.totalIsLowerBound).toBeUndefined();
    expect(refs(last)).toEqual(['20/GR/0005', '20/GR/0004', '20/GR/0003', '20/GR/0002', '20/GR/0001']);
    expect(last.links.last).toBe('/api/public/applications?type=hh&page=11&pageSize=100');
    // page 10 of 100 ends at the 1,000th: counted to 1,001, so "more than 1,000" and a next page
    const p10 = await api('type=hh&pageSize=100&page=10');
    expect(p10).toMatchObject({ total: 1001, totalIsLowerBound: true });
    expect(p10.links.next).toBe('/api/public/applications?type=hh&page=11&pageSize=100');
  });

  it('an exact count under the cap has no totalIsLowerBound', async () => {
    // newest first with an area (ordered by received_date + 0: the spatial index filters first)
    const box = await api('bbox=559990,159990,560050,160030');
    expect(box.total).toBe(5);
    expect(box).not.toHaveProperty('totalIsLowerBound');
    expect(refs(box)).toEqual(['20/GR/0042', '20/GR/0041', '20/GR/0040', '20/GR/0002', '20/GR/0001']);
  });

  it('the page says "More than 1,000 applications" and pages on without a last page', async () => {
    const res = await t.anon.get('/register?type=hh').expect(200);
    expect(res.text).toContain('More than 1,000 applications');
    expect(res.text).toContain('page 1</span>');
    expect(res.text).not.toContain('page 1 of');
    expect(res.text).toContain('/register?type=hh&amp;page=2');
    expect(res.text).not.toContain('/register?type=hh&amp;page=51');
    const exact = await t.anon.get('/register?q=Grid%20extension%201005').expect(200);
    expect(exact.text).toContain('1 application');
  });
});

describe('"near me" by the KNN order', () => {
  const at = (r: number, more = '') => api(`near=${CX},${CY}&radius=${r}${more}`);

  it('exactly at the radius is in; 1 cm beyond is out; nearest first, ties by reference', async () => {
    const in50 = await at(50);
    expect(refs(in50)).toEqual(['26/NR/0001', '26/NR/0002', '26/NR/0003', '26/NR/0004', '26/NR/0006', '26/NR/0009']);
    expect(in50.items.map((i: { distanceM: number }) => i.distanceM)).toEqual([0, 30, 40, 50, 50, 50]);
    expect(in50.total).toBe(6);
    expect((await at(49.99)).total).toBe(3);
    const wider = await at(50.02);
    expect(refs(wider).at(-1)).toBe('26/NR/0005');
    expect(wider.items.at(-1).distanceM).toBe(50.01);
  });

  it('a page that ends within a tie gives the same page as the full sort', async () => {
    // page 1 of 4 ends in the three-way tie at 50 m: the least reference of the three, whichever the index gives first
    expect(refs(await at(50, '&pageSize=4'))).toEqual(['26/NR/0001', '26/NR/0002', '26/NR/0003', '26/NR/0004']);
    expect(refs(await at(50, '&pageSize=4&page=2'))).toEqual(['26/NR/0006', '26/NR/0009']);
    expect(refs(await at(50, '&pageSize=2&page=3'))).toEqual(['26/NR/0006', '26/NR/0009']);
    expect(refs(await at(50, '&pageSize=5'))).toEqual([
      '26/NR/0001',
      '26/NR/0002',
      '26/NR/0003',
      '26/NR/0004',
      '26/NR/0006',
    ]);
  });

  it('over more than 1,000 applications: the nearest page, and "more than 1,000"', async () => {
    const body = await api('near=560000,160000&radius=5000&pageSize=3');
    expect(body.totalIsLowerBound).toBe(true);
    expect(body.total).toBe(1001);
    // the grid's corner has no application (n = 0): n = 1 (east) and n = 40 (north) are 20 m away, n = 41 28.28 m
    expect(body.items.map((i: { distanceM: number }) => i.distanceM)).toEqual([20, 20, 28.28]);
    expect(refs(body)).toEqual(['20/GR/0001', '20/GR/0040', '20/GR/0041']);
  });
});
