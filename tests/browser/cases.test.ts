/** The case list (search and filters) and the new-case form (errors beside their fields; registering) in Chromium. */
import { beforeAll, describe, expect, it } from 'vitest';
import { axeCheck, shot, signIn, useBrowser } from './helpers.ts';

const s = useBrowser();
let groveLane = 0;

beforeAll(async () => {
  const mk = async (b: Record<string, unknown>) =>
    (await s.t.as('admin').post('/api/cases').send(b).expect(201)).body as { id: number; reference: string };
  groveLane = (
    await mk({
      kind: 'application',
      applicationType: 'hh',
      description: 'Single storey rear extension',
      siteAddress: '12 Grove Lane, London SE5 8SY',
      receivedDate: '2025-02-03',
    })
  ).id;
  await mk({
    kind: 'application',
    applicationType: 'full',
    description: 'Change of use to six flats',
    siteAddress: '4 Camberwell Church Street, London SE5 8QU',
    receivedDate: '2025-01-20',
  });
  await mk({
    kind: 'enforcement',
    breachType: 'untidy-land',
    description: 'Overgrown front garden',
    siteAddress: '7 Denmark Hill, London SE5 8RS',
    receivedDate: '2025-01-22',
  });
}, 60_000);

describe('cases', { timeout: 90_000 }, () => {
  it('lists the cases, searches them and filters by kind', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/cases'));
    await signIn(page, 'support');
    const table = page.getByRole('table');
    await expect.poll(() => table.getByRole('row').count()).toBe(4); // the header and 3 cases
    await axeCheck(page, 'the case list');
    await shot(page, 'cases-list');

    await page.getByLabel('Search').fill('Grove Lane');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('q') === 'Grove Lane');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.textContent()).toContain('12 Grove Lane');
    await axeCheck(page, 'the case list searched');

    await page.getByRole('link', { name: 'Clear search and filters' }).click();
    await page.getByLabel('Kind').selectOption('enforcement');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((u) => u.searchParams.get('kind') === 'enforcement');
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.textContent()).toContain('7 Denmark Hill');
    await axeCheck(page, 'the case list filtered to enforcement');

    // nothing found says so
    await page.getByLabel('Search').fill('no such place anywhere');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('No cases match');
    await axeCheck(page, 'the case list with nothing found');
  });

  it('the new-case form shows each error beside its field, keeps what was typed, then registers the application', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/cases/new'));
    await signIn(page, 'support');
    // support registers both kinds: first the choice
    await expect.poll(() => page.getByRole('group', { name: 'What are you registering?' }).count()).toBe(1);
    await axeCheck(page, 'the choice of what to register');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('#kind-error').textContent()).toContain('Select what you are registering');
    await axeCheck(page, 'the choice of what to register, with its error');
    await page.getByLabel('A planning application').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toContain('Register a planning application');
    await axeCheck(page, 'the new application form');
    await shot(page, 'case-new-form');

    // a date that is not a date, no type, no description, a bad UPRN
    const received = page.getByRole('group', { name: 'Date received' });
    await received.getByLabel('Day').fill('31');
    await received.getByLabel('Month').fill('2');
    await received.getByLabel('Year').fill('2025');
    await page.getByLabel('Site address (optional)').fill('21 Grove Lane, London SE5 8SY');
    await page.getByLabel('UPRNs of the site (optional)').fill('12ab');
    await page.getByRole('button', { name: 'Register the application' }).click();

    const summary = page.locator('.govuk-error-summary');
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect(await page.title()).toMatch(/^Error:/);
    // each error beside its own field, and in the summary linking to it
    const beside = async (id: string) => (await page.locator(`#${id}-error`).textContent())?.trim() ?? '';
    expect(await beside('applicationType')).toMatch(/application type/i);
    expect(await beside('receivedDate')).toMatch(/real date/);
    expect(await beside('description')).toMatch(/Enter a description/);
    expect(await beside('uprns')).toMatch(/UPRN/);
    for (const id of ['applicationType', 'receivedDate-day', 'description', 'uprns'])
      expect(await summary.locator(`a[href="#${id}"]`).count(), `the summary links to #${id}`).toBe(1);
    // what was typed is kept
    expect(await page.getByLabel('Site address (optional)').inputValue()).toBe('21 Grove Lane, London SE5 8SY');
    expect(await received.getByLabel('Day').inputValue()).toBe('31');
    await axeCheck(page, 'the new application form with errors');
    await shot(page, 'case-new-errors');

    // put it right and register
    await page.getByLabel('Application type').selectOption({ label: 'Householder planning application' });
    await received.getByLabel('Day').fill('28');
    await page.getByLabel('Description of the proposal').fill('Two storey side extension');
    await page.getByLabel('UPRNs of the site (optional)').fill('');
    await page.getByRole('button', { name: 'Register the application' }).click();
    await page.waitForURL((u) => /^\/cases\/\d+$/.test(u.pathname));
    expect(new URL(page.url()).searchParams.get('created')).toBe('1');
    const banner = page.getByRole('alert').filter({ hasText: 'Success' });
    await expect.poll(() => banner.textContent()).toMatch(/Case \d\d\/AP\/\d{4} registered/);
    expect(await page.locator('main').textContent()).toContain('Two storey side extension');
    expect(await page.locator('#key-dates').textContent()).toContain('28 February 2025');
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const stored = (await s.t.as('admin').get(`/api/cases/${id}`).expect(200)).body as Record<string, unknown>;
    expect(stored).toMatchObject({
      kind: 'application',
      applicationType: 'hh',
      description: 'Two storey side extension',
      siteAddress: '21 Grove Lane, London SE5 8SY',
      receivedDate: '2025-02-28',
    });
    await axeCheck(page, 'the new case page');
    await shot(page, 'case-created');
  });

  it('records the decision from the case page: errors beside their fields, then decided, delegated, with the status', async () => {
    const page = s.page;
    await page.goto(s.url(`/login?next=/cases/${groveLane}`));
    await signIn(page, 'support');
    await page.getByRole('link', { name: 'Record the decision' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Record the decision');
    await axeCheck(page, 'the decision form');
    // a decision with no date
    await page.getByLabel('Decision', { exact: true }).selectOption({ label: 'Granted' });
    await page.getByRole('button', { name: 'Record the decision' }).click();
    const summary = page.locator('.govuk-error-summary');
    await expect.poll(() => summary.isVisible()).toBe(true);
    expect((await page.locator('#decisionDate-error').textContent())?.trim()).toMatch(/Enter the date of the decision/);
    expect(await summary.locator('a[href="#decisionDate-day"]').count()).toBe(1);
    await axeCheck(page, 'the decision form with an error');
    await shot(page, 'case-decision-error');
    // by keyboard from the summary's link to the day
    await summary.locator('a[href="#decisionDate-day"]').click();
    await page.keyboard.type('14');
    await page.keyboard.press('Tab');
    await page.keyboard.type('3');
    await page.keyboard.press('Tab');
    await page.keyboard.type('2025');
    await page.getByLabel('An officer, under delegated powers').check();
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.waitForURL((u) => u.pathname === `/cases/${groveLane}`);
    const banner = page.getByRole('alert').filter({ hasText: 'Success' });
    await expect.poll(() => banner.textContent()).toMatch(/The decision on .* was recorded/);
    expect(await page.locator('#key-dates').textContent()).toContain('Granted, 14 March 2025 (delegated)');
    expect(await page.locator('h1').textContent()).toContain('Decided');
    await axeCheck(page, 'the case page after the decision');
    await shot(page, 'case-decided');
    const stored = (await s.t.as('admin').get(`/api/cases/${groveLane}`).expect(200)).body as Record<string, unknown>;
    expect(stored).toMatchObject({ decision: 'granted', decisionDate: '2025-03-14', decisionMaker: 'delegated' });

    // then an appeal against it, from the same page's other link
    await page.getByRole('link', { name: 'Time agreed and appeals' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Time agreed and appeals');
    await axeCheck(page, 'time agreed and appeals');
    const appealForm = page.locator('form', { has: page.getByRole('button', { name: 'Add the appeal' }) });
    const lodged = appealForm.getByRole('group', { name: 'Date the appeal was lodged' });
    await lodged.getByLabel('Day').fill('2');
    await lodged.getByLabel('Month').fill('5');
    await lodged.getByLabel('Year').fill('2025');
    await page.getByRole('button', { name: 'Add the appeal' }).click();
    await expect
      .poll(() => page.locator('#appealType-error').textContent())
      .toMatch(/Select what the appeal is against/);
    await axeCheck(page, 'time agreed and appeals, with an error');
    await page.getByLabel('Against conditions').check();
    await page.getByRole('button', { name: 'Add the appeal' }).click();
    const banner2 = page.getByRole('alert').filter({ hasText: 'Success' });
    await expect.poll(() => banner2.textContent()).toContain('The appeal was added.');
    expect(await page.locator('main').textContent()).toContain('Appeal 1: against conditions, lodged 2 May 2025');
    await axeCheck(page, 'time agreed and appeals, with an appeal');
    await shot(page, 'case-agreements');

    // both forms reflow at 320 CSS pixels (WCAG 1.4.10): nothing scrolls sideways
    const size = page.viewportSize();
    await page.setViewportSize({ width: 320, height: 640 });
    try {
      for (const path of [`/cases/${groveLane}/agreements`, `/cases/${groveLane}/decision`]) {
        await page.goto(s.url(path));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, `${path} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
        await shot(page, `case-form-320${path.replace(/\/|\d+/g, '-')}`);
      }
    } finally {
      if (size) await page.setViewportSize(size);
    }
  });
});
