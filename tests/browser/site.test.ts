/**
 * Finding a place and plotting a case's site on the staff map in Chromium: by clicks on the map, by keyboard alone
 * (the crosshair), by typed coordinates, by taking a property, by importing a GeoJSON file; a self-crossing vertex
 * refused at its location; saving, then the site shown on the case with its area. Demo Southwark data.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeCheck, centreMap, clickMapAt, mapView, ringArea, shot, signIn, useBrowser, waitForMap } from './helpers.ts';

const s = useBrowser({ layers: true, addresses: true });

type Pt = [number, number];
/** The Trinity, 202-206 Borough High Street, SE1 1JX: an OpenStreetMap building with its address (demo data). */
let trinity: { x: number; y: number; uprn: string; postcode: string; inside: Pt };

beforeAll(async () => {
  const db = s.t.db;
  const a = await db('address')
    .whereRaw("array_to_string(address_lines, ' ') ILIKE ?", ['%202-206 Borough High Street%'])
    .first<{ uprn: string; postcode: string; x: number; y: number }>(
      'uprn',
      'postcode',
      db.raw('ST_X(geom) AS x'),
      db.raw('ST_Y(geom) AS y'),
    );
  if (!a) throw new Error('The demo addresses have no 202-206 Borough High Street (The Trinity)');
  const p = await db('property')
    .whereRaw('ST_Contains(geom, ST_SetSRID(ST_MakePoint(?, ?), 27700))', [a.x, a.y])
    .first<{ x: number; y: number }>(
      db.raw('ST_X(ST_PointOnSurface(geom)) AS x'),
      db.raw('ST_Y(ST_PointOnSurface(geom)) AS y'),
    );
  if (!p) throw new Error('No property outline holds the address point of The Trinity');
  trinity = {
    x: Number(a.x),
    y: Number(a.y),
    uprn: String(a.uprn),
    postcode: String(a.postcode),
    inside: [Number(p.x), Number(p.y)],
  };
}, 60_000);

async function newCase(description: string): Promise<number> {
  const res = await s.t
    .as('admin')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'hh', description, receivedDate: '2025-03-03' })
    .expect(201);
  return (res.body as { id: number }).id;
}

async function openCase(page: Page, id: number): Promise<void> {
  await page.goto(s.url(`/login?next=/cases/${id}`));
  await signIn(page, 'support');
  await waitForMap(page);
}

const siteArea = (page: Page) => page.locator('#site-area').textContent();
const siteMessage = (page: Page) => page.locator('#site-message').textContent();

/** The saved site's outer ring (EPSG:27700), through the API. */
async function savedRing(id: number): Promise<{ ring: Pt[]; areaM2: number; source: string }> {
  const res = await s.t.as('admin').get(`/api/cases/${id}?crs=EPSG:27700`).expect(200);
  const site = (
    res.body as {
      site: { geometry: { type: string; coordinates: unknown }; areaM2: number; source: string } | null;
    }
  ).site;
  expect(site, 'the case has a saved site').toBeTruthy();
  const g = site!.geometry;
  const ring = (
    g.type === 'MultiPolygon' ? (g.coordinates as Pt[][][])[0]![0]! : (g.coordinates as Pt[][])[0]!
  ) as Pt[];
  return { ring, areaM2: Number(site!.areaM2), source: site!.source };
}

/** Saves the site with the panel's button and waits for the answer. */
async function save(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Save the site', exact: true }).click();
  await expect.poll(() => page.locator('#site-save-status').textContent(), { timeout: 20_000 }).toMatch(/^Saved\./);
  return (await page.locator('#site-save-status').textContent()) ?? '';
}

/** A square's corners (anticlockwise from the south-west) of side `side` metres at `sw`. */
const square = (sw: Pt, side: number): Pt[] => [
  sw,
  [sw[0] + side, sw[1]],
  [sw[0] + side, sw[1] + side],
  [sw[0], sw[1] + side],
];

/** Each vertex within `tol` metres of the one intended (snapping moves a vertex up to 10 pixels). */
function expectNear(actual: Pt[], intended: Pt[], tol: number) {
  const open = actual.length > 1 && actual[0]![0] === actual.at(-1)![0] && actual[0]![1] === actual.at(-1)![1];
  const ring = open ? actual.slice(0, -1) : actual;
  expect(ring.length).toBe(intended.length);
  for (const p of intended) {
    const d = Math.min(...ring.map((q) => Math.hypot(q[0] - p[0], q[1] - p[1])));
    expect(d, `a vertex near E ${p[0]} N ${p[1]}`).toBeLessThanOrEqual(tol);
  }
}

