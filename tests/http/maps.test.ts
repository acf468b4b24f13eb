/**
 * Map images over HTTP: GET /api/cases/:id/maps/<template>.(png|jpg) and POST /api/maps/<template>.(png|jpg) on a real
 * PostGIS database. Every sheet parameter and its refusals (the offending field named), unknown templates and
 * cases, cases without a site, run or check, the pixel limit (MAP_MAX_PIXELS set low on a second app), fixed scales
 * the site does not fit, JPEG, ad hoc renders and the geometry intake's refusals, the authority's copyright
 * statement on the sheet, and choosing a run or stored check. Images are inspected by their pixels: colours of
 * the styles inside the map frame (X-Map-Frame), ink in the copyright lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIT_SERIES } from '../../server/render/layout.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import {
  binary,
  createCase,
  createCheck,
  createRun,
  loadAddresses,
  loadLayer,
  loadOutlines,
  setCopyright,
  type AddressPoint,
  type Outline,
} from '../render/fixture.ts';
import { decode, type Raster } from '../render/png.ts';

const t: TestApp = await startTestApp();
afterAll(async () => {
  await t.closeApp();
});

const here = path.dirname(fileURLToPath(import.meta.url));
const streets = JSON.parse(fs.readFileSync(path.join(here, '../render/_data/streets.json'), 'utf8')) as {
  properties: Outline[];
  addresses: AddressPoint[];
};

type Ring = Array<[number, number]>;
const rect = (x0: number, y0: number, x1: number, y1: number): Ring => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const polygon = (...rings: Ring[]) => ({ type: 'Polygon' as const, coordinates: rings });
/** the terraced plot of the render fixtures (tests/render/_data/streets.json) */
const SITE = polygon(rect(533200, 179207, 533208, 179230));
const SQUARE_100 = polygon(rect(533100, 178700, 533200, 178800));

const ids = {
  withAll: 0,
  noSite: 0,
  siteOnly: 0,
  square: 0,
  other: 0,
  run1: 0,
  run2: 0,
  check1: 0,
  check2: 0,
  otherRun: 0,
  otherCheck: 0,
};
const COPYRIGHT = 'Contains OS data © Crown copyright and database right 2024. Maps test statement.';

beforeAll(async () => {
  await setCopyright(t, COPYRIGHT);
  await loadOutlines(t, streets.properties);
  await loadAddresses(t, streets.addresses);
  await loadLayer(t, 'conservation-area', [
    { reference: 'CA1', name: 'Hazel Road', geometry: polygon(rect(533150, 179150, 533260, 179280)) },
  ]);
  await loadLayer(t, 'listed-building', [
    {
      reference: '1390001',
      name: 'Nos 56 and 58',
      properties: { 'listed-building-grade': 'II' },
      geometry: { type: 'Point', coordinates: [533212, 179214] },
    },
  ]);
  ids.withAll = await createCase(t, { reference: '24/AP/0201', siteAddress: '54 Hazel Road' }, SITE);
  ids.run1 = await createRun(t, ids.withAll, { adjoining: true });
  ids.run2 = await createRun(t, ids.withAll, { radiusM: 40 });
  ids.check1 = await createCheck(t, ids.withAll, ['conservation-area']);
  ids.check2 = await createCheck(t, ids.withAll, ['listed-building']);
  ids.noSite = await createCase(t, { reference: '24/AP/0202' });
  ids.siteOnly = await createCase(t, { reference: '24/AP/0203' }, SITE);
  ids.square = await createCase(t, { reference: '24/AP/0204' }, SQUARE_100);
  ids.other = await createCase(t, { reference: '24/AP/0205' }, SITE);
  ids.otherRun = await createRun(t, ids.other, { adjoining: true });
  ids.otherCheck = await createCheck(t, ids.other, ['conservation-area']);
}, 120_000);

const get = (caseId: number, file: string, query = '') =>
  binary(t.as('officer').get(`/api/cases/${caseId}/maps/${file}${query ? `?${query}` : ''}`));
const errorOf = (body: Buffer) =>
  JSON.parse(body.toString('utf8')) as { error: { code: string; message: string; details: Record<string, unknown> } };
