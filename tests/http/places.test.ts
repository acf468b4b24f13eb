/** GET /api/places: postcode (full, sector, outward), street, street and number, UPRN and typed coordinates. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
const A = (uprn: number, lines: string[], postcode: string, x: number, y: number) => ({ uprn, lines, postcode, x, y });
const ADDRESSES = [
  A(900000000101, ['12 Southwark Street', 'London'], 'SE1 1RQ', 532400, 180200),
  A(900000000102, ['14 Southwark Street', 'London'], 'SE1 1RQ', 532420, 180205),
  A(900000000103, ['120 Southwark Street', 'London'], 'SE1 0SW', 532000, 180100),
  A(900000000104, ['Flat 2', '25 Tabard Street', 'London'], 'SE1 4LA', 532800, 179600),
  A(900000000105, ['7 Southwark Bridge Road', 'London'], 'SE1 9HA', 532300, 180300),
];

beforeAll(async () => {
  t = await startTestApp();
  for (const a of ADDRESSES) {
    await t.db.raw(
      `INSERT INTO address (uprn, address_lines, postcode, geom, source) VALUES (?, ?, ?, ST_SetSRID(ST_MakePoint(?, ?), 27700), 'test')`,
      [a.uprn, a.lines, a.postcode, a.x, a.y],
    );
  }
  // 12 Southwark Street has an outline listing its UPRN
  await t.db.raw(
    `INSERT INTO property (source_ref, uprns, geom) VALUES ('p12', ARRAY[900000000101]::bigint[],
       ST_Multi(ST_MakeEnvelope(532390, 180190, 532410, 180215, 27700)))`,
  );
});
afterAll(async () => {
  await t.closeApp();
});

const search = async (q: string) =>
  (
    await t
      .as('support')
      .get(`/api/places?q=${encodeURIComponent(q)}`)
      .expect(200)
  ).body as {
    items: Array<{ kind: string; label: string; x: number; y: number; bbox?: number[]; uprn?: string; count?: number }>;
    message?: string;
  };

describe('GET /api/places', () => {
  it('a full postcode, any case and spacing: the postcode then its addresses', async () => {
    for (const q of ['SE1 1RQ', 'se11rq', ' Se1  1rq ']) {
      const r = await search(q);
      expect(r.items[0]).toMatchObject({ kind: 'postcode', label: 'SE1 1RQ', count: 2 });
      expect(r.items[0]!.bbox).toBeDefined();
      expect(r.items.filter((i) => i.kind === 'address').map((i) => i.uprn)).toEqual(['900000000101', '900000000102']);
    }
  });

  it('a sector and an outward code: the area, then its postcodes', async () => {
    const sector = await search('SE1 1');
    expect(sector.items[0]).toMatchObject({ kind: 'postcode', label: 'SE1 1', count: 2 });
    expect(sector.items.slice(1).map((i) => i.label)).toEqual(['SE1 1RQ', 'SE 1 1']);
    // the 10 km grid square SE 1 1 comes last
    expect(sector.items.at(-1)).toMatchObject({ kind: 'coordinates' });
    const outward = await search('se1');
    expect(outward.items[0]).toMatchObject({ kind: 'postcode', label: 'SE1', count: 5 });
    expect(outward.items.filter((i) => i.kind === 'postcode').map((i) => i.label)).toEqual([
      'SE1',
      'SE1 0SW',
      'SE1 1RQ',
      'SE1 4LA',
      'SE1 9HA',
    ]);
  });

  it('street and number: the exact address first, with its property outline box', async () => {
    const r = await search('12 southwark street');
    expect(r.items[0]).toMatchObject({ kind: 'address', uprn: '900000000101', label: '12 Southwark Street, SE1 1RQ' });
    // the outline is 20 m by 25 m: its box as is
    expect(r.items[0]!.bbox).toEqual([532390, 180190, 532410, 180215]);
    expect(r.items.map((i) => i.uprn)).not.toContain('900000000105');
  });

  it('a street alone: the street with its extent, then its addresses', async () => {
    const r = await search('Southwark Street');
    expect(r.items[0]).toMatchObject({ kind: 'street', label: 'Southwark Street', count: 3 });
    const [x0, y0, x1, y1] = r.items[0]!.bbox!;
    expect(x0).toBeLessThanOrEqual(532000);
    expect(x1).toBeGreaterThanOrEqual(532420);
    expect(y0).toBeLessThanOrEqual(180100);
    expect(y1).toBeGreaterThanOrEqual(180205);
    expect(r.items.filter((i) => i.kind === 'address')).toHaveLength(3);
  });

  it('a flat finds its building by street', async () => {
    const r = await search('25 Tabard Street');
    expect(r.items[0]).toMatchObject({
      kind: 'address',
      uprn: '900000000104',
      label: 'Flat 2, 25 Tabard Street, SE1 4LA',
    });
  });

  it('a UPRN', async () => {
    const r = await search('900000000105');
    expect(r.items).toHaveLength(1);
    expect(r.items[0]).toMatchObject({ kind: 'address', uprn: '900000000105', x: 532300, y: 180300 });
  });

  it('coordinates: grid reference, easting/northing, latitude/longitude', async () => {
    expect((await search('TQ 32525 79850')).items[0]).toMatchObject({ kind: 'coordinates', x: 532525, y: 179850 });
    expect((await search('TQ 325 798')).items[0]).toMatchObject({
      x: 532550,
      y: 179850,
      bbox: [532500, 179800, 532600, 179900],
    });
    expect((await search('532525, 179850')).items[0]).toMatchObject({ kind: 'coordinates', x: 532525, y: 179850 });
    const ll = (await search('51.5045, -0.0865')).items[0]!;
    expect(ll.kind).toBe('coordinates');
    expect(Math.abs(ll.x - 532903.193)).toBeLessThan(0.01);
  });

  it('nothing found: no items, and a reason when the text was a wrong location', async () => {
    expect((await search('Nowhere Lane')).items).toEqual([]);
    const r = await search('TQ 325 79');
    expect(r.items).toEqual([]);
    expect(r.message).toMatch(/even number of digits/);
  });

  it('limits, validates and needs sign-in', async () => {
    const r = (await t.as('officer').get('/api/places?q=Southwark&limit=2').expect(200)).body;
    expect(r.items).toHaveLength(2);
    await t.as('officer').get('/api/places').expect(400);
    await t.as('officer').get('/api/places?q=x&limit=500').expect(400);
    await t.anon.get('/api/places?q=SE1').expect(401);
  });
});