describe('find a place', { timeout: 120_000 }, () => {
  it('a postcode from the demo addresses lists its addresses; choosing one moves the map there', async () => {
    const page = s.page;
    const id = await newCase('Find a place');
    await openCase(page, id);
    await axeCheck(page, 'the case page with its map');
    await shot(page, 'case-page-map');
    const before = await mapView(page);

    const box = page.getByRole('combobox', { name: 'Find a place' });
    // the demo's postcode of The Trinity (SE1 1JX in OpenStreetMap)
    expect(trinity.postcode).toMatch(/^SE1 \d[A-Z]{2}$/);
    await box.fill(trinity.postcode);
    const options = page.getByRole('listbox', { name: 'Places found' }).getByRole('option');
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await axeCheck(page, 'the find-a-place box with its results');
    await shot(page, 'place-search-results');
    const option = options.filter({ hasText: /202-206 Borough High Street/i });
    expect(await option.count(), 'The Trinity is among the addresses of its postcode').toBe(1);
    await option.click();

    await expect
      .poll(async () => {
        const v = await mapView(page);
        return Math.hypot(v.center[0] - trinity.x, v.center[1] - trinity.y);
      })
      .toBeLessThan(30);
    const after = await mapView(page);
    expect(after.resolution, 'zoomed to the street').toBeLessThan(before.resolution);
    expect(after.resolution).toBeLessThanOrEqual(1.75);
    expect(await page.locator('#place-search-status').textContent()).toMatch(/Showing .*Borough High Street/i);
    await axeCheck(page, 'the map at a place found');
    await shot(page, 'place-found');
  });

  it('a street and house number, and typed coordinates, also find the place', async () => {
    const page = s.page;
    const id = await newCase('Find a street');
    await openCase(page, id);
    const box = page.getByRole('combobox', { name: 'Find a place' });
    await box.fill('202-206 Borough High Street');
    const options = page.getByRole('listbox', { name: 'Places found' }).getByRole('option');
    await expect.poll(() => options.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // keyboard: down to the first answer, Enter
    await box.press('ArrowDown');
    await box.press('Enter');
    await expect
      .poll(async () => {
        const v = await mapView(page);
        return Math.hypot(v.center[0] - trinity.x, v.center[1] - trinity.y);
      })
      .toBeLessThan(30);

    // an OS grid reference, read in the browser
    await box.fill('TQ 32525 79850');
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    await expect
      .poll(async () => {
        const v = await mapView(page);
        return Math.hypot(v.center[0] - 532525, v.center[1] - 179850);
      })
      .toBeLessThan(5);
  });
});

describe('plot the site', { timeout: 150_000 }, () => {
  it('by clicks on the map: the area shows as it is drawn, and saving shows the site on the case', async () => {
    const page = s.page;
    const id = await newCase('Drawn by clicks');
    await openCase(page, id);
    const sw: Pt = [trinity.x + 60, trinity.y - 60];
    const corners = square(sw, 20);
    await centreMap(page, [sw[0] + 10, sw[1] + 10], 0.109375);
    await page.getByRole('button', { name: 'Draw a part' }).click();
    expect(await page.getByRole('button', { name: 'Draw a part' }).getAttribute('aria-pressed')).toBe('true');
    await clickMapAt(page, corners);
    await expect.poll(() => siteArea(page)).toMatch(/Shape being drawn: [\d,.]+ m²/);
    await axeCheck(page, 'the site being drawn');
    await shot(page, 'site-drawing');
    // on the first vertex: closes the shape
    await clickMapAt(page, [corners[0]!]);
    await expect.poll(() => siteArea(page)).toMatch(/^Site area: [\d,.]+ m² \([\d.]+ ha\); 1 part, 4 vertices\./);
    const tol = 10 * 0.109375 + 0.01;
    const shown = Number(/Site area: ([\d,.]+) m²/.exec((await siteArea(page))!)![1]!.replace(/,/g, ''));
    expect(Math.abs(shown - 400)).toBeLessThan(4 * 20 * tol);

    const status = await save(page);
    const saved = await savedRing(id);
    expectNear(saved.ring, corners, tol);
    expect(saved.source).toBe('drawn');
    expect(saved.areaM2).toBeCloseTo(ringArea(saved.ring.slice(0, -1)), 1);
    expect(status).toContain(
      saved.areaM2.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    );
    await axeCheck(page, 'the site saved');
    await shot(page, 'site-saved');

    // the case page shows the site and its area after a reload
    await page.reload();
    await waitForMap(page);
    const areaText = saved.areaM2.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    await expect.poll(() => siteArea(page)).toContain(`Site area: ${areaText} m²`);
    // the description is rewritten by the map after a short pause (announcements are coalesced)
    await expect.poll(() => page.locator('#map-description').textContent()).toContain(areaText);
    const drawnOnMap = await page.evaluate(() => {
      const sm = (
        document.getElementById('staff-map') as unknown as {
          staffMap: { overlay(n: string): { getSource(): { getFeatures(): unknown[] } } };
        }
      ).staffMap;
      return sm.overlay('site').getSource().getFeatures().length;
    });
    expect(drawnOnMap, 'the site is drawn on the map').toBe(1);
    await axeCheck(page, 'the case page with its site');
  });

  it('by keyboard alone: Enter places vertices at the crosshair, arrows move the map, Enter on the first closes', async () => {
    const page = s.page;
    const id = await newCase('Drawn by keyboard');
    await openCase(page, id);
    const start: Pt = [trinity.x + 60, trinity.y - 140];
    await centreMap(page, start, 0.109375);
    // to the Draw button by keyboard, press it: the map takes the focus
    await page.getByRole('button', { name: 'Draw a part' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('staff-map');
    const step = 64 * 0.109375; // one arrow press moves the map 64 pixels
    await page.keyboard.press('Enter');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    // a wrong vertex, removed with Delete
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#site-tool-status').textContent()).toContain('4 vertices placed');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('#site-tool-status').textContent()).toContain('3 vertices placed');
    for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter'); // on the first vertex: closes
    await expect.poll(() => siteArea(page)).toMatch(/^Site area: .*1 part, 4 vertices/);
    // Ctrl+Z undoes the closing; Ctrl+Y redoes it
    await page.keyboard.press('Control+z');
    await expect.poll(() => siteArea(page)).toMatch(/No site plotted yet|Shape being drawn/);
    await page.keyboard.press('Control+y');
    await expect.poll(() => siteArea(page)).toMatch(/^Site area: .*1 part, 4 vertices/);
    await axeCheck(page, 'a site drawn by keyboard');
    await shot(page, 'site-keyboard');

    // to the Save button by Tab alone
    let reached = false;
    for (let i = 0; i < 80 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent?.trim() === 'Save the site');
    }
    expect(reached, 'Tab reaches the Save button').toBe(true);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#site-save-status').textContent(), { timeout: 20_000 }).toMatch(/^Saved\./);
    const saved = await savedRing(id);
    const w = 3 * step;
    expectNear(saved.ring, square(start, w), 10 * 0.109375 + 0.01);
  });

  it('by typed coordinates (eastings and northings, and a grid reference)', async () => {
    const page = s.page;
    const id = await newCase('Typed coordinates');
    await openCase(page, id);
    await page.getByText('Type or paste coordinates').click();
    const box = page.getByLabel('Vertices of the site, one a line');
    const x0 = Math.round(trinity.x) + 100;
    const y0 = Math.round(trinity.y) + 100;
    await box.fill([`${x0} ${y0}`, `${x0 + 30} ${y0}`, `${x0 + 30} ${y0 + 20}`, `${x0} ${y0 + 20}`].join('\n'));
    await page.getByRole('button', { name: 'Use these coordinates' }).click();
    await expect.poll(() => siteArea(page)).toContain('Site area: 600.00 m² (0.0600 ha); 1 part, 4 vertices.');
    await axeCheck(page, 'a site from typed coordinates');
    await shot(page, 'site-typed');
    // the map shows it
    const v = await mapView(page);
    expect(Math.hypot(v.center[0] - (x0 + 15), v.center[1] - (y0 + 10))).toBeLessThan(5);
    await save(page);
    const saved = await savedRing(id);
    const typed: Pt[] = [
      [x0, y0],
      [x0 + 30, y0],
      [x0 + 30, y0 + 20],
      [x0, y0 + 20],
    ];
    expectNear(saved.ring, typed, 0.001);
    expect(saved.areaM2).toBeCloseTo(600, 2);

    // a grid reference per line (TQ 32525 79850 = E 532525 N 179850)
    await box.fill(['TQ 32525 79850', 'TQ 32545 79850', 'TQ 32545 79860', 'TQ 32525 79860'].join('\n'));
    await page.getByRole('button', { name: 'Use these coordinates' }).click();
    await expect.poll(() => siteArea(page)).toContain('Site area: 200.00 m² (0.0200 ha)');
  });

  it('a vertex that would make the outline cross itself is refused, with its message and a mark where it crosses', async () => {
    const page = s.page;
    const id = await newCase('Self-crossing');
    await openCase(page, id);
    const sw: Pt = [trinity.x + 60, trinity.y - 220];
    await centreMap(page, [sw[0] + 10, sw[1] + 10], 0.109375);
    await page.getByRole('button', { name: 'Draw a part' }).click();
    // a bow tie: the fourth vertex's edge would cross the first edge at the middle
    const bow: Pt[] = [sw, [sw[0] + 20, sw[1] + 20], [sw[0] + 20, sw[1]], [sw[0], sw[1] + 20]];
    await clickMapAt(page, bow);
    await expect
      .poll(() => siteMessage(page))
      .toMatch(/That vertex would make the outline cross itself, so it was not placed\. \(at E [\d.]+ N [\d.]+\)/);
    expect(await page.locator('#site-tool-status').textContent()).toContain('3 vertices placed');
    const [, ex, ny] = /at E ([\d.]+) N ([\d.]+)/.exec((await siteMessage(page))!)!.map(Number);
    const tol = 10 * 0.109375 * 2;
    expect(Math.hypot(ex! - (sw[0] + 10), ny! - (sw[1] + 10)), 'the crossing is in the middle').toBeLessThan(tol);
    // marked on the map at the crossing
    const marks = await page.evaluate(() => {
      const sm = (
        document.getElementById('staff-map') as unknown as {
          staffMap: {
            overlay(n: string): {
              getSource(): { getFeatures(): Array<{ getGeometry(): { getCoordinates(): number[] } }> };
            };
          };
        }
      ).staffMap;
      return sm
        .overlay('site-problems')
        .getSource()
        .getFeatures()
        .map((f) => f.getGeometry().getCoordinates());
    });
    expect(marks).toHaveLength(1);
    expect(Math.hypot(marks[0]![0]! - ex!, marks[0]![1]! - ny!)).toBeLessThan(0.01);
    // the message is announced (role alert) and the page stays accessible
    expect(await page.getByRole('alert').filter({ hasText: 'cross itself' }).count()).toBe(1);
    await axeCheck(page, 'a self-crossing vertex refused');
    await shot(page, 'site-self-crossing');
    // nothing to save
    expect(await page.getByRole('button', { name: 'Save the site', exact: true }).isDisabled()).toBe(true);
  });

  it('by taking a property: a click on its outline makes it the site', async () => {
    const page = s.page;
    const id = await newCase('Taken from a property');
    await openCase(page, id);
    await centreMap(page, trinity.inside, 0.21875);
    await page.getByRole('button', { name: 'Take a property' }).click();
    expect(await page.getByRole('button', { name: 'Take a property' }).getAttribute('aria-pressed')).toBe('true');
    await clickMapAt(page, [trinity.inside]);
    await expect.poll(() => siteMessage(page), { timeout: 15_000 }).toMatch(/^The site is now property /);
    await expect.poll(() => siteArea(page)).toMatch(/^Site area: [\d,.]+ m²/);
    await axeCheck(page, 'a property taken as the site');
    await shot(page, 'site-property');
    await save(page);
    const saved = await savedRing(id);
    expect(saved.source).toBe('property');
    const outline = (await s.t
      .db('property')
      .whereRaw('ST_Contains(geom, ST_SetSRID(ST_MakePoint(?, ?), 27700))', [trinity.x, trinity.y])
      .first(s.t.db.raw('ST_Area(geom) AS area'))) as { area: number };
    expect(saved.areaM2).toBeCloseTo(Number(outline.area), 1);
  });

  it('by importing a GeoJSON file: the server converts it and says what it found', async () => {
    const page = s.page;
    const id = await newCase('Imported');
    await openCase(page, id);
    const x0 = Math.round(trinity.x) + 150;
    const y0 = Math.round(trinity.y) - 100;
    const ring = [
      [x0, y0],
      [x0 + 25, y0],
      [x0 + 25, y0 + 40],
      [x0, y0 + 40],
      [x0, y0],
    ];
    const file = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [{ type: 'Feature', properties: { name: 'site' }, geometry: { type: 'Polygon', coordinates: [ring] } }],
    };
    await page.getByText('Import a file').click();
    await page.getByLabel('A site boundary file').setInputFiles({
      name: 'site.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(file)),
    });
    await page.getByRole('button', { name: 'Import the file' }).click();
    await expect
      .poll(() => page.locator('#site-import-report').textContent(), { timeout: 30_000 })
      .toMatch(/^Imported site\.geojson: 1 features/);
    await expect.poll(() => siteArea(page)).toContain('Site area: 1,000.00 m² (0.1000 ha); 1 part, 4 vertices.');
    await axeCheck(page, 'a site imported from a file');
    await shot(page, 'site-imported');
    await save(page);
    const saved = await savedRing(id);
    expect(saved.source).toBe('imported');
    expect(saved.areaM2).toBeCloseTo(1000, 2);
  });
});