async function refused(req: Promise<{ status: number; body: Buffer }>, status: number, code: string) {
  const res = await req;
  expect(res.status, res.body.toString('utf8').slice(0, 300)).toBe(status);
  const e = errorOf(res.body);
  expect(e.error.code).toBe(code);
  return e.error;
}
const ok = async (req: Promise<{ status: number; body: Buffer; headers: Record<string, string> }>) => {
  const res = await req;
  expect(res.status, res.status === 200 ? '' : res.body.toString('utf8').slice(0, 300)).toBe(200);
  return res;
};

const frameOf = (h: string) => {
  const [x, y, w, hh] = h.split(',').map(Number) as [number, number, number, number];
  return { x, y, w, h: hh };
};
/** pixels within `tol` of an RGB colour, inside a box of the image */
function countColour(
  img: Raster,
  rgb: [number, number, number],
  box: { x: number; y: number; w: number; h: number },
  tol = 10,
): number {
  let n = 0;
  for (let y = Math.ceil(box.y) + 2; y < Math.floor(box.y + box.h) - 2; y++) {
    for (let x = Math.ceil(box.x) + 2; x < Math.floor(box.x + box.w) - 2; x++) {
      const i = (y * img.width + x) * 4;
      if (
        Math.abs(img.data[i]! - rgb[0]) <= tol &&
        Math.abs(img.data[i + 1]! - rgb[1]) <= tol &&
        Math.abs(img.data[i + 2]! - rgb[2]) <= tol
      )
        n++;
    }
  }
  return n;
}
/** rows of the image (from `fromY` down) with any ink darker than mid grey */
function inkedRows(img: Raster, fromY: number): number[] {
  const rows: number[] = [];
  for (let y = Math.ceil(fromY); y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[(y * img.width + x) * 4]! < 128) {
        rows.push(y);
        break;
      }
    }
  }
  return rows;
}
const BLUE_RECIPIENT: [number, number, number] = [0x1d, 0x70, 0xb8];
const RED_LISTED: [number, number, number] = [0xd4, 0x35, 0x1c];
const BLUE_CONSERVATION: [number, number, number] = [0x00, 0x5e, 0xa5];

