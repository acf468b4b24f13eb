/** The GIS officer's layers page in Chromium: each layer's figures, a file uploaded with the load's progress and
 *  report shown as it runs, and retiring a layer. */
import { describe, expect, it } from 'vitest';
import { axeCheck, shot, signIn, useBrowser } from './helpers.ts';

const s = useBrowser({ layers: true });

describe('layers', { timeout: 150_000 }, () => {
  it('lists each layer with its version, feature count, coverage and last load', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/layers'));
    await signIn(page, 'gis');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Constraint layers');
    const table = page.getByRole('table', { name: 'Constraint layers' });
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Conservation area' }) });
    await expect.poll(() => row.count()).toBe(1);
    const cells = await row.getByRole('cell').allTextContents();
    // id, version, features, coverage, last load, retired
    expect(cells[0]).toBe('conservation-area');
    expect(Number(cells[1])).toBeGreaterThanOrEqual(1);
    expect(Number(cells[2]!.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(cells[3]!.trim()).not.toBe('');
    expect(cells[4]).toMatch(/\d{4}/);
    expect(cells[5]).toBe('No');
    await axeCheck(page, 'the layers page');
    await shot(page, 'layers');
  });

  it('uploads a GeoJSON file to a layer and shows the progress and the report', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/layers'));
    await signIn(page, 'gis');
    const section = page.locator('#layer-brownfield-land');
    const x = 533000;
    const y = 179500;
    const fc = {
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::27700' } },
      features: [1, 2].map((i) => ({
        type: 'Feature',
        properties: { REF: `BF-${i}`, NAME: `Test site ${i}` },
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [x + i * 100, y],
              [x + i * 100 + 50, y],
              [x + i * 100 + 50, y + 50],
              [x + i * 100, y + 50],
              [x + i * 100, y],
            ],
          ],
        },
      })),
    };
    await section.getByLabel('Data file').setInputFiles({
      name: 'brownfield.geojson',
      mimeType: 'application/geo+json',
      buffer: Buffer.from(JSON.stringify(fc)),
    });
    await section.getByText('Field mapping and options').click();
    await section.getByLabel('Reference field').fill('REF');
    await section.getByLabel('Name field').fill('NAME');
    await section.getByLabel(/Only the data.s own extent/).check();
    await section.getByRole('button', { name: 'Upload and load' }).click();
    const status = section.getByRole('status');
    await expect
      .poll(() => status.textContent(), { timeout: 60_000 })
      .toContain('The layer is loaded. Reload the page to see its new figures.');
    const text = (await status.textContent()) ?? '';
    expect(text).toMatch(/Features read\s*2/);
    expect(text).toMatch(/Features loaded\s*2/);
    await axeCheck(page, 'a layer loaded from the page');
    await shot(page, 'layer-loaded');
    await page.reload();
    const row = page
      .getByRole('table', { name: 'Constraint layers' })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Brownfield land' }) });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[2]).toBe('2');
    expect(cells[4]).toMatch(/by gis\.user/);
  });

  it('retires a layer with a reason', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/layers'));
    await signIn(page, 'gis');
    await page.getByRole('link', { name: 'Retire Ramsar site' }).click();
    await page.waitForURL((u) => /^\/layers\/[^/]+\/retire$/.test(u.pathname));
    await axeCheck(page, 'the retire page');
    await shot(page, 'layer-retire');
    // the confirmation is needed
    await page.getByLabel('Why is it retired?').fill('No Ramsar sites in the borough');
    await page.getByRole('button', { name: 'Retire the layer' }).click();
    await expect.poll(() => page.locator('.govuk-error-summary').count()).toBe(1);
    await axeCheck(page, 'the retire page with an error');
    await page.getByLabel('No new constraint check should use Ramsar site').check();
    await page.getByRole('button', { name: 'Retire the layer' }).click();
    await page.waitForURL((u) => u.pathname === '/layers');
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Success' }).textContent()).toContain('retired');
    const row = page
      .getByRole('table', { name: 'Constraint layers' })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Ramsar site' }) });
    expect((await row.getByRole('cell').allTextContents())[5]).toContain('No Ramsar sites in the borough');
    await axeCheck(page, 'the layers page after retiring a layer');
  });

  it('the layers page is for GIS officers: support is told so', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/layers'));
    await signIn(page, 'support');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('You cannot do this');
    expect(await page.getByRole('navigation', { name: 'Staff' }).getByRole('link', { name: 'Layers' }).count()).toBe(0);
    await axeCheck(page, 'the layers page refused');
  });
});
