/**
 * The case page's working layout (issue 12 usability pass) in Chromium at 1280x900: a large map with the site tools
 * beside it (still in view while drawing), the layer list and key collapsed, the default layers and remembered
 * choices, a short map description, no request for a site the case has not got, the enforcement map opened on the
 * authority with its cases, and the page without JavaScript. Screenshots go to REDLINE_BROWSER_SHOTS when set.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeCheck, shot, signIn, useBrowser, waitForMap } from './helpers.ts';
import { caseEtag } from '../helpers/if-match.ts';

const s = useBrowser({ layers: true, addresses: true });

let withSite = 0;
let noSite = 0;
let enforcement = 0;

beforeAll(async () => {
  const make = async (body: Record<string, unknown>) =>
    (
      (
        await s.t
          .as('admin')
          .post('/api/cases')
          .send({ receivedDate: '2025-03-03', ...body })
          .expect(201)
      ).body as { id: number }
    ).id;
  withSite = await make({ kind: 'application', applicationType: 'hh', description: 'Rear extension' });
  noSite = await make({ kind: 'application', applicationType: 'hh', description: 'No site yet' });
  enforcement = await make({ kind: 'enforcement', breachType: 'untidy-land', description: 'Fence too high' });
  const db = s.t.db;
  const p = (await db('property').first(db.raw('ST_AsGeoJSON(geom) AS g'))) as { g: string };
  for (const id of [withSite, enforcement])
    await s.t
      .as('admin')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(s.t, id))
      .send({ geometry: JSON.parse(p.g) as unknown, source: 'property' })
      .expect(200);
}, 120_000);

async function openCase(page: Page, id: number) {
  await page.goto(s.url(`/login?next=/cases/${id}`));
  await signIn(page, 'support');
  await waitForMap(page);
  await tilesLoaded(page);
}

/** Waits for the map's tiles (data-tiles="loaded", from the map's loadend). */
async function tilesLoaded(page: Page) {
  await expect.poll(() => page.locator('#staff-map').getAttribute('data-tiles'), { timeout: 30_000 }).toBe('loaded');
}

async function mapShot(page: Page, name: string) {
  const dir = process.env.REDLINE_BROWSER_SHOTS;
  if (dir) await page.locator('#staff-map').screenshot({ path: `${dir}/${name}.png` });
}

const box = (page: Page, sel: string) =>
  page.locator(sel).evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { x: r.x, y: r.y, width: r.width, height: r.height, bottom: r.bottom, right: r.right };
  });

describe('the case page layout', { timeout: 120_000 }, () => {
  it('a large map with the site tools beside it, in view while drawing; layers collapsed with the defaults on', async () => {
    const page = s.page;
    await openCase(page, withSite);
    const map = await box(page, '#staff-map');
    expect(map.width).toBeGreaterThanOrEqual(600);
    expect(map.height).toBeGreaterThanOrEqual(600);
    const draw = await box(page, '#site-draw');
    expect(draw.x, 'the site tools are beside the map').toBeGreaterThan(map.right);
    expect(draw.y).toBeLessThan(900);
    expect(await page.locator('#map-layers').evaluate((e) => (e as HTMLDetailsElement).open)).toBe(false);
    expect(await page.locator('#map-layers summary').textContent()).toContain('Map layers and key');
    // the defaults: the authority's own data and the commonest constraints on, the rest off
    expect(await page.locator('#map-layer-properties').isChecked()).toBe(true);
    expect(await page.locator('#map-layer-conservation-area').isChecked()).toBe(true);
    expect(await page.locator('#map-layer-flood-risk-zone-3').isChecked()).toBe(false);
    // the map rewrites its description after a short pause (announcements are coalesced)
    await expect.poll(() => page.locator('#map-description').textContent()).toMatch(/at about 1:[\d,]+/);
    const desc = (await page.locator('#map-description').textContent()) ?? '';
    expect(desc).not.toContain('Flood zone 3');
    await axeCheck(page, 'the case page with a site');
    await shot(page, 'layout-case-with-site');
    await page.screenshot({ path: `${process.env.REDLINE_BROWSER_SHOTS ?? '/tmp'}/layout-case-viewport.png` });

    await mapShot(page, 'layout-map-only');
    await page.getByRole('button', { name: 'Draw a part' }).click();
    // the tools made long (both details open), then down to the save button: the map stays in view beside them
    await page.locator('#site-coordinates-details summary').click();
    await page.locator('#site-file-details summary').click();
    await page.getByRole('button', { name: 'Save the site', exact: true }).scrollIntoViewIfNeeded();
    await page.waitForTimeout(300);
    const mapWhileDrawing = await box(page, '#staff-map');
    expect(mapWhileDrawing.y, 'the map stays in view when the page scrolls').toBeGreaterThanOrEqual(-1);
    expect(mapWhileDrawing.bottom).toBeLessThanOrEqual(901);
    if (process.env.REDLINE_BROWSER_SHOTS)
      await page.screenshot({ path: `${process.env.REDLINE_BROWSER_SHOTS}/layout-drawing-viewport.png` });

    // a layer choice is remembered
    await page.locator('#map-layers summary').click();
    await page.locator('#map-layer-flood-risk-zone-3').check();
    await axeCheck(page, 'the layer list open');
    await shot(page, 'layout-layers-open');
    await page.reload();
    await waitForMap(page);
    expect(await page.locator('#map-layer-flood-risk-zone-3').isChecked()).toBe(true);
    expect(s.problems).toEqual([]);
  });

  it('a case with no site asks for none (no 404, no console errors) and opens on the authority', async () => {
    const page = s.page;
    await openCase(page, noSite);
    expect(await page.locator('#staff-map').getAttribute('data-has-site')).toBe('false');
    await expect.poll(() => page.locator('#neighbours-panel').textContent()).toContain('Plot the site first');
    await axeCheck(page, 'the case page without a site');
    await shot(page, 'layout-case-no-site');
    expect(s.problems).toEqual([]);
  });

  it('an enforcement case', async () => {
    const page = s.page;
    await openCase(page, enforcement);
    await axeCheck(page, 'an enforcement case');
    await shot(page, 'layout-case-enforcement');
    expect(s.problems).toEqual([]);
  });

  it('the enforcement map shows the open cases', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/enforcement'));
    await signIn(page, 'support');
    await waitForMap(page);
    await tilesLoaded(page);
    await mapShot(page, 'layout-enforcement-map-only');
    const places = JSON.parse((await page.locator('#staff-map').getAttribute('data-places')) ?? '[]') as unknown[];
    expect(places.length).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.locator('#map-description').textContent()).toMatch(/open enforcement case/);
    await axeCheck(page, 'the enforcement map');
    await shot(page, 'layout-enforcement-map');
    expect(s.problems).toEqual([]);
  });

  it('the cases list and the layers page', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/cases'));
    await signIn(page, 'admin');
    await shot(page, 'layout-cases-list');
    await page.goto(s.url('/layers'));
    await shot(page, 'layout-layers-page');
  });

  it('without JavaScript the case page says the map needs it and shows the server-rendered panels', async () => {
    const ctx = await s.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    try {
      const page = await ctx.newPage();
      await page.goto(s.url(`/login?next=/cases/${withSite}`));
      await signIn(page, 'support');
      expect(await page.locator('#staff-map').isVisible()).toBe(false);
      expect(await page.getByText('The map needs JavaScript').isVisible()).toBe(true);
      expect(await page.locator('#site-panel').textContent()).toContain('Area');
      await shot(page, 'layout-case-no-js');
    } finally {
      await ctx.close();
    }
  });
});