describe('GET /api/cases/:id/maps/:template.png', () => {
  it('defaults to A4 portrait at 150 dpi, fitted to the site, and says what it shows in its headers', async () => {
    const res = await ok(get(ids.withAll, 'site-location.png'));
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe('inline; filename="24-AP-0201-site-location.png"');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers['x-map-dpi']).toBe('150');
    const scale = Number(/^1:(\d+)$/.exec(res.headers['x-map-scale']!)![1]);
    expect(FIT_SERIES).toContain(scale);
    const extent = res.headers['x-map-extent']!.split(',').map(Number);
    expect(extent).toHaveLength(4);
    expect(extent[0]! < 533200 && extent[2]! > 533208 && extent[1]! < 179207 && extent[3]! > 179230).toBe(true);
    const meta = await sharp(res.body).metadata();
    expect([meta.format, meta.width, meta.height, meta.density]).toEqual(['png', 1240, 1754, 150]);
    const f = frameOf(res.headers['x-map-frame']!);
    expect(f.x).toBeCloseTo((10 / 25.4) * 150, 1);
    expect(f.w).toBeCloseTo((190 / 25.4) * 150, 1);
  });

  it('draws each paper and orientation at its size in pixels, and 300 dpi at twice the pixels', async () => {
    const sizes: Array<[string, string, string, number, number]> = [
      ['A4', 'portrait', '150', 1240, 1754],
      ['A4', 'landscape', '150', 1754, 1240],
      ['A3', 'portrait', '150', 1754, 2480],
      ['A3', 'landscape', '150', 2480, 1754],
      ['A4', 'portrait', '300', 2480, 3508],
    ];
    for (const [paper, orientation, dpi, w, h] of sizes) {
      const res = await ok(
        get(ids.withAll, 'site-location.png', `paper=${paper}&orientation=${orientation}&dpi=${dpi}&scale=1250`),
      );
      const meta = await sharp(res.body).metadata();
      expect([meta.width, meta.height, meta.density], `${paper} ${orientation} ${dpi}`).toEqual([w, h, Number(dpi)]);
      expect(res.headers['x-map-scale']).toBe('1:1250');
      expect(res.headers['x-map-dpi']).toBe(dpi);
    }
  });

  it('draws every fixed scale it is asked for, and states it', async () => {
    for (const scale of [500, 1250, 2500, 5000]) {
      const res = await ok(get(ids.withAll, 'site-location.png', `scale=${scale}`));
      expect(res.headers['x-map-scale']).toBe(`1:${scale}`);
      const [minX, , maxX] = res.headers['x-map-extent']!.split(',').map(Number) as [number, number, number];
      expect(maxX - minX).toBeCloseTo(0.19 * scale, 6); // the A4 portrait frame is 190 mm wide
    }
  });

  it('serves JPEG for .jpg and .jpeg, with its dpi recorded', async () => {
    for (const file of ['site-location.jpg', 'site-location.jpeg']) {
      const res = await ok(get(ids.withAll, file, 'dpi=300'));
      expect(res.headers['content-type']).toBe('image/jpeg');
      expect(res.headers['content-disposition']).toBe('inline; filename="24-AP-0201-site-location.jpg"');
      const meta = await sharp(res.body).metadata();
      expect([meta.format, meta.width, meta.density]).toEqual(['jpeg', 2480, 300]);
    }
  });

  it('refuses a bad scale, dpi, paper, orientation, run or check id with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['scale=1000', 'query.scale'],
      ['scale=1:1250', 'query.scale'],
      ['scale=', 'query.scale'],
      ['dpi=600', 'query.dpi'],
      ['dpi=72', 'query.dpi'],
      ['paper=A5', 'query.paper'],
      ['paper=a4', 'query.paper'],
      ['orientation=sideways', 'query.orientation'],
      ['runId=0', 'query.runId'],
      ['checkId=abc', 'query.checkId'],
    ];
    for (const [q, field] of cases) {
      const e = await refused(get(ids.withAll, 'site-location.png', q), 400, 'VALIDATION_FAILED');
      expect(
        (e.details.issues as Array<{ path: string }>).map((i) => i.path),
        q,
      ).toContain(field);
      expect(e.message, q).toContain(field);
    }
    const scale = await refused(get(ids.withAll, 'site-location.png', 'scale=1000'), 400, 'VALIDATION_FAILED');
    expect(scale.message).toContain('500, 1250, 2500, 5000');
    const dpi = await refused(get(ids.withAll, 'site-location.png', 'dpi=600'), 400, 'VALIDATION_FAILED');
    expect(dpi.message).toContain('150 or 300');
    // an unknown parameter is refused, not ignored
    const extra = await refused(get(ids.withAll, 'site-location.png', 'zoom=3'), 400, 'VALIDATION_FAILED');
    expect(extra.message).toMatch(/zoom/);
  });

  it('404 MAP_TEMPLATE_NOT_FOUND for an unknown template or format, listing the maps there are', async () => {
    for (const file of [
      'location-plan.png',
      'site-location.gif',
      'site-location',
      'SITE-LOCATION.png',
      'site-location.png.png',
    ]) {
      const e = await refused(get(ids.withAll, file), 404, 'MAP_TEMPLATE_NOT_FOUND');
      expect(e.details.templates).toEqual(['site-location', 'neighbours', 'constraints']);
      expect(e.message).toContain('site-location.png');
    }
  });

  it('404 CASE_NOT_FOUND for a case that does not exist', async () => {
    await refused(get(999_999, 'site-location.png'), 404, 'CASE_NOT_FOUND');
    await refused(binary(t.as('officer').get('/api/cases/abc/maps/site-location.png')), 404, 'CASE_NOT_FOUND');
  });

  it('404 SITE_NOT_SET for a case without a red line; a neighbour map of it has no run (409)', async () => {
    for (const file of ['site-location.png', 'constraints.png', 'site-location.jpg']) {
      const e = await refused(get(ids.noSite, file), 404, 'SITE_NOT_SET');
      expect(e.message).toMatch(/no site/);
    }
    await refused(get(ids.noSite, 'neighbours.png'), 409, 'NO_NEIGHBOUR_RUN');
  });

  it('409 NO_NEIGHBOUR_RUN and NO_CONSTRAINT_CHECK for a case with a site but no run or check, saying what to do', async () => {
    const run = await refused(get(ids.siteOnly, 'neighbours.png'), 409, 'NO_NEIGHBOUR_RUN');
    expect(run.message).toContain('notification-runs');
    const check = await refused(get(ids.siteOnly, 'constraints.png'), 409, 'NO_CONSTRAINT_CHECK');
    expect(check.message).toContain('constraint-checks');
    await ok(get(ids.siteOnly, 'site-location.png'));
  });

  it("404 for a run or check that is not this case's", async () => {
    await refused(get(ids.withAll, 'neighbours.png', `runId=${ids.otherRun}`), 404, 'RUN_NOT_FOUND');
    await refused(get(ids.withAll, 'neighbours.png', 'runId=99999'), 404, 'RUN_NOT_FOUND');
    await refused(get(ids.withAll, 'constraints.png', `checkId=${ids.otherCheck}`), 404, 'CHECK_NOT_FOUND');
  });

  it('422 MAP_DOES_NOT_FIT at a fixed scale the site does not fit, with details.fitsAt a scale that does', async () => {
    // a 100 m square: the A4 portrait frame is 95 m wide at 1:500
    const e = await refused(get(ids.square, 'site-location.png', 'scale=500'), 422, 'MAP_DOES_NOT_FIT');
    expect(e.details).toMatchObject({ scale: 500, fitsAt: 1250 });
    expect(FIT_SERIES).toContain(e.details.fit);
    expect(e.message).toContain('scale=1250');
    expect(e.message).toContain(`scale=fit (1:${Number(e.details.fit).toLocaleString('en-GB')})`);
    await ok(get(ids.square, 'site-location.png', 'scale=1250'));
    const fit = await ok(get(ids.square, 'site-location.png', 'scale=fit'));
    expect(fit.headers['x-map-scale']).toBe(`1:${e.details.fit}`);
    // A3 portrait is 138 m wide at 1:500: it fits
    await ok(get(ids.square, 'site-location.png', 'scale=500&paper=A3'));
    // on a neighbour map, every notified address must fit too: the 40 m run does not at 1:500 on A4 landscape (60 m high)
    await ok(get(ids.withAll, 'site-location.png', 'scale=500&orientation=landscape'));
    const n = await refused(
      get(ids.withAll, 'neighbours.png', 'scale=500&orientation=landscape'),
      422,
      'MAP_DOES_NOT_FIT',
    );
    expect(n.message).toContain('notified properties');
    expect(n.details.fitsAt).toBe(1250);
  });

  it('422 MAP_DOES_NOT_FIT when not even fit can show the site, fitsAt null', async () => {
    const strip = polygon(rect(533150, 176200, 533250, 179150)); // 2.95 km north to south
    const id = await createCase(t, { reference: '24/AP/0206' }, strip);
    const a4 = await refused(get(id, 'site-location.png', 'scale=fit'), 422, 'MAP_DOES_NOT_FIT');
    expect(a4.details).toMatchObject({ paper: 'A4', fitsAt: null });
    expect(a4.message).toContain('choose A3');
    const a3 = await refused(get(id, 'site-location.png', 'scale=fit&paper=A3'), 422, 'MAP_DOES_NOT_FIT');
    expect(a3.message).not.toContain('choose A3');
    const fixed = await refused(get(id, 'site-location.png', 'scale=5000'), 422, 'MAP_DOES_NOT_FIT');
    expect(fixed.details.fitsAt).toBeNull();
  });

  it('draws the latest run by default and another when asked by runId', async () => {
    const latest = await ok(get(ids.withAll, 'neighbours.png', 'scale=1250'));
    const run2 = await ok(get(ids.withAll, 'neighbours.png', `scale=1250&runId=${ids.run2}`));
    const run1 = await ok(get(ids.withAll, 'neighbours.png', `scale=1250&runId=${ids.run1}`));
    expect(Buffer.compare(latest.body, run2.body)).toBe(0);
    const f = frameOf(run1.headers['x-map-frame']!);
    const blue1 = countColour(decode(run1.body), BLUE_RECIPIENT, f);
    const blue2 = countColour(decode(run2.body), BLUE_RECIPIENT, f);
    expect(blue1).toBeGreaterThan(0);
    expect(blue2).toBeGreaterThan(blue1 * 2); // 40 m around the site against the two adjoining houses
  });

  it("draws a stored check's constraints on a neighbour map only when asked by checkId, and only this case's checks", async () => {
    const plain = await ok(get(ids.withAll, 'neighbours.png', `scale=1250&runId=${ids.run1}`));
    const withCheck = await ok(
      get(ids.withAll, 'neighbours.png', `scale=1250&runId=${ids.run1}&checkId=${ids.check1}`),
    );
    const f = frameOf(plain.headers['x-map-frame']!);
    expect(countColour(decode(plain.body), BLUE_CONSERVATION, f)).toBe(0);
    expect(countColour(decode(withCheck.body), BLUE_CONSERVATION, f)).toBeGreaterThan(200);
    expect(countColour(decode(withCheck.body), BLUE_RECIPIENT, f)).toBeGreaterThan(0);
    await refused(
      get(ids.withAll, 'neighbours.png', `runId=${ids.run1}&checkId=${ids.otherCheck}`),
      404,
      'CHECK_NOT_FOUND',
    );
  });

  it('draws the latest stored check by default and another when asked by checkId; a dismissed hit is not drawn', async () => {
    const latest = await ok(get(ids.withAll, 'constraints.png', 'scale=1250'));
    const check1 = await ok(get(ids.withAll, 'constraints.png', `scale=1250&checkId=${ids.check1}`));
    const f = frameOf(latest.headers['x-map-frame']!);
    const l = decode(latest.body);
    const c1 = decode(check1.body);
    // check 2 (listed buildings): the red point; check 1 (conservation area): the blue outline
    expect(countColour(l, RED_LISTED, f)).toBeGreaterThan(20);
    expect(countColour(l, BLUE_CONSERVATION, f)).toBe(0);
    expect(countColour(c1, RED_LISTED, f)).toBe(0);
    expect(countColour(c1, BLUE_CONSERVATION, f)).toBeGreaterThan(200);

    const check = await t.as('officer').get(`/api/cases/${ids.withAll}/constraint-checks/${ids.check2}`);
    expect(check.status).toBe(200);
    const hit = (check.body.hits as Array<{ id: number; layerId: string }>).find(
      (h) => h.layerId === 'listed-building',
    );
    expect(hit, JSON.stringify(check.body).slice(0, 500)).toBeDefined();
    const id = hit!.id;
    const d = await t
      .as('officer')
      .patch(`/api/cases/${ids.withAll}/constraint-checks/${ids.check2}/hits/${id}`)
      .send({ decision: 'dismissed', reason: 'Screened by the railway viaduct' });
    expect(d.status, JSON.stringify(d.body)).toBe(200);
    const after = decode((await ok(get(ids.withAll, 'constraints.png', 'scale=1250'))).body);
    expect(countColour(after, RED_LISTED, f)).toBe(0);
  });

  it("draws the authority's copyright and licence statement, and follows a change to it", async () => {
    const render = async () => {
      const res = await ok(get(ids.siteOnly, 'site-location.png', 'scale=1250'));
      return { img: decode(res.body), frame: frameOf(res.headers['x-map-frame']!) };
    };
    const before = await render();
    await setCopyright(t, '');
    const none = await render();
    // distinct sentences: a sentence said twice is stated once (server/render/copyright.ts)
    await setCopyright(t, `${COPYRIGHT} ${[1, 2, 3, 4, 5, 6].map((i) => `Licence number 10001925${i}.`).join(' ')}`);
    const longer = await render();
    await setCopyright(t, COPYRIGHT);
    const again = await render();
    // the foot of the sheet: the last 12 mm above the bottom margin hold only the copyright lines
    const foot = before.img.height - (22 / 25.4) * 150;
    const rows = (r: { img: Raster }) => inkedRows(r.img, foot).length;
    expect(rows(none)).toBe(0);
    expect(rows(before)).toBeGreaterThan(5);
    expect(rows(longer)).toBeGreaterThan(rows(before) + 5); // wrapped onto a second line
    expect(Buffer.compare(before.img.data, again.img.data)).toBe(0);
    // nothing else on the sheet changed
    const f = before.frame;
    let changedAbove = 0;
    for (let y = 0; y < foot; y++)
      for (let x = 0; x < before.img.width; x++)
        if (before.img.data[(y * before.img.width + x) * 4] !== none.img.data[(y * before.img.width + x) * 4])
          changedAbove++;
    expect(changedAbove).toBe(0);
    expect(f.y + f.h).toBeLessThan(foot);
  });

  it('needs a signed-in staff user', async () => {
    const res = await t.anon.get(`/api/cases/${ids.withAll}/maps/site-location.png`);
    expect(res.status).toBe(401);
    await ok(binary(t.as('gis').get(`/api/cases/${ids.withAll}/maps/site-location.png`)));
  });
});

