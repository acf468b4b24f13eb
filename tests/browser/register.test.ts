/**
 * The public planning register in Chromium with no account (issue 13 item 6): the search page, results with and
 * without JavaScript, the map beside the list showing exactly the listed applications, an application page, the
 * comment form sent by keyboard alone (errors first), the alert form, "near me" by postcode; axe-core on each with
 * no serious or critical violations; and the pages read in a sensible order with CSS and JavaScript off.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { axeCheck, shot, useBrowser } from './helpers.ts';
import { caseEtag } from '../helpers/if-match.ts';

const s = useBrowser();

const X = 533000;
const Y = 179000;
const POSTCODE = 'SE1 9ZZ';
const square = (cx: number, cy: number, half = 6) => ({
  type: 'Polygon',
  coordinates: [
    [
      [cx - half, cy - half],
      [cx + half, cy - half],
      [cx + half, cy + half],
      [cx - half, cy + half],
      [cx - half, cy - half],
    ],
  ],
});

async function makeApp(body: Record<string, unknown>, centre: [number, number]) {
  const res = await s.t
    .as('officer')
    .post('/api/cases')
    .send({ kind: 'application', applicationType: 'full', ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  await s.t
    .as('officer')
    .put(`/api/cases/${res.body.id as number}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(s.t, res.body.id as number))
    .send({ geometry: square(...centre) })
    .expect(200);
}

beforeAll(async () => {
  await s.t.db('address').insert([
    {
      uprn: 990000000201,
      address_lines: ['1 Test Row', 'London'],
      postcode: POSTCODE,
      geom: s.t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [X - 10, Y]),
      source: 'test',
    },
    {
      uprn: 990000000202,
      address_lines: ['3 Test Row', 'London'],
      postcode: POSTCODE,
      geom: s.t.db.raw('ST_SetSRID(ST_MakePoint(?, ?), 27700)', [X + 10, Y]),
      source: 'test',
    },
  ]);
  await makeApp(
    {
      reference: '26/AP/1001',
      description: 'Rear extension with a roof terrace',
      siteAddress: '10 Test Row, London SE1 9ZZ',
      status: 'decided',
      receivedDate: '2026-01-05',
      validDate: '2026-01-06',
      decision: 'granted',
      decisionDate: '2026-02-10',
    },
    [X, Y],
  );
  await makeApp(
    {
      reference: '26/AP/1002',
      applicationType: 'hh',
      description: 'Loft conversion with a dormer',
      siteAddress: '20 Test Row, London',
      status: 'consultation',
      receivedDate: '2026-01-10',
    },
    [X + 100, Y],
  );
  await makeApp(
    {
      reference: '26/AP/1003',
      description: 'Change of use to a cafe',
      siteAddress: '5 Other Street, London',
      status: 'valid',
      receivedDate: '2026-01-11',
    },
    [X, Y + 200],
  );
}, 120_000);

/** axe-core failures of this test, reported at its end (so the rest of the test still runs) */
let a11y: string[] = [];
async function axe(page: Page, what: string) {
  try {
    await axeCheck(page, what);
  } catch (e) {
    a11y.push((e as Error).message);
  }
}
function noA11yFailures() {
  const found = a11y;
  a11y = [];
  expect(found, found.join('\n\n')).toEqual([]);
}

/** Presses Tab until the focused element matches `selector` (fails after `max` presses). */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}
const slugsListed = (page: Page) =>
  page.locator('.redline-results .redline-result').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-slug')));

