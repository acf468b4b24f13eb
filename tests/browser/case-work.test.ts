/**
 * After the site is plotted, in Chromium: run a constraint check, show a hit on the map and dismiss it with a
 * reason; choose the neighbours, remove one with a reason and save the run; produce the neighbour letters and
 * download the PDF. Demo Southwark layers and addresses; the site is a real building's outline (The Trinity,
 * 202-206 Borough High Street).
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeCheck, shot, signIn, useBrowser, waitForMap } from './helpers.ts';
import { caseEtag } from '../helpers/if-match.ts';

const s = useBrowser({ layers: true, addresses: true });
let caseId = 0;

beforeAll(async () => {
  const db = s.t.db;
  const a = await db('address')
    .whereRaw("array_to_string(address_lines, ' ') ILIKE ?", ['%202-206 Borough High Street%'])
    .first<{ x: number; y: number }>(db.raw('ST_X(geom) AS x'), db.raw('ST_Y(geom) AS y'));
  if (!a) throw new Error('The demo addresses have no 202-206 Borough High Street (The Trinity)');
  const p = await db('property')
    .whereRaw('ST_Contains(geom, ST_SetSRID(ST_MakePoint(?, ?), 27700))', [a.x, a.y])
    .first<{ g: string }>(db.raw('ST_AsGeoJSON(geom) AS g'));
  if (!p) throw new Error('No property outline holds the address point of The Trinity');
  const created = await s.t
    .as('admin')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Change of use of the upper floors to four flats',
      siteAddress: 'The Trinity, 202-206 Borough High Street, London SE1 1JX',
      receivedDate: '2025-03-03',
      validDate: '2025-03-05',
    })
    .expect(201);
  caseId = (created.body as { id: number }).id;
  await s.t
    .as('admin')
    .put(`/api/cases/${caseId}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(s.t, caseId))
    .send({ geometry: JSON.parse(p.g) as unknown, source: 'property' })
    .expect(200);
}, 60_000);

async function openCase(page: Page, role: 'officer' | 'support' = 'officer') {
  await page.goto(s.url(`/login?next=/cases/${caseId}`));
  await signIn(page, role);
  await waitForMap(page);
}

describe('case work', { timeout: 150_000 }, () => {
  it('runs a constraint check, shows a hit on the map and dismisses it with a reason', async () => {
    const page = s.page;
    await openCase(page);
    const panel = page.locator('#constraints-panel');
    await panel.getByRole('button', { name: 'Run a constraint check' }).click();
    await expect
      .poll(() => page.locator('#constraints-status').textContent(), { timeout: 60_000 })
      .toMatch(/^Check \d+ made: /);
    const checkId = Number(/Check (\d+) made/.exec((await page.locator('#constraints-status').textContent())!)![1]);
    // each layer's status is listed
    const layers = panel.getByRole('list', { name: 'Constraint layers' });
    await expect.poll(() => layers.count()).toBe(1);
    expect(await layers.textContent()).toMatch(/Conservation area/i);
    await axeCheck(page, 'a constraint check');
    await shot(page, 'constraints-check');

    // a hit that counts as a constraint: shown on the map
    const hit = panel.locator('li.redline-hit--fired').first();
    await expect.poll(() => hit.count()).toBe(1);
    const show = hit.getByRole('button', { name: /^Show on map: / });
    const label = ((await show.textContent()) ?? '').replace(/^Show on map: /, '');
    await show.click();
    expect(await show.getAttribute('aria-pressed')).toBe('true');
    const highlighted = await page.evaluate(() => {
      const sm = (
        document.getElementById('staff-map') as unknown as {
          staffMap: { overlay(n: string): { getSource(): { getFeatures(): unknown[] } } };
        }
      ).staffMap;
      return sm.overlay('constraint-hit').getSource().getFeatures().length;
    });
    expect(highlighted, 'the hit is highlighted on the map').toBe(1);
    await expect.poll(() => page.locator('#map-description').textContent()).toContain(label);

    // dismiss it: the reason is needed
    await hit.getByText(`Confirm or dismiss ${label}`).click();
    await hit.getByLabel('Dismiss', { exact: true }).check();
    await hit.getByRole('button', { name: 'Save decision' }).click();
    await expect.poll(() => hit.textContent()).toContain('Say why (at least 3 characters)');
    await axeCheck(page, 'a hit decision with its error');
    await hit
      .getByLabel('Reason', { exact: true })
      .fill('The extension is at the rear, out of sight of the conservation area');
    await hit.getByRole('button', { name: 'Save decision' }).click();
    await expect.poll(() => page.locator('#constraints-status').textContent()).toContain(`${label}: dismissed.`);
    const row = panel.locator('li.redline-hit', { hasText: label }).first();
    expect(await row.textContent()).toMatch(/Dismissed.*: The extension is at the rear/);
    // who decided shows at once, without a reload
    expect(await row.textContent()).toMatch(/Dismissed by officer\.user on /);
    await axeCheck(page, 'a hit dismissed');
    await shot(page, 'constraints-dismissed');
    // stored
    const stored = (await s.t.as('admin').get(`/api/cases/${caseId}/constraint-checks/${checkId}`).expect(200))
      .body as { hits: Array<{ decision: string | null; decisionReason: string | null; decidedBy: string | null }> };
    const decided = stored.hits.filter((h) => h.decision === 'dismissed');
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      decisionReason: 'The extension is at the rear, out of sight of the conservation area',
      decidedBy: 'officer.user',
    });
  });

  it('previews the neighbours within a radius, removes one with a reason and saves the run', async () => {
    const page = s.page;
    await openCase(page, 'support');
    const panel = page.locator('#neighbours-panel');
    const list = panel.getByRole('list', { name: 'Addresses to notify, numbered as on the map' });
    await expect.poll(() => list.locator(':scope > li').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    // a smaller radius, previewed as it is typed
    await panel.getByLabel('Radius in metres').fill('30');
    await expect.poll(() => page.locator('#neighbours-status').textContent()).toMatch(/^\d+ address(es)? to notify\./);
    const before = await list.locator(':scope > li').count();
    expect(before).toBeGreaterThan(1);
    const buffer = await page.evaluate(() => {
      const sm = (
        document.getElementById('staff-map') as unknown as {
          staffMap: { overlay(n: string): { getSource(): { getFeatures(): unknown[] } } };
        }
      ).staffMap;
      return sm.overlay('neighbours-area').getSource().getFeatures().length;
    });
    expect(buffer, 'the radius is drawn on the map').toBe(1);
    await axeCheck(page, 'the neighbours previewed');
    await shot(page, 'neighbours-preview');

    const first = list.locator(':scope > li').first();
    const uprn = Number(await first.getAttribute('data-uprn'));
    await first.getByRole('button', { name: 'Remove 1' }).click();
    const change = panel.locator('#neighbours-change');
    await expect.poll(() => change.isVisible()).toBe(true);
    await change.getByRole('button', { name: 'Remove from the list' }).click();
    await expect.poll(() => change.textContent()).toContain('Say why (at least 3 characters)');
    await change
      .getByLabel('Reason', { exact: true })
      .fill('The owner asked not to be written to: they are the applicant');
    await change.getByRole('button', { name: 'Remove from the list' }).click();
    await expect.poll(() => list.locator(':scope > li').count()).toBe(before - 1);
    expect(await list.locator(`li[data-uprn="${uprn}"]`).count()).toBe(0);
    expect(await panel.locator(`#neighbours-excluded li[data-uprn="${uprn}"]`).textContent()).toContain(
      'The owner asked not to be written to',
    );
    await axeCheck(page, 'a neighbour removed');
    await shot(page, 'neighbours-removed');

    await panel.getByRole('button', { name: 'Save the notification run' }).click();
    await expect
      .poll(() => panel.locator('#neighbours-saved').textContent(), { timeout: 20_000 })
      .toMatch(new RegExp(`Notification run \\d+ saved.*${before - 1} address`));
    const runs = (await s.t.as('admin').get(`/api/cases/${caseId}/notification-runs`).expect(200)).body as {
      items: Array<{ id: number; recipientCount: number }>;
    };
    expect(runs.items[0]!.recipientCount).toBe(before - 1);
    const run = (await s.t.as('admin').get(`/api/cases/${caseId}/notification-runs/${runs.items[0]!.id}`).expect(200))
      .body as { recipients: Array<{ uprn: number | string }> };
    expect(run.recipients.map((r) => Number(r.uprn))).not.toContain(uprn);
    await axeCheck(page, 'a notification run saved');
  });

  it('produces the neighbour letters and downloads the PDF', async () => {
    const page = s.page;
    // a notification run to write to (the test before saves one through the page; this one stands alone)
    await s.t
      .as('admin')
      .post(`/api/cases/${caseId}/notification-runs`)
      .send({ selection: { radiusM: 30 } })
      .expect(201);
    await openCase(page, 'support');
    const panel = page.locator('#documents-panel');
    await panel.getByLabel('Document', { exact: true }).selectOption({ label: 'Neighbour notification letters' });
    await panel.getByRole('button', { name: 'Produce' }).click();
    const link = panel.getByRole('link', { name: /^Download PDF: / }).first();
    await expect.poll(() => link.count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(() => page.locator('#documents-status').textContent()).toMatch(/produced: \d+ pages?\./);
    // one letter for each address of the saved run
    expect(await link.locator('xpath=..').textContent()).toMatch(/\d+ letters/);
    await axeCheck(page, 'letters produced');
    await shot(page, 'letters-produced');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(1000);
  });

  it('the enforcement map page passes axe', async () => {
    const page = s.page;
    await page.goto(s.url('/login?next=/enforcement'));
    await signIn(page, 'enforcement');
    await waitForMap(page);
    await axeCheck(page, 'the enforcement map');
    await shot(page, 'enforcement-map');
  });
});