describe('POST /api/maps/:template.png (ad hoc)', () => {
  const post = (file: string, body: unknown) =>
    binary(
      t
        .as('officer')
        .post(`/api/maps/${file}`)
        .send(body as object),
    );

  it('renders a posted site in EPSG:27700 or CRS84 with its title, reference and address', async () => {
    const res = await ok(
      post('site-location.png', {
        site: SITE,
        crs: 'EPSG:27700',
        scale: 1250,
        reference: 'PRE/24/001',
        title: 'Pre-application site plan',
        address: '54 Hazel Road',
      }),
    );
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe('inline; filename="PRE-24-001-site-location.png"');
    expect(res.headers['x-map-scale']).toBe('1:1250');
    // the same red line as a case's map: the map frame is the same pixels
    const fromCase = decode((await ok(get(ids.siteOnly, 'site-location.png', 'scale=1250'))).body);
    const adhoc = decode(res.body);
    const f = frameOf(res.headers['x-map-frame']!);
    let differ = 0;
    for (let y = Math.ceil(f.y); y < f.y + f.h; y++)
      for (let x = Math.ceil(f.x); x < f.x + f.w; x++)
        if (fromCase.data[(y * adhoc.width + x) * 4 + 1] !== adhoc.data[(y * adhoc.width + x) * 4 + 1]) differ++;
    expect(differ).toBe(0);
    // CRS84 by default
    const crs84 = {
      type: 'Polygon',
      coordinates: [
        [
          [-0.085, 51.495],
          [-0.084, 51.495],
          [-0.084, 51.4956],
          [-0.085, 51.4956],
          [-0.085, 51.495],
        ],
      ],
    };
    const res84 = await ok(post('site-location.jpg', { site: crs84, dpi: 300 }));
    expect(res84.headers['content-type']).toBe('image/jpeg');
    expect(res84.headers['x-map-dpi']).toBe('300');
  });

  it('renders a neighbour map of a selection and a constraints map of a live check', async () => {
    const n = await ok(
      post('neighbours.png', { site: SITE, crs: 'EPSG:27700', scale: 1250, selection: { radiusM: 40 } }),
    );
    const f = frameOf(n.headers['x-map-frame']!);
    expect(countColour(decode(n.body), BLUE_RECIPIENT, f)).toBeGreaterThan(100);
    const c = await ok(
      post('constraints.png', {
        site: SITE,
        crs: 'EPSG:27700',
        scale: 1250,
        layers: ['conservation-area', 'listed-building'],
      }),
    );
    const ci = decode(c.body);
    expect(countColour(ci, RED_LISTED, f)).toBeGreaterThan(20);
    expect(countColour(ci, BLUE_CONSERVATION, f)).toBeGreaterThan(200);
    await refused(
      post('constraints.png', { site: SITE, crs: 'EPSG:27700', layers: ['no-such-layer'] }),
      404,
      'LAYER_NOT_FOUND',
    );
  });

  it("refuses a bad geometry with the intake's 422 and where it is", async () => {
    const bowtie = polygon([
      [533000, 179000],
      [533100, 179100],
      [533100, 179000],
      [533000, 179100],
      [533000, 179000],
    ]);
    const e = await refused(post('site-location.png', { site: bowtie, crs: 'EPSG:27700' }), 422, 'INVALID_GEOMETRY');
    expect(e.details).toMatchObject({
      reason: 'Self-intersection',
      location: { input: [533050, 179050], epsg27700: [533050, 179050] },
    });
    const open = polygon([
      [533000, 179000],
      [533100, 179000],
      [533100, 179100],
      [533000, 179100],
    ]);
    await refused(post('site-location.png', { site: open, crs: 'EPSG:27700' }), 422, 'RING_NOT_CLOSED');
    await refused(
      post('site-location.png', { site: polygon(rect(400000, 100000, 400010, 100010)), crs: 'EPSG:27700' }),
      422,
      'SITE_OUTSIDE_AUTHORITY',
    );
    const missing = await refused(post('site-location.png', {}), 400, 'VALIDATION_FAILED');
    expect(missing.message).toMatch(/^body\.site/);
  });

  it('refuses bad sheet options with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scale: 1000 }, 'body.scale'],
      [{ scale: '1250' }, 'body.scale'],
      [{ dpi: 600 }, 'body.dpi'],
      [{ dpi: '150' }, 'body.dpi'],
      [{ paper: 'A5' }, 'body.paper'],
      [{ orientation: 'diagonal' }, 'body.orientation'],
      [{ selection: { radiusM: -5 } }, 'body.selection.radiusM'],
      [{ layers: [] }, 'body.layers'],
      [{ colour: 'red' }, 'body'],
    ];
    for (const [extra, field] of cases) {
      const e = await refused(
        post('site-location.png', { site: SITE, crs: 'EPSG:27700', ...extra }),
        400,
        'VALIDATION_FAILED',
      );
      expect(
        (e.details.issues as Array<{ path: string }>).map((i) => i.path),
        JSON.stringify(extra),
      ).toContain(field);
      expect(e.message.startsWith(`${field}:`), e.message).toBe(true);
    }
    const unknown = await refused(
      post('site-location.png', { site: SITE, crs: 'EPSG:27700', colour: 'red' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(unknown.message).toContain('colour');
    await refused(post('location-plan.png', { site: SITE, crs: 'EPSG:27700' }), 404, 'MAP_TEMPLATE_NOT_FOUND');
  });
});

describe('MAP_MAX_PIXELS', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startTestApp({ MAP_MAX_PIXELS: '3000000' });
    await createCase(small, { reference: 'PX/1' }, SITE);
  });
  afterAll(async () => {
    await small.closeApp();
  });

  it('refuses images over the limit with 422 MAP_TOO_LARGE, giving the size and the limit; smaller ones render', async () => {
    const [{ id }] = await small.db('case_record').where({ reference: 'PX/1' }).select('id');
    const g = (q: string) => binary(small.as('officer').get(`/api/cases/${id}/maps/site-location.png?${q}`));
    await ok(g('dpi=150'));
    const e = await refused(g('dpi=300'), 422, 'MAP_TOO_LARGE');
    expect(e.details).toEqual({ widthPx: 2480, heightPx: 3508, maxPixels: 3_000_000 });
    expect(e.message).toContain('MAP_MAX_PIXELS');
    const a3 = await refused(g('paper=A3&dpi=150'), 422, 'MAP_TOO_LARGE');
    expect(a3.details).toMatchObject({ widthPx: 1754, heightPx: 2480 });
    const adhoc = await refused(
      binary(small.as('officer').post('/api/maps/site-location.png').send({ site: SITE, crs: 'EPSG:27700', dpi: 300 })),
      422,
      'MAP_TOO_LARGE',
    );
    expect(adhoc.details).toMatchObject({ maxPixels: 3_000_000 });
  });
});