/** The GeoJSON the map fetched (the page's own URL, in EPSG:27700), as it loads the page. */
async function gotoWithMap(page: Page, url: string) {
  const fetched = page.waitForResponse((r) => r.url().includes('/api/public/applications.geojson'), {
    timeout: 20_000,
  });
  await page.goto(s.url(url));
  const fc = (await (await fetched).json()) as {
    features: Array<{ id: string; geometry: unknown; properties: { slug: string; point: unknown } }>;
  };
  const map = page.locator('#register-map');
  await expect.poll(() => map.isVisible(), { timeout: 15_000 }).toBe(true);
  await expect.poll(() => map.locator('canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
  return fc;
}

/** A context with JavaScript off (and, when asked, every stylesheet refused). `blockScripts` instead leaves
 *  JavaScript on but refuses the page's scripts: the same page as without JavaScript, where axe-core can run (it
 *  needs timers, which a page with JavaScript off never fires). */
async function noScriptPage(noCss: boolean, blockScripts = false): Promise<{ context: BrowserContext; page: Page }> {
  const context = await s.browser.newContext({ javaScriptEnabled: blockScripts, locale: 'en-GB' });
  if (noCss) await context.route(/\.css(\?|$)/, (route) => route.abort());
  if (blockScripts) await context.route(/\.m?js(\?|$)/, (route) => route.abort());
  const page = await context.newPage();
  return { context, page };
}

describe('the register with no account', () => {
  it('search page: the form, reachable and usable by keyboard alone, and accessible', async () => {
    const page = s.page;
    await page.goto(s.url('/register'));
    await expect.poll(() => page.locator('h1').textContent()).toContain('Search planning applications');
    await axe(page, 'the search page');
    // keyboard only: Tab to the keyword box, type, Enter sends the form
    await tabTo(page, '#q');
    await page.keyboard.type('roof terrace');
    await Promise.all([page.waitForURL(/\/register\?.*q=roof/), page.keyboard.press('Enter')]);
    expect(await slugsListed(page)).toEqual(['26-AP-1001']);
    // Tab to the result and open it with Enter
    await tabTo(page, '.redline-result a');
    await Promise.all([page.waitForURL(/\/register\/applications\/26-AP-1001$/), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('h1').textContent()).toContain('10 Test Row');
    expect(s.problems).toEqual([]);
    noA11yFailures();
  });

  it('results with JavaScript: the map shows exactly the listed applications, in the same order', async () => {
    const page = s.page;
    const fc = await gotoWithMap(page, '/register?sort=reference');
    const listed = await slugsListed(page);
    expect(listed).toEqual(['26-AP-1001', '26-AP-1002', '26-AP-1003']);
    expect(fc.features.map((f) => f.properties.slug ?? f.id)).toEqual(listed);
    expect(fc.features.every((f) => f.geometry && f.properties.point)).toBe(true);
    await shot(page, 'register results with the map');
    await axe(page, 'the results with the map');
    // one page of two: the map has the same two
    const paged = await gotoWithMap(page, '/register?sort=reference&pageSize=2');
    const two = await slugsListed(page);
    expect(two).toEqual(['26-AP-1001', '26-AP-1002']);
    expect(paged.features.map((f) => f.properties.slug ?? f.id)).toEqual(two);
    // the list agrees with the API's answer for the same filters
    const api = (await s.t.anon.get('/api/public/applications?sort=reference&pageSize=2').expect(200)).body;
    expect(api.items.map((i: { slug: string }) => i.slug)).toEqual(two);
    await axe(page, 'the results, page 1 of 2');
    expect(s.problems).toEqual([]);
    noA11yFailures();
  });

  it('results without JavaScript: the same list, no map, accessible', async () => {
    const { context, page } = await noScriptPage(false);
    try {
      await page.goto(s.url('/register?sort=reference'));
      expect(await slugsListed(page)).toEqual(['26-AP-1001', '26-AP-1002', '26-AP-1003']);
      expect(await page.locator('#register-map').isVisible()).toBe(false);
      expect(await page.locator('#results-heading').textContent()).toContain('3 applications');
    } finally {
      await context.close();
    }
    const blocked = await noScriptPage(false, true);
    try {
      await blocked.page.goto(s.url('/register?sort=reference'));
      expect(await slugsListed(blocked.page)).toEqual(['26-AP-1001', '26-AP-1002', '26-AP-1003']);
      expect(await blocked.page.locator('#register-map').isVisible()).toBe(false);
      await axe(blocked.page, 'the results without JavaScript');
      await blocked.page.goto(s.url('/register/applications/26-AP-1002/comment'));
      await axe(blocked.page, 'the comment form without JavaScript');
    } finally {
      await blocked.context.close();
    }
    noA11yFailures();
  });

  it('application page: details, key dates and the site map, accessible', async () => {
    const page = s.page;
    await page.goto(s.url('/register/applications/26-AP-1002'));
    await expect.poll(() => page.locator('h1').textContent()).toContain('20 Test Row');
    const text = await page.locator('main').innerText();
    expect(text).toContain('26/AP/1002');
    expect(text).toContain('Loft conversion with a dormer');
    expect(text).toContain('10 January 2026');
    await expect.poll(() => page.locator('#site-map canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await axe(page, 'the application page');
    expect(s.problems).toEqual([]);
    noA11yFailures();
  });

  it('comment form: by keyboard alone, errors shown first, then sent', async () => {
    const page = s.page;
    await page.goto(s.url('/register/applications/26-AP-1002'));
    await tabTo(page, 'a[href$="/comment"]');
    await Promise.all([page.waitForURL(/\/comment$/), page.keyboard.press('Enter')]);
    await axe(page, 'the comment form');
    // send it empty: the error summary lists each problem, linked to its field
    await tabTo(page, '#comment-form button');
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/comment')),
      page.keyboard.press('Enter'),
    ]);
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    const summary = await page.locator('.govuk-error-summary').innerText();
    expect(summary).toContain('There is a problem');
    expect(summary).toContain('Enter your name');
    expect(await page.locator('.govuk-error-message').count()).toBeGreaterThanOrEqual(4);
    // GOV.UK Frontend moves focus to the summary
    // GOV.UK Frontend moves focus to the summary once its script has run
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.classList.contains('govuk-error-summary')))
      .toBe(true);
    await axe(page, 'the comment form with errors');
    // fill it in by Tab and typing; choose a view with the arrow keys; send with Enter
    await tabTo(page, '#name');
    await page.keyboard.type('A Resident');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('address');
    await page.keyboard.type('3 Test Row, London');
    await page.keyboard.press('Tab');
    await page.keyboard.type(POSTCODE);
    await page.keyboard.press('Tab');
    await page.keyboard.type('resident@example.org');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('stance');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('comment');
    await page.keyboard.type('The dormer is too large for the terrace.');
    await tabTo(page, '#comment-form button');
    await Promise.all([page.waitForURL(/\/comment\/sent/), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('h1').textContent()).toContain('sent');
    await axe(page, 'the comment sent page');
    const stored = await s.t.db('comment').where({ email: 'resident@example.org' }).first();
    expect(stored.text).toBe('The dormer is too large for the terrace.');
    expect(stored.name).toBe('A Resident');
    noA11yFailures();
  });

  it('alert subscription page: the form and its errors, accessible, by keyboard', async () => {
    const page = s.page;
    await page.goto(s.url('/register/alerts'));
    await expect.poll(() => page.locator('h1').textContent()).toContain('Get emails about planning applications');
    await axe(page, 'the alert form');
    await tabTo(page, 'form[method="post"] button, form[method="POST"] button');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('.govuk-error-summary').isVisible()).toBe(true);
    await axe(page, 'the alert form with errors');
    await tabTo(page, '#email');
    await page.keyboard.type('alerts@example.org');
    await tabTo(page, '#place');
    await page.keyboard.type(POSTCODE);
    await tabTo(page, 'form[method="post"] button, form[method="POST"] button');
    await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('h1').textContent()).toContain('Check your email');
    await axe(page, 'the check your email page');
    noA11yFailures();
  });

  it('near me by postcode: the list with distances and the map, accessible', async () => {
    const page = s.page;
    await page.goto(s.url('/register/near-me'));
    await axe(page, 'the near me form');
    await tabTo(page, '#near');
    await page.keyboard.type(POSTCODE);
    const fetched = page.waitForResponse((r) => r.url().includes('/api/public/applications.geojson'));
    await Promise.all([page.waitForURL(/near-me\?.*near=/), page.keyboard.press('Enter')]);
    const fc = (await (await fetched).json()) as { features: Array<{ id: string; properties: { slug: string } }> };
    const listed = await slugsListed(page);
    // within 500 m of the postcode's centre (533000, 179000): all three, nearest first
    expect(listed).toEqual(['26-AP-1001', '26-AP-1002', '26-AP-1003']);
    expect(fc.features.map((f) => f.properties.slug ?? f.id)).toEqual(listed);
    expect(await page.locator('main').innerText()).toContain('100 metres away');
    await expect.poll(() => page.locator('#register-map canvas').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await axe(page, 'the near me results');
    expect(s.problems).toEqual([]);
    noA11yFailures();
  });
});

describe('with CSS and JavaScript off', () => {
  /** the positions in the page's text of each string, which must come in this order */
  async function inOrder(page: Page, parts: string[]) {
    const text = await page.locator('body').innerText();
    const at = parts.map((p) => text.indexOf(p));
    expect(
      at.every((i) => i >= 0),
      `all of ${JSON.stringify(parts)} in the page:\n${text.slice(0, 2000)}`,
    ).toBe(true);
    expect(
      [...at].sort((a, b) => a - b),
      `in the order ${JSON.stringify(parts)}`,
    ).toEqual(at);
  }

  it('the search page reads: heading, form, results count, list, in order', async () => {
    const { context, page } = await noScriptPage(true);
    try {
      await page.goto(s.url('/register?sort=reference'));
      // no stylesheet applies: the page is read in its source order
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('h1')!).fontFamily)).not.toMatch(
        /arial|GDS/i,
      );
      const headings = await page.locator('h1, h2, h3').allInnerTexts();
      expect(headings[0]).toContain('Search planning applications');
      await inOrder(page, [
        'Search planning applications',
        'Keyword in the proposal',
        'For example, 24/AP/0412',
        'Sort by',
        '3 applications',
        '26/AP/1001',
        '26/AP/1002',
        '26/AP/1003',
      ]);
      // the form works: sending it gives the results
      await page.locator('#q').fill('cafe');
      await Promise.all([page.waitForURL(/q=cafe/), page.locator('form.redline-search-form button').click()]);
      expect(await slugsListed(page)).toEqual(['26-AP-1003']);
    } finally {
      await context.close();
    }
  });

  it('the application page and the comment form read in order, and the form is sent', async () => {
    const { context, page } = await noScriptPage(true);
    try {
      await page.goto(s.url('/register/applications/26-AP-1002'));
      await inOrder(page, ['26/AP/1002', '20 Test Row', 'Details', 'Key dates', 'Site']);
      await page.goto(s.url('/register/applications/26-AP-1002/comment'));
      await inOrder(page, [
        'Comment on this planning application',
        'What we publish',
        'Your name',
        'Your address',
        'Postcode',
        'Email address',
        'What is your view of the application?',
        'Your comment',
        'Send comment',
      ]);
      expect(await page.locator('#website').isVisible()).toBe(false);
      await page.locator('#name').fill('Second Resident');
      await page.locator('#address').fill('1 Test Row, London');
      await page.locator('#postcode').fill(POSTCODE);
      await page.locator('#email').fill('second@example.org');
      await page.locator('input[name="stance"]').first().check();
      await page.locator('#comment').fill('I support this.');
      await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.locator('#comment-form button').click(),
      ]);
      await page.waitForLoadState('load');
      expect(page.url(), await page.locator('main').innerText()).toMatch(/\/comment\/sent/);
    } finally {
      await context.close();
    }
  });

  it('near me and alerts read in order: heading, form, results', async () => {
    const { context, page } = await noScriptPage(true);
    try {
      await page.goto(s.url(`/register/near-me?near=${encodeURIComponent(POSTCODE)}&radius=500`));
      await inOrder(page, ['Planning applications near you', 'Postcode, address or grid reference', '26/AP/1001']);
      await page.goto(s.url('/register/alerts'));
      await inOrder(page, ['Get emails about planning applications near you', 'Email address']);
    } finally {
      await context.close();
    }
  });
});
