/**
 * Neighbour notification on real PostGIS through the real app: who gets a letter and why (adjoining outlines at
 * and just beyond the tolerance, radius at and just beyond its edge, a drawn area, manual additions and removals,
 * blocks of flats, multipart sites, the site's own addresses), stored runs (numbering, changes after the boundary
 * moved, audit), the mail-merge CSV and GeoJSON, and bad input.
 *
 * Fixtures are exact geometry in EPSG:27700, in separate patches of Southwark 500 m apart (every radius used
 * here is under 100 m, so one patch never reaches another). Distances are cross-checked with JSTS.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { jstsDistanceM, type Geom, type Position } from '../helpers/planar.ts';
import type { Recipient, Selection } from '../../server/modules/neighbours/service.ts';
import { caseEtag } from '../helpers/if-match.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

// ------------------------------------------------------------------------------------------------ fixtures
type Ring = Position[];
const rect = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const polygon = (ring: Ring) => ({ type: 'Polygon' as const, coordinates: [ring] });
const multi = (...rings: Ring[]) => ({ type: 'MultiPolygon' as const, coordinates: rings.map((r) => [r]) });
const point = (x: number, y: number) => ({ type: 'Point' as const, coordinates: [x, y] as Position });

interface Addr {
  uprn: number;
  parent?: number;
  lines?: string[];
  postcode?: string;
  classification?: string;
  x: number;
  y: number;
}
interface Outline {
  ref: string;
  ring: Ring;
}
const addresses: Addr[] = [];
const outlines: Outline[] = [];
const addr = (a: Addr) => (addresses.push(a), a);
const outline = (ref: string, ring: Ring) => (outlines.push({ ref, ring }), ring);

// S1 adjoining and its tolerance: a 30 m square site; outlines exactly 1 m away, 1.01 m away, touching, 3 m away,
// the site's own outline, and one 0.71 m away with no address in it
const O1 = [533000, 179000] as const;
const S1 = rect(O1[0], O1[1], O1[0] + 30, O1[1] + 30);
outline('S1-site', S1);
outline('S1-exact-1m', rect(O1[0] + 31, O1[1], O1[0] + 41, O1[1] + 30));
outline('S1-beyond-1.01m', rect(O1[0] - 11.01, O1[1], O1[0] - 1.01, O1[1] + 30));
outline('S1-touching', rect(O1[0], O1[1] + 30, O1[0] + 30, O1[1] + 40));
outline('S1-3m', rect(O1[0], O1[1] - 13, O1[0] + 30, O1[1] - 3));
outline('S1-empty', rect(O1[0] + 30.5, O1[1] + 30.5, O1[0] + 40, O1[1] + 40));
const A1 = {
  site: addr({ uprn: 1001, x: O1[0] + 15, y: O1[1] + 15 }),
  exact: addr({ uprn: 1002, x: O1[0] + 36, y: O1[1] + 15 }),
  beyond: addr({ uprn: 1003, x: O1[0] - 6, y: O1[1] + 15 }),
  touching: addr({ uprn: 1004, x: O1[0] + 15, y: O1[1] + 35 }),
  far3: addr({ uprn: 1005, x: O1[0] + 15, y: O1[1] - 8 }),
};

// S2 a multipart site: two 20 m squares 180 m apart
const O2 = [533500, 179000] as const;
const S2 = multi(rect(O2[0], O2[1], O2[0] + 20, O2[1] + 20), rect(O2[0] + 200, O2[1], O2[0] + 220, O2[1] + 20));
outline('S2-by-part-A', rect(O2[0] - 10, O2[1], O2[0] - 0.5, O2[1] + 20));
outline('S2-by-part-B', rect(O2[0] + 220.5, O2[1], O2[0] + 230, O2[1] + 20));
const A2 = {
  byA: addr({ uprn: 2001, x: O2[0] - 5, y: O2[1] + 10 }),
  byB: addr({ uprn: 2002, x: O2[0] + 225, y: O2[1] + 10 }),
  nearB: addr({ uprn: 2003, x: O2[0] + 250, y: O2[1] + 10 }),
  between: addr({ uprn: 2004, x: O2[0] + 110, y: O2[1] + 10 }),
};

// S3 blocks of flats: a parent shell (class PP) with six flats east of the site, one flat's point outside the
// building outline; a second block 170 m away
const O3 = [534000, 179000] as const;
const S3 = rect(O3[0], O3[1], O3[0] + 30, O3[1] + 30);
outline('S3-block', rect(O3[0] + 30.5, O3[1], O3[0] + 50.5, O3[1] + 30));
const PARENT = addr({
  uprn: 3000,
  classification: 'PP',
  lines: ['Rose Court', '1 Block Road', 'London'],
  x: O3[0] + 40,
  y: O3[1] + 15,
});
const FLATS = [1, 2, 3, 4, 5, 6].map((k) =>
  addr({
    uprn: 3000 + k,
    parent: 3000,
    classification: 'RD06',
    lines: [`Flat ${k}`, 'Rose Court', '1 Block Road', 'London'],
    x: k < 6 ? O3[0] + 32 + 3 * k : O3[0] + 60,
    y: O3[1] + 15,
  }),
);
const PARENT2 = addr({
  uprn: 3100,
  classification: 'PP',
  lines: ['Iris Court', '9 Block Road', 'London'],
  x: O3[0] + 200,
  y: O3[1] + 15,
});
const FLATS2 = [1, 2, 3].map((k) =>
  addr({
    uprn: 3100 + k,
    parent: 3100,
    classification: 'RD06',
    lines: [`Flat ${k}`, 'Iris Court', '9 Block Road', 'London'],
    x: O3[0] + 200,
    y: O3[1] + 15,
  }),
);
// a house (not a parent shell) with two annexes under it, 100 m from the site
const HOUSE = addr({
  uprn: 3200,
  classification: 'RD02',
  lines: ['The Lodge', '20 Block Road', 'London'],
  x: O3[0] + 130,
  y: O3[1] + 15,
});
const ANNEXES = [1, 2].map((k) =>
  addr({
    uprn: 3200 + k,
    parent: 3200,
    classification: 'RD07',
    lines: [`Annex ${k}`, 'The Lodge', '20 Block Road', 'London'],
    x: O3[0] + 125 + 10 * k,
    y: O3[1] + 20,
  }),
);

// S4 the site's own addresses: the case's UPRN geocoded 2 m outside the red line, and a point inside it
const O4 = [534500, 179000] as const;
const S4 = rect(O4[0], O4[1], O4[0] + 30, O4[1] + 30);
const A4 = {
  caseUprn: addr({ uprn: 4001, x: O4[0] + 32, y: O4[1] + 15 }),
  inside: addr({ uprn: 4002, x: O4[0] + 10, y: O4[1] + 10 }),
  neighbour: addr({ uprn: 4003, x: O4[0] + 40, y: O4[1] + 15 }),
};

// S5 modes compared on one site, the radius edge (exactly 50 m in, 50.01 m out: square on, and 3-4-5 off a corner)
const O5 = [533000, 178500] as const;
const S5 = rect(O5[0], O5[1], O5[0] + 30, O5[1] + 30);
outline('S5-east', rect(O5[0] + 30.5, O5[1], O5[0] + 45, O5[1] + 30));
const DRAWN = polygon(rect(O5[0] - 100, O5[1], O5[0] - 50, O5[1] + 30));
const A5 = {
  adjoining: addr({ uprn: 5001, x: O5[0] + 40, y: O5[1] + 15 }),
  at50: addr({ uprn: 5002, x: O5[0] + 80, y: O5[1] + 15 }),
  past50: addr({ uprn: 5003, x: O5[0] + 80.01, y: O5[1] + 15 }),
  cornerAt50: addr({ uprn: 5004, x: O5[0] + 60, y: O5[1] + 70 }),
  cornerPast50: addr({ uprn: 5005, x: O5[0] + 60.006, y: O5[1] + 70.008 }),
  inDrawn: addr({ uprn: 5006, x: O5[0] - 75, y: O5[1] + 15 }),
  west40: addr({ uprn: 5007, x: O5[0] - 40, y: O5[1] + 15 }),
};

// S6 no cap: 3,000 addresses on a 2 m grid beside a 10 m site
const O6 = [533500, 178500] as const;
const S6 = rect(O6[0], O6[1], O6[0] + 10, O6[1] + 10);
for (let i = 0; i < 60; i++)
  for (let j = 0; j < 50; j++) addr({ uprn: 600_001 + i * 50 + j, x: O6[0] + 15 + 2 * i, y: O6[1] + 2 * j });

// S7 changes between runs: the site moves 30 m east
const O7 = [534000, 178500] as const;
const S7a = rect(O7[0], O7[1], O7[0] + 30, O7[1] + 30);
const S7b = rect(O7[0] + 30, O7[1], O7[0] + 60, O7[1] + 30);
const A7 = {
  stays: addr({ uprn: 7001, x: O7[0] + 40, y: O7[1] + 45 }),
  west: addr({ uprn: 7002, x: O7[0] - 20, y: O7[1] + 15 }),
  east: addr({ uprn: 7003, x: O7[0] + 90, y: O7[1] + 15 }),
};

// S8 the mail-merge file: a formula in an address, six address lines, a lower-case town and postcode
const O8 = [534500, 178500] as const;
const S8 = rect(O8[0], O8[1], O8[0] + 30, O8[1] + 30);
const FORMULA = '=HYPERLINK("http://evil.example/x","Click")';
const A8 = {
  formula: addr({
    uprn: 8001,
    lines: [FORMULA, 'Formula Road', 'London'],
    postcode: 'SE1 8AA',
    x: O8[0] + 35,
    y: O8[1] + 15,
  }),
  sixLines: addr({
    uprn: 8002,
    lines: ['Flat 2', 'Rose Court', '12 Long Lane', 'Borough', 'Southwark', 'London'],
    postcode: 'SE1 4PL',
    x: O8[0] + 40,
    y: O8[1] + 15,
  }),
  lower: addr({ uprn: 8003, lines: ['1 Short Street', 'london'], postcode: 'se1 9zz', x: O8[0] + 45, y: O8[1] + 15 }),
  minus: addr({
    uprn: 8004,
    lines: ['-1 Minus Mews, Rear', 'London'],
    postcode: 'SE1 7AA',
    x: O8[0] + 50,
    y: O8[1] + 15,
  }),
};

// S9 a terrace of four houses mapped as ONE outline (40 m x 10 m) with four address points, a detached house
// 0.5 m east of it in its own outline; a block of flats 200 m east: one outline, a parent shell (PP) and three flats
const O9 = [535000, 179000] as const;
const TERRACE = outline('S9-terrace', rect(O9[0], O9[1], O9[0] + 40, O9[1] + 10));
const HOUSES = [1, 2, 3, 4].map((k) => addr({ uprn: 9000 + k, x: O9[0] + 10 * k - 5, y: O9[1] + 5 }));
const NEXT_DOOR = addr({ uprn: 9005, x: O9[0] + 45, y: O9[1] + 5 });
outline('S9-next-door', rect(O9[0] + 40.5, O9[1], O9[0] + 50, O9[1] + 10));
// house 2's plot: part of the terrace and a front garden, its east edge 1 cm short of house 3's point (and, moved
// 1 cm east, exactly on it)
const plot2 = (east: number) => rect(O9[0] + 10, O9[1] - 5, O9[0] + east, O9[1] + 10);
const BLOCK = outline('S9-block', rect(O9[0] + 200, O9[1], O9[0] + 220, O9[1] + 20));
const BLOCK_PARENT = addr({ uprn: 9100, classification: 'PP', x: O9[0] + 210, y: O9[1] + 10 });
const BLOCK_FLATS = [1, 2, 3].map((k) =>
  addr({ uprn: 9100 + k, parent: 9100, classification: 'RD06', x: O9[0] + 200 + 5 * k, y: O9[1] + 10 }),
);

const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
function addressCsv(list: Addr[]): string {
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
const outlineGeoJson = () => ({
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
  features: outlines.map((o) => ({
    type: 'Feature',
    properties: { ref: o.ref, name: `Outline ${o.ref}` },
    geometry: polygon(o.ring),
  })),
});

// ------------------------------------------------------------------------------------------------ helpers
type Preview = Omit<Selection, 'params'>;
type Site = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };

const previewRes = (site: Site, selection: unknown) =>
  t.as('officer').post('/api/neighbours/preview').send({ site, siteCrs: 'EPSG:27700', selection });
async function preview(site: Site, selection: unknown): Promise<Preview> {
  const res = await previewRes(site, selection);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Preview;
}
const uprns = (list: Array<{ uprn: number }>) => list.map((r) => r.uprn).sort((a, b) => a - b);
const byUprn = (p: { recipients: Recipient[] }, uprn: number) => {
  const r = p.recipients.find((x) => x.uprn === uprn);
  if (!r) throw new Error(`UPRN ${uprn} is not a recipient: ${JSON.stringify(uprns(p.recipients))}`);
  return r;
};
const modes = (r: Recipient) => r.reasons.map((x) => x.mode).sort();
/** the planar distance of an address point from a site, by JSTS (not PostGIS) */
const jsts = (site: Site, a: Addr) => jstsDistanceM(site as Geom, point(a.x, a.y));

