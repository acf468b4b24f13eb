/** The statistics page and the weekly list in Chromium: the charts are drawn (SVG with a name), each has its table,
 *  the quarter form works without JavaScript, and axe finds no accessibility violations. Screenshots are left in
 *  tests/browser/artifacts/statistics*.png. */
import { describe, expect, it } from 'vitest';
import { axeCheck, shot, signIn, useBrowser } from './helpers.ts';

const s = useBrowser({ viewport: { width: 1280, height: 900 } });

describe('statistics', { timeout: 150_000 }, () => {
  it('shows PS2, PS1 and the designation measures as charts with tables, for the quarter chosen', async () => {
    const v = '2026-04-01';
    const make = async (body: Record<string, unknown>) => {
      const res = await s.t
        .as('officer')
        .post('/api/cases')
        .send({
          kind: 'application',
          applicationType: 'full',
          description: 'Works',
          receivedDate: '2026-03-20',
          validDate: v,
          ...body,
        });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await make({
      development: { dwellings: 2 },
      decision: 'granted',
      decisionDate: '2026-05-27',
      decisionMaker: 'delegated',
    });
    await make({
      development: { dwellings: 3 },
      decision: 'refused',
      decisionDate: '2026-05-28',
      decisionMaker: 'committee',
    });
    await make({
      development: { dwellings: 25 },
      decision: 'granted',
      decisionDate: '2026-06-30',
      decisionMaker: 'committee',
    });
    await make({
      applicationType: 'hh',
      decision: 'granted',
      decisionDate: '2026-06-10',
      decisionMaker: 'delegated',
      extensionsOfTime: [{ agreedOn: '2026-05-20', newTargetDate: '2026-06-15' }],
    });
    await make({ applicationType: 'hh', decision: 'granted', decisionDate: '2026-05-01', decisionMaker: 'delegated' });
    await make({
      applicationType: 'advertising',
      decision: 'consent-granted',
      decisionDate: '2026-05-11',
      decisionMaker: 'delegated',
    });

    const page = s.page;
    await page.goto(s.url('/login?next=/staff/statistics'));
    await signIn(page, 'officer');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Planning statistics');
    // choose the quarter with the form (a GET form: no script needed)
    await page.getByLabel('Quarter', { exact: true }).selectOption('2026-Q2');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.url()).toContain('quarter=2026-Q2');
    const chart = page.getByRole('img', { name: /PS2 decisions by development type, April to June 2026/ });
    await expect.poll(() => chart.count()).toBe(1);
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(400);
    expect(box!.height).toBeGreaterThan(100);
    const q13 = page
      .locator('#ps2-table tr')
      .filter({ has: page.getByRole('rowheader', { name: 'Q13 Minor – Dwellings' }) });
    expect(await q13.getByRole('cell').allTextContents()).toEqual(['2', '1', '1', '0', '1', '0', '1', '0']);
    await expect.poll(() => page.getByRole('img', { name: /PS1 application volumes/ }).count()).toBe(1);
    await expect.poll(() => page.getByRole('img', { name: /Designation measures/ }).count()).toBe(1);
    await axeCheck(page, 'the statistics page');
    await shot(page, 'statistics');
    await page.getByRole('link', { name: 'Weekly list of applications' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Weekly list of applications');
    await page.getByLabel('Week', { exact: true }).fill('2026-W22');
    await page.getByRole('button', { name: 'Show' }).click();
    // week 22 of 2026: Monday 25 May to Sunday 31 May: decided 27 and 28 May
    await expect.poll(() => page.getByRole('heading', { name: 'Applications decided (2)' }).count()).toBe(1);
    await axeCheck(page, 'the weekly list');
    await shot(page, 'statistics-weekly-list');
  });
});