async function newCase(uprnList: number[] = []) {
  const res = await t.as('officer').post('/api/cases').send({
    kind: 'application',
    applicationType: 'full',
    description: 'Rear extension',
    receivedDate: '2024-03-01',
    uprns: uprnList,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}
async function putSite(caseId: number, geometry: Site) {
  const res = await t
    .as('officer')
    .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, caseId))
    .send({ geometry });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
async function createRun(caseId: number, selection: unknown) {
  const res = await t.as('officer').post(`/api/cases/${caseId}/notification-runs`).send({ selection });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Preview & {
    id: number;
    previousId: number | null;
    recipientCount: number;
    changes: null | { previousRunId: number; added: Array<{ uprn: number }>; dropped: Array<{ uprn: number }> };
  };
}
function expectNearestFirst(recipients: Recipient[]) {
  expect(recipients.map((r) => r.number)).toEqual(recipients.map((_, i) => i + 1));
  for (let i = 1; i < recipients.length; i++)
    expect(recipients[i]!.distanceM).toBeGreaterThanOrEqual(recipients[i - 1]!.distanceM);
}

// ------------------------------------------------------------------------------------------------ tests
describe('before any address points are loaded', () => {
  it('refuses a preview with 409 ADDRESSES_NOT_LOADED', async () => {
    const res = await previewRes(polygon(S1), { radiusM: 50 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ADDRESSES_NOT_LOADED');
    expect(res.body.error.message).toMatch(/address/i);
  });

  it('refuses a stored run with 409 ADDRESSES_NOT_LOADED and stores nothing', async () => {
    const id = await newCase();
    await putSite(id, polygon(S1));
    const res = await t
      .as('officer')
      .post(`/api/cases/${id}/notification-runs`)
      .send({ selection: { adjoining: true } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ADDRESSES_NOT_LOADED');
    expect(Number((await t.db('notification_run').count({ n: '*' }))[0]!.n)).toBe(0);
  });
});

describe('with the fixture addresses and outlines loaded', () => {
  beforeAll(async () => {
    const p = await t
      .as('gis')
      .put('/api/properties/data?filename=outlines.geojson&reference=ref&name=name')
      .set('If-Match', '*')
      .send(outlineGeoJson());
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    expect(p.body.loaded).toBe(outlines.length);
    const a = await t
      .as('gis')
      .put('/api/addresses/data?filename=addresses.csv')
      .set('If-Match', '*')
      .set('content-type', 'text/csv')
      .send(addressCsv(addresses));
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.loaded).toBe(addresses.length);
  });

  describe('adjoining', () => {
    it('takes an outline exactly 1 m from the red line and not one 1.01 m away; the site itself is excluded, the empty outline reported', async () => {
      const p = await preview(polygon(S1), { adjoining: true });
      expect(uprns(p.recipients)).toEqual([A1.exact.uprn, A1.touching.uprn]);
      const exact = byUprn(p, A1.exact.uprn);
      expect(exact.reasons).toHaveLength(1);
      expect(exact.reasons[0]).toMatchObject({ mode: 'adjoining', distanceM: 1 });
      expect(exact.reasons[0]!.detail).toContain('adjoining within 1 m');
      expect(byUprn(p, A1.touching.uprn).reasons[0]).toMatchObject({ mode: 'adjoining', distanceM: 0 });
      // nearest first: the touching plot's point is 5 m away, the exact one's 6 m
      expect(p.recipients.map((r) => [r.number, r.uprn, r.distanceM])).toEqual([
        [1, A1.touching.uprn, 5],
        [2, A1.exact.uprn, 6],
      ]);
      expect(p.excluded.map((e) => e.uprn)).toEqual([A1.site.uprn]);
      expect(p.excluded[0]!.because).toMatch(/site's own address/);
      expect(p.unaddressed.map((u) => [u.reference, u.distanceM])).toEqual([['S1-empty', 0.71]]);
    });

    it('honours a custom toleranceM: 2.5 m takes the 1.01 m outline but not the 3 m one; 3 m takes both', async () => {
      const at25 = await preview(polygon(S1), { adjoining: { toleranceM: 2.5 } });
      expect(uprns(at25.recipients)).toEqual([A1.exact.uprn, A1.beyond.uprn, A1.touching.uprn]);
      expect(byUprn(at25, A1.beyond.uprn).reasons[0]).toMatchObject({ mode: 'adjoining', distanceM: 1.01 });
      expect(byUprn(at25, A1.beyond.uprn).reasons[0]!.detail).toContain('adjoining within 2.5 m');
      const at3 = await preview(polygon(S1), { adjoining: { toleranceM: 3 } });
      expect(uprns(at3.recipients)).toEqual([A1.exact.uprn, A1.beyond.uprn, A1.touching.uprn, A1.far3.uprn]);
      expect(byUprn(at3, A1.far3.uprn).reasons[0]).toMatchObject({ mode: 'adjoining', distanceM: 3 });
      const at0 = await preview(polygon(S1), { adjoining: { toleranceM: 0 } });
      expect(uprns(at0.recipients)).toEqual([A1.touching.uprn]);
    });

    it('finds the neighbours of either part of a multipart site, with distances to the nearest part', async () => {
      const p = await preview(S2, { adjoining: true });
      expect(uprns(p.recipients)).toEqual([A2.byA.uprn, A2.byB.uprn]);
      for (const a of [A2.byA, A2.byB]) {
        const r = byUprn(p, a.uprn);
        expect(r.distanceM).toBe(5);
        expect(r.distanceM).toBeCloseTo(jsts(S2, a), 6);
        expect(r.reasons[0]).toMatchObject({ mode: 'adjoining', distanceM: 0.5 });
      }
      const r40 = await preview(S2, { radiusM: 40 });
      expect(uprns(r40.recipients)).toEqual([A2.byA.uprn, A2.byB.uprn, A2.nearB.uprn]);
      expect(byUprn(r40, A2.nearB.uprn).distanceM).toBe(30);
      expect(jsts(S2, A2.nearB)).toBeCloseTo(30, 9);
      const r95 = await preview(S2, { radiusM: 95 });
      expect(byUprn(r95, A2.between.uprn).distanceM).toBe(90);
      expect(r95.recipients.at(-1)!.uprn).toBe(A2.between.uprn);
    });
  });

  describe('blocks of flats', () => {
    const flatUprns = FLATS.map((f) => f.uprn);

    it('selecting one flat brings every flat of the building, via that flat; the PP parent gets no letter', async () => {
      const p = await preview(polygon(S3), { radiusM: 6 });
      expect(uprns(p.recipients)).toEqual(flatUprns);
      expect(p.recipients.map((r) => r.uprn)).toEqual(flatUprns); // nearest first: 5, 8, 11, 14, 17, 30 m
      expect(p.recipients.map((r) => r.distanceM)).toEqual([5, 8, 11, 14, 17, 30]);
      expect(byUprn(p, 3001).reasons.map((r) => r.mode)).toEqual(['radius']);
      for (const u of flatUprns.slice(1)) {
        const r = byUprn(p, u);
        expect(r.parentUprn).toBe(PARENT.uprn);
        expect(r.reasons).toHaveLength(1);
        expect(r.reasons[0]!.mode).toBe('same-building');
        expect(r.reasons[0]!.detail).toBe('in the same building as UPRN 3001, which was selected');
      }
      expect(p.recipients.some((r) => r.uprn === PARENT.uprn)).toBe(false);
      expect(p.excluded).toEqual([]);
      // the other block is not pulled in
      expect(p.recipients.some((r) => r.uprn === PARENT2.uprn || FLATS2.some((f) => f.uprn === r.uprn))).toBe(false);
    });

    it('selecting the building outline brings every flat, even one whose point lies outside it', async () => {
      const p = await preview(polygon(S3), { adjoining: true });
      expect(uprns(p.recipients)).toEqual(flatUprns);
      for (const u of flatUprns.slice(0, 5)) expect(modes(byUprn(p, u))).toEqual(['adjoining']);
      const outside = byUprn(p, 3006).reasons;
      expect(outside.map((r) => r.mode)).toEqual(['same-building']);
      expect(outside[0]!.detail).toMatch(/^in the same building as UPRN 30\d\d, which was selected$/);
      expect(p.recipients.some((r) => r.uprn === PARENT.uprn)).toBe(false);
    });

    it('a building whose parent is an address itself (not a PP shell): choosing one annex brings the house and the other annex', async () => {
      const p = await preview(polygon(S3), { add: [{ uprn: ANNEXES[0]!.uprn, reason: 'Shares the drive' }] });
      expect(uprns(p.recipients)).toEqual([HOUSE.uprn, ANNEXES[0]!.uprn, ANNEXES[1]!.uprn]);
      expect(byUprn(p, HOUSE.uprn).reasons).toEqual([
        {
          mode: 'same-building',
          detail: `in the same building as UPRN ${ANNEXES[0]!.uprn}, which was selected`,
          distanceM: 100,
        },
      ]);
      expect(byUprn(p, ANNEXES[1]!.uprn).reasons[0]!.detail).toBe(
        `in the same building as UPRN ${ANNEXES[0]!.uprn}, which was selected`,
      );
      // and choosing the house brings both annexes, through the house
      const q = await preview(polygon(S3), { add: [{ uprn: HOUSE.uprn, reason: 'Owner asked' }] });
      expect(uprns(q.recipients)).toEqual([HOUSE.uprn, ANNEXES[0]!.uprn, ANNEXES[1]!.uprn]);
      for (const a of ANNEXES)
        expect(byUprn(q, a.uprn).reasons[0]!.detail).toBe(
          `in the same building as UPRN ${HOUSE.uprn}, which was selected`,
        );
    });

    it('adding one flat by hand brings its building-mates, not the parent', async () => {
      const p = await preview(polygon(S3), { add: [{ uprn: 3102, reason: 'Asked at the counter' }] });
      expect(uprns(p.recipients)).toEqual([3101, 3102, 3103]);
      expect(byUprn(p, 3102).reasons).toEqual([
        { mode: 'manual', detail: 'added by hand: Asked at the counter', distanceM: 170 },
      ]);
      for (const u of [3101, 3103])
        expect(byUprn(p, u).reasons[0]!.detail).toBe('in the same building as UPRN 3102, which was selected');
      expect(p.notFound).toEqual([]);
    });
  });

  describe("the site's own addresses", () => {
    it('excludes the case UPRNs and address points inside the red line from a stored run, saying why', async () => {
      const id = await newCase([A4.caseUprn.uprn]);
      await putSite(id, polygon(S4));
      const run = await createRun(id, { radiusM: 50 });
      expect(uprns(run.recipients)).toEqual([A4.neighbour.uprn]);
      expect(uprns(run.excluded)).toEqual([A4.caseUprn.uprn, A4.inside.uprn]);
      for (const e of run.excluded) expect(e.because).toMatch(/site's own address/);
      // a preview knows no case, so the case's UPRN outside the red line is a neighbour there
      const p = await preview(polygon(S4), { radiusM: 50 });
      expect(uprns(p.recipients)).toEqual([A4.caseUprn.uprn, A4.neighbour.uprn]);
      expect(uprns(p.excluded)).toEqual([A4.inside.uprn]);
    });
  });

  describe('modes on one site', () => {
    it('adjoining, radius and polygon give their own sets', async () => {
      const adj = await preview(polygon(S5), { adjoining: true });
      expect(uprns(adj.recipients)).toEqual([A5.adjoining.uprn]);
      const rad = await preview(polygon(S5), { radiusM: 50 });
      expect(uprns(rad.recipients)).toEqual([A5.adjoining.uprn, A5.at50.uprn, A5.cornerAt50.uprn, A5.west40.uprn]);
      const poly = await preview(polygon(S5), { polygon: DRAWN, crs: 'EPSG:27700' });
      expect(uprns(poly.recipients)).toEqual([A5.inDrawn.uprn]);
      expect(byUprn(poly, A5.inDrawn.uprn).reasons).toEqual([
        { mode: 'polygon', detail: 'inside the area drawn by the officer', distanceM: 75 },
      ]);
      const all = await preview(polygon(S5), { adjoining: true, radiusM: 50, polygon: DRAWN, crs: 'EPSG:27700' });
      expect(uprns(all.recipients)).toEqual([
        A5.adjoining.uprn,
        A5.at50.uprn,
        A5.cornerAt50.uprn,
        A5.inDrawn.uprn,
        A5.west40.uprn,
      ]);
    });

    it('a property both adjoining and within the radius is one recipient with two reasons', async () => {
      const p = await preview(polygon(S5), { adjoining: true, radiusM: 50 });
      expect(p.recipients.filter((r) => r.uprn === A5.adjoining.uprn)).toHaveLength(1);
      expect(new Set(p.recipients.map((r) => r.uprn)).size).toBe(p.recipients.length);
      const r = byUprn(p, A5.adjoining.uprn);
      expect(r.reasons.map((x) => [x.mode, x.distanceM])).toEqual([
        ['adjoining', 0.5],
        ['radius', 10],
      ]);
      expect(r.reasons[1]!.detail).toBe('10 m from the red line, within the 50 m radius');
      // numbered nearest first: 10 m, 40 m, then the two at exactly 50 m
      expect(p.recipients.map((x) => [x.number, x.uprn, x.distanceM])).toEqual([
        [1, A5.adjoining.uprn, 10],
        [2, A5.west40.uprn, 40],
        [3, A5.at50.uprn, 50],
        [4, A5.cornerAt50.uprn, 50],
      ]);
    });

    it('an address exactly at the radius is in and 1 cm beyond is out (square on and off a corner)', async () => {
      expect(jsts(polygon(S5), A5.at50)).toBe(50);
      expect(jsts(polygon(S5), A5.cornerAt50)).toBe(50);
      expect(jsts(polygon(S5), A5.past50)).toBeCloseTo(50.01, 6);
      expect(jsts(polygon(S5), A5.cornerPast50)).toBeCloseTo(50.01, 6);
      const p = await preview(polygon(S5), { radiusM: 50 });
      const got = new Set(p.recipients.map((r) => r.uprn));
      expect(got.has(A5.at50.uprn)).toBe(true);
      expect(got.has(A5.cornerAt50.uprn)).toBe(true);
      expect(got.has(A5.past50.uprn)).toBe(false);
      expect(got.has(A5.cornerPast50.uprn)).toBe(false);
      const wider = await preview(polygon(S5), { radiusM: 50.011 });
      expect(new Set(wider.recipients.map((r) => r.uprn)).has(A5.past50.uprn)).toBe(true);
    });

    it('gives the same answers call after call (a prepared statement, soon with a generic plan, on each pooled connection)', async () => {
      const first = await preview(polygon(S5), { radiusM: 50 });
      // 25 calls over a pool of at most 4 connections: at least one runs the statement 7 times (PostgreSQL plans the first 5)
      for (let i = 0; i < 25; i++) {
        const radiusM = i % 2 ? 50 : 50.011;
        const p = await preview(polygon(S5), { radiusM });
        if (radiusM === 50) expect(p.recipients).toEqual(first.recipients);
        else
          expect(uprns(p.recipients)).toEqual(
            [...uprns(first.recipients), A5.past50.uprn, A5.cornerPast50.uprn].sort((a, b) => a - b),
          );
      }
    });

    it('manual additions and removals carry their reasons; removal wins and is listed; an unknown UPRN is notFound', async () => {
      const p = await preview(polygon(S5), {
        radiusM: 50,
        add: [
          { uprn: A5.inDrawn.uprn, reason: 'Asked to be told at the pre-application meeting' },
          { uprn: A5.at50.uprn, reason: 'Objected last time' },
          { uprn: 999_999_999, reason: 'Typed from a letter' },
        ],
        remove: [
          { uprn: A5.west40.uprn, reason: 'Demolished: no letterbox' },
          { uprn: A5.at50.uprn, reason: 'The owner is the applicant' },
        ],
      });
      expect(uprns(p.recipients)).toEqual([A5.adjoining.uprn, A5.cornerAt50.uprn, A5.inDrawn.uprn]);
      expect(byUprn(p, A5.inDrawn.uprn).reasons).toEqual([
        { mode: 'manual', detail: 'added by hand: Asked to be told at the pre-application meeting', distanceM: 75 },
      ]);
      const excluded = new Map(p.excluded.map((e) => [e.uprn, e.because]));
      expect([...excluded.keys()].sort()).toEqual([A5.at50.uprn, A5.west40.uprn]);
      expect(excluded.get(A5.west40.uprn)).toBe('removed by hand: Demolished: no letterbox');
      expect(excluded.get(A5.at50.uprn)).toBe('removed by hand: The owner is the applicant');
      expect(p.notFound).toEqual([999_999_999]);
      expectNearestFirst(p.recipients);
    });

    it('has no cap: 3,000 recipients come back, numbered nearest first, and a run stores them all', async () => {
      const p = await preview(polygon(S6), { radiusM: 200 });
      expect(p.recipients).toHaveLength(3000);
      expectNearestFirst(p.recipients);
      expect(p.recipients[0]!.distanceM).toBe(5);
      const id = await newCase();
      await putSite(id, polygon(S6));
      const run = await createRun(id, { radiusM: 200 });
      expect(run.recipientCount).toBe(3000);
      expect(run.recipients).toHaveLength(3000);
      expect(run.recipients.map((r) => r.uprn)).toEqual(p.recipients.map((r) => r.uprn));
    });
  });

  describe('a terrace or block mapped as one outline (same building as the site)', () => {
    const houseUprns = HOUSES.map((h) => h.uprn);
    const excludedUprns = (p: { excluded: Array<{ uprn: number }> }) => uprns(p.excluded);

    it('a run on house 2 of a terrace drawn as the whole outline: the other houses get letters, the site does not', async () => {
      const id = await newCase([HOUSES[1]!.uprn]);
      await putSite(id, polygon(TERRACE));
      const run = await createRun(id, { adjoining: true });
      expect(uprns(run.recipients)).toEqual([9001, 9003, 9004, NEXT_DOOR.uprn]);
      expect(excludedUprns(run)).toEqual([9002]);
      for (const u of [9001, 9003, 9004]) {
        const r = byUprn(run, u);
        expect(modes(r)).toEqual(['adjoining', 'same-building-as-site']);
        expect(r.distanceM).toBe(0);
        const same = r.reasons.find((x) => x.mode === 'same-building-as-site')!;
        expect(same.detail).toMatch(/same building as the site/);
        expect(same.detail).not.toMatch(/cannot tell/);
      }
      // the detached house next door is adjoining only: not the same building
      expect(modes(byUprn(run, NEXT_DOOR.uprn))).toEqual(['adjoining']);
      expect(byUprn(run, NEXT_DOOR.uprn).reasons[0]!.distanceM).toBe(0.5);
    });

    it('sameBuilding alone picks exactly the other addresses on the site outline; switched off, adjoining still finds them', async () => {
      const id = await newCase([HOUSES[1]!.uprn]);
      await putSite(id, polygon(TERRACE));
      const alone = await createRun(id, { sameBuilding: true });
      expect(uprns(alone.recipients)).toEqual([9001, 9003, 9004]);
      for (const r of alone.recipients) expect(modes(r)).toEqual(['same-building-as-site']);
      const off = await createRun(id, { adjoining: true, sameBuilding: false });
      expect(uprns(off.recipients)).toEqual([9001, 9003, 9004, NEXT_DOOR.uprn]);
      for (const r of off.recipients) expect(modes(r)).toEqual(['adjoining']);
      expect(excludedUprns(off)).toEqual([9002]);
    });

    it("house 2's own plot, no UPRN given: its point is the site's own, the others are the same building", async () => {
      const p = await preview(polygon(plot2(24.99)), { adjoining: true });
      expect(excludedUprns(p)).toEqual([9002]);
      expect(uprns(p.recipients)).toEqual([9001, 9003, 9004]);
      expect(byUprn(p, 9003).distanceM).toBe(0.01);
      for (const u of [9001, 9003, 9004]) expect(modes(byUprn(p, u))).toEqual(['adjoining', 'same-building-as-site']);
      // the house next door is 15.51 m from the plot: not adjoining it
      expect(p.recipients.find((r) => r.uprn === NEXT_DOOR.uprn)).toBeUndefined();
      // a point exactly on the red line is inside it: judged by itself, house 3 is then the site's own too
      const onEdge = await preview(polygon(plot2(25)), { adjoining: true });
      expect(excludedUprns(onEdge)).toEqual([9002, 9003]);
      expect(uprns(onEdge.recipients)).toEqual([9001, 9004]);
    });

    it('the whole terrace drawn and no UPRN given: Redline cannot tell which house is the site, so every house gets a letter and says why', async () => {
      const p = await preview(polygon(TERRACE), { adjoining: true });
      expect(uprns(p.recipients)).toEqual([...houseUprns, NEXT_DOOR.uprn]);
      expect(excludedUprns(p)).toEqual([]);
      for (const u of houseUprns) {
        const same = byUprn(p, u).reasons.find((x) => x.mode === 'same-building-as-site')!;
        expect(same.detail).toMatch(/cannot tell which is the site's own/);
      }
    });

    it("a single-address outline covered by the red line stays the site's own (no change for a detached house)", async () => {
      const p = await preview(polygon(rect(O9[0] + 40.5, O9[1], O9[0] + 50, O9[1] + 10)), { adjoining: true });
      expect(excludedUprns(p)).toEqual([NEXT_DOOR.uprn]);
      expect(uprns(p.recipients)).toEqual(houseUprns);
      for (const r of p.recipients) expect(modes(r)).toEqual(['adjoining']);
    });

    it('a block of flats drawn as its outline, the case being flat 1: flats 2 and 3 get letters, the shell none', async () => {
      const id = await newCase([BLOCK_FLATS[0]!.uprn]);
      await putSite(id, polygon(BLOCK));
      const run = await createRun(id, { adjoining: true });
      expect(uprns(run.recipients)).toEqual([9102, 9103]);
      for (const u of [9102, 9103]) expect(modes(byUprn(run, u))).toEqual(['adjoining', 'same-building-as-site']);
      expect(excludedUprns(run)).toEqual([9101]);
      expect(run.recipients.find((r) => r.uprn === BLOCK_PARENT.uprn)).toBeUndefined();
    });
  });

  describe('stored runs', () => {
    let caseId = 0;
    let first: Awaited<ReturnType<typeof createRun>>;
    let second: Awaited<ReturnType<typeof createRun>>;
    beforeAll(async () => {
      caseId = await newCase();
      await putSite(caseId, polygon(S7a));
      first = await createRun(caseId, { radiusM: 30 });
      await putSite(caseId, polygon(S7b));
      second = await createRun(caseId, { radiusM: 30 });
    });

    it('after the boundary changed, a new run says who was added and who dropped', async () => {
      expect(uprns(first.recipients)).toEqual([A7.stays.uprn, A7.west.uprn]);
      expect(first.changes).toBeNull();
      expect(uprns(second.recipients)).toEqual([A7.stays.uprn, A7.east.uprn]);
      expect(second.previousId).toBe(first.id);
      expect(second.changes!.previousRunId).toBe(first.id);
      expect(second.changes!.added.map((a) => a.uprn)).toEqual([A7.east.uprn]);
      expect(second.changes!.dropped.map((a) => a.uprn)).toEqual([A7.west.uprn]);
      const list = await t.as('officer').get(`/api/cases/${caseId}/notification-runs`).expect(200);
      expect(list.body.items.map((r: { id: number }) => r.id)).toEqual([second.id, first.id]);
      const again = await t.as('officer').get(`/api/cases/${caseId}/notification-runs/${second.id}`).expect(200);
      expect(again.body.changes.dropped.map((a: { uprn: number }) => a.uprn)).toEqual([A7.west.uprn]);
    });

    it('audits each run as notification-run.create', async () => {
      const rows = await t
        .db('audit_log')
        .where({ action: 'notification-run.create', entity_type: 'notification_run' })
        .whereIn('entity_id', [String(first.id), String(second.id)])
        .orderBy('id');
      expect(rows.map((r) => r.entity_id)).toEqual([String(first.id), String(second.id)]);
      expect(rows[0].actor).toBe('officer.user');
      expect(rows[0].after).toMatchObject({ caseId, recipients: 2, previousId: null, params: { radiusM: 30 } });
      expect(rows[1].after).toMatchObject({ caseId, recipients: 2, previousId: first.id });
    });
  });

  describe('the recipients as files', () => {
    let caseId = 0;
    let run: Awaited<ReturnType<typeof createRun>>;
    beforeAll(async () => {
      caseId = await newCase();
      await putSite(caseId, polygon(S8));
      run = await createRun(caseId, { radiusM: 50 });
    });

    it('the CSV has a BOM and CRLF, "The Occupier" first, 3 to 7 lines, the post town in capitals, the postcode last', async () => {
      expect(uprns(run.recipients)).toEqual([A8.formula.uprn, A8.sixLines.uprn, A8.lower.uprn, A8.minus.uprn]);
      const res = await t
        .as('officer')
        .get(`/api/cases/${caseId}/notification-runs/${run.id}/recipients.csv`)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      const bytes = res.body as Buffer;
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text.endsWith('\r\n')).toBe(true);
      expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const rows = parseCsv(text, { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((r) => Number(r.uprn))).toEqual(run.recipients.map((r) => r.uprn));
      expect(rows.map((r) => Number(r.number))).toEqual([1, 2, 3, 4]);
      const lines = (r: Record<string, string>) =>
        [1, 2, 3, 4, 5, 6, 7].map((i) => r[`line_${i}`] ?? '').filter((l) => l !== '');
      for (const r of rows) {
        const l = lines(r);
        expect(l[0]).toBe('The Occupier');
        expect(l.length).toBeGreaterThanOrEqual(3);
        expect(l.length).toBeLessThanOrEqual(7);
        const rec = run.recipients.find((x) => x.uprn === Number(r.uprn))!;
        expect(l.at(-1)).toBe(rec.postcode!.toUpperCase());
        expect(l.at(-2)).toBe('LONDON');
        for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@]/);
      }
      const at = (uprn: number) => lines(rows.find((r) => Number(r.uprn) === uprn)!);
      expect(at(A8.formula.uprn)).toEqual(['The Occupier', `'${FORMULA}`, 'Formula Road', 'LONDON', 'SE1 8AA']);
      expect(text).toContain(`"'${FORMULA.replace(/"/g, '""')}"`);
      expect(at(A8.sixLines.uprn)).toHaveLength(7);
      expect(at(A8.sixLines.uprn)[1]).toMatch(/^Flat 2/);
      expect(at(A8.sixLines.uprn).slice(-2)).toEqual(['LONDON', 'SE1 4PL']);
      expect(at(A8.lower.uprn)).toEqual(['The Occupier', '1 Short Street', 'LONDON', 'SE1 9ZZ']);
      expect(at(A8.minus.uprn)).toEqual(['The Occupier', "'-1 Minus Mews, Rear", 'LONDON', 'SE1 7AA']);
    });

    it('the GeoJSON has CRS84 points numbered like the list', async () => {
      const res = await t
        .as('officer')
        .get(`/api/cases/${caseId}/notification-runs/${run.id}/recipients.geojson`)
        .expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const fc = JSON.parse(res.text) as {
        type: string;
        crs?: unknown;
        features: Array<{
          id: number;
          properties: { number: number; uprn: number; address: string };
          geometry: { type: string; coordinates: [number, number] };
        }>;
      };
      expect(fc.type).toBe('FeatureCollection');
      expect(fc.crs).toBeUndefined();
      expect(fc.features.map((f) => [f.properties.number, f.properties.uprn])).toEqual(
        run.recipients.map((r) => [r.number, r.uprn]),
      );
      proj4.defs(
        'EPSG:27700',
        '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
      );
      for (const [i, f] of fc.features.entries()) {
        const rec = run.recipients[i]!;
        expect(f.geometry.type).toBe('Point');
        const [lon, lat] = f.geometry.coordinates;
        const { rows } = await t.db.raw(
          `SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(?, ?), 27700), 4326) AS g) s`,
          [rec.x, rec.y],
        );
        expect(lon).toBeCloseTo(rows[0].lon, 7);
        expect(lat).toBeCloseTo(rows[0].lat, 7);
        // longitude first, and within a few metres of an independent (Helmert) transform
        const [plon, plat] = proj4('EPSG:27700', 'WGS84', [rec.x, rec.y]) as [number, number];
        expect(Math.abs(lon - plon)).toBeLessThan(1e-4);
        expect(Math.abs(lat - plat)).toBeLessThan(1e-4);
      }
      // the address as on the letter (the formula is neutralised in the CSV, which spreadsheets open)
      expect(fc.features[0]!.properties.address).toBe(`${FORMULA}, Formula Road, LONDON, SE1 8AA`);
    });
  });

  describe('bad input', () => {
    const site = polygon(S5);
    it.each([
      ['a negative radius', { radiusM: -5 }, 'body.selection.radiusM'],
      ['a zero radius', { radiusM: 0 }, 'body.selection.radiusM'],
      ['a radius over 1000 m', { radiusM: 1000.5 }, 'body.selection.radiusM'],
      ['a tolerance over 20 m', { adjoining: { toleranceM: 25 } }, 'body.selection.adjoining'],
    ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_, selection, field) => {
      const res = await previewRes(site, selection);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.issues[0].path).toContain(field);
    });

    it('says the radius limit and how to go further', async () => {
      const res = await previewRes(site, { radiusM: 1001 });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('at most 1000 m');
    });

    it('accepts a radius of exactly 1000 m', async () => {
      const res = await previewRes(site, { radiusM: 1000 });
      expect(res.status).toBe(200);
    });

    it('refuses an unknown mode key (strict), naming it', async () => {
      const res = await previewRes(site, { radius: 50 });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toContain('radius"');
      expect(JSON.stringify(res.body.error.details)).toContain('radius');
    });

    it.each([
      ['an empty selection', {}],
      ['adjoining: false only', { adjoining: false }],
      ['no selection at all', undefined],
    ])('refuses %s: no mode chosen', async (_, selection) => {
      const res = await previewRes(site, selection);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toContain('choose at least one way to select neighbours');
    });

    it('refuses a self-intersecting drawn area with INVALID_GEOMETRY and where it crosses', async () => {
      const [x, y] = [O5[0] - 100, O5[1]];
      const bowtie = polygon([
        [x, y],
        [x + 50, y + 50],
        [x + 50, y],
        [x, y + 50],
        [x, y],
      ]);
      const res = await previewRes(site, { radiusM: 50, polygon: bowtie, crs: 'EPSG:27700' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('INVALID_GEOMETRY');
      expect(res.body.error.details.reason).toMatch(/self-intersection/i);
      expect(res.body.error.details.location.epsg27700).toEqual([x + 25, y + 25]);
    });

    it('refuses a run on a case with an unknown key in the body', async () => {
      const id = await newCase();
      const res = await t
        .as('officer')
        .post(`/api/cases/${id}/notification-runs`)
        .send({ selection: { radiusM: 10 }, limit: 10 });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain('limit');
    });
  });
});
