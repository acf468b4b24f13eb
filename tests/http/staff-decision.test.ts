/**
 * Recording an application's decision from the case page (GET/POST /cases/:id/decision): the decision, its date and
 * who made it (delegated or committee, counted by the PS1/PS2 returns), with the service's own rules shown beside
 * their fields (a decision this type cannot have, a date in the future, before the earliest decision date), the
 * case's version checked (someone else's change is never overwritten), and the status following the decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { fieldError, makeCase as makeCaseAs } from '../helpers/staff-forms.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.closeApp();
});

const makeCase = (body: Record<string, unknown>) => makeCaseAs(t, body);
const apiCase = async (id: number) => (await t.as('officer').get(`/api/cases/${id}`).expect(200)).body;
const form = (version: number, f: Record<string, string>) => ({ version: String(version), ...f });
const dated = (iso: string) => {
  const [y, m, d] = iso.split('-');
  return { 'decisionDate-day': String(Number(d)), 'decisionDate-month': String(Number(m)), 'decisionDate-year': y! };
};

describe('recording the decision on the case page', () => {
  it('offers the decisions the type can have, records decision, date and who decided, and shows them on the case', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    const page = await t.as('support').get(`/cases/${c.id}`).expect(200);
    expect(page.text).toContain(`href="/cases/${c.id}/decision"`);
    expect(page.text).toContain('Record the decision');

    const f = await t.as('support').get(`/cases/${c.id}/decision`).expect(200);
    expect(f.text).toContain('<h1 class="govuk-heading-l">Record the decision</h1>');
    expect(f.text).toContain('<option value="granted"');
    expect(f.text).toContain('<option value="refused"');
    // a householder application is never "certificate granted"
    expect(f.text).not.toContain('value="certificate-granted"');
    expect(f.text).toContain(`name="version" value="${c.version}"`);

    const res = await t
      .as('support')
      .post(`/cases/${c.id}/decision`)
      .type('form')
      .send(form(c.version, { decision: 'refused', ...dated('2025-04-10'), decisionMaker: 'committee' }))
      .expect(303);
    expect(res.headers.location).toBe(`/cases/${c.id}?decided=1`);
    const after = await apiCase(c.id);
    expect(after).toMatchObject({
      decision: 'refused',
      decisionDate: '2025-04-10',
      decisionMaker: 'committee',
      status: 'decided',
      version: c.version + 1,
    });
    const audit = await t
      .db('audit_log')
      .where({ entity_type: 'case', entity_id: String(c.id) })
      .orderBy('id', 'desc')
      .first();
    expect(audit.actor).toBe('support.user');

    const shown = await t.as('support').get(`/cases/${c.id}?decided=1`).expect(200);
    expect(shown.text).toContain(`The decision on ${c.reference} was recorded.`);
    expect(shown.text).toContain('Refused, 10 April 2025 (by the planning committee)');
    expect(shown.text).toContain('Change the decision');
    // the form opens on what is recorded
    const again = await t.as('support').get(`/cases/${c.id}/decision`).expect(200);
    expect(again.text).toContain('<h1 class="govuk-heading-l">Change the decision</h1>');
    expect(again.text).toMatch(/<option value="refused" selected/);
    expect(again.text).toMatch(/value="committee" checked/);
    expect(again.text).toContain('name="decisionDate-day" type="text" value="10"');
  });

  it('says what is wrong beside each field and changes nothing', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    const post = (f: Record<string, string>) =>
      t.as('support').post(`/cases/${c.id}/decision`).type('form').send(form(c.version, f));

    const noDate = await post({ decision: 'granted' }).expect(400);
    expect(noDate.text).toContain('govuk-error-summary');
    expect(fieldError(noDate.text, 'decisionDate')).toMatch(/Enter the date of the decision/);
    expect(noDate.text).toContain('href="#decisionDate-day"');

    const notReal = await post({ decision: 'granted', ...dated('2025-02-31') }).expect(400);
    expect(fieldError(notReal.text, 'decisionDate')).toMatch(/must be a real date/);

    const dateOnly = await post({ decision: '', ...dated('2025-04-10') }).expect(400);
    expect(fieldError(dateOnly.text, 'decision')).toMatch(/Select the decision, or clear the date/);

    const future = await post({ decision: 'granted', ...dated('2099-01-01') });
    expect(future.status).toBeGreaterThanOrEqual(400);
    expect(future.status).toBeLessThan(500);
    expect(fieldError(future.text, 'decisionDate')).toMatch(/today or in the past/);

    // sent by hand: not a decision a householder application can have
    const wrongType = await post({ decision: 'certificate-granted', ...dated('2025-04-10') });
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
    expect(fieldError(wrongType.text, 'decision')).toMatch(/Certificate granted is not a decision for this type/);

    const maker = await post({ decision: 'granted', ...dated('2025-04-10'), decisionMaker: 'mayor' }).expect(400);
    expect(fieldError(maker.text, 'decisionMaker')).toMatch(/Select who decided it/);
    // what was typed is kept
    expect(maker.text).toContain('name="decisionDate-day" type="text" value="10"');

    expect(await apiCase(c.id)).toMatchObject({ decision: null, decisionDate: null, version: c.version });
  });

  it('never overwrites a change made by someone else since the form was opened', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    // someone else changes the case (the description) through the API
    await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', await caseEtag(t, c.id))
      .send({ description: 'Rear extension, amended' })
      .expect(200);
    const res = await t
      .as('support')
      .post(`/cases/${c.id}/decision`)
      .type('form')
      .send(form(c.version, { decision: 'granted', ...dated('2025-04-10') }))
      .expect(409);
    expect(res.text).toContain('Someone else changed this case since you opened the form');
    // the form again, at the case's new version and as the case is now
    expect(res.text).toContain(`name="version" value="${c.version + 1}"`);
    expect(await apiCase(c.id)).toMatchObject({ decision: null, description: 'Rear extension, amended' });
  });

  it('takes a decision away again: the case awaits a decision', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    await t
      .as('support')
      .post(`/cases/${c.id}/decision`)
      .type('form')
      .send(form(c.version, { decision: 'granted', ...dated('2025-04-10'), decisionMaker: 'delegated' }))
      .expect(303);
    await t
      .as('support')
      .post(`/cases/${c.id}/decision`)
      .type('form')
      .send(form(c.version + 1, { decision: '', decisionMaker: '' }))
      .expect(303);
    expect(await apiCase(c.id)).toMatchObject({
      decision: null,
      decisionDate: null,
      decisionMaker: null,
      status: 'awaiting-decision',
    });
  });

  it('is for application writers, and for applications only', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    const gis = await t.as('gis').get(`/cases/${c.id}/decision`);
    expect(gis.status).toBe(403);
    const page = await t.as('gis').get(`/cases/${c.id}`).expect(200);
    expect(page.text).not.toContain(`href="/cases/${c.id}/decision"`);
    const post = await t
      .as('gis')
      .post(`/cases/${c.id}/decision`)
      .type('form')
      .send(form(c.version, { decision: 'granted', ...dated('2025-04-10') }));
    expect(post.status).toBe(403);
    expect((await apiCase(c.id)).decision).toBeNull();

    const e = await makeCase({ kind: 'enforcement', breachType: 'unauthorised-building-works' });
    await t.as('admin').get(`/cases/${e.id}/decision`).expect(404);
    await t.anon.get(`/cases/${c.id}/decision`).expect(303);
  });
});

describe('time agreed and appeals on the case page', () => {
  const post = (id: number, version: number, f: Record<string, string>) =>
    t
      .as('support')
      .post(`/cases/${id}/agreements`)
      .type('form')
      .send({ version: String(version), ...f });
  const on = (prefix: string, iso: string) => {
    const [y, m, d] = iso.split('-');
    return { [`${prefix}-day`]: String(Number(d)), [`${prefix}-month`]: String(Number(m)), [`${prefix}-year`]: y! };
  };

  it('adds an extension of time, records a PPA, an appeal and its decision; each shows, and the target moves', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh', validDate: '2025-02-05' });
    const page = await t.as('support').get(`/cases/${c.id}`).expect(200);
    expect(page.text).toContain(`href="/cases/${c.id}/agreements"`);
    await t.as('support').get(`/cases/${c.id}/agreements`).expect(200);

    const ext = await post(c.id, c.version, {
      action: 'extension',
      ...on('extAgreedOn', '2025-03-20'),
      ...on('extNewTarget', '2025-04-30'),
      extReason: 'Amended plans',
    }).expect(303);
    expect(ext.headers.location).toBe(`/cases/${c.id}/agreements?saved=extension`);
    let now = await apiCase(c.id);
    expect(now.extensionsOfTime).toEqual([
      { agreedOn: '2025-03-20', newTargetDate: '2025-04-30', reason: 'Amended plans' },
    ]);
    expect(now.effectiveTargetDate).toBe('2025-04-30');
    const shown = await t.as('support').get(`/cases/${c.id}/agreements?saved=extension`).expect(200);
    expect(shown.text).toContain('The extension of time was added.');
    expect(shown.text).toContain('Decision by 30 April 2025 (Amended plans)');

    await post(c.id, now.version, {
      action: 'ppa',
      ...on('ppaAgreedOn', '2025-02-10'),
      ...on('ppaTarget', '2025-06-30'),
    }).expect(303);
    now = await apiCase(c.id);
    expect(now.ppa).toEqual({ agreedOn: '2025-02-10', targetDate: '2025-06-30' });

    await post(c.id, now.version, {
      action: 'appeal',
      ...on('appealLodgedOn', '2025-07-01'),
      appealType: 'non-determination',
    }).expect(303);
    now = await apiCase(c.id);
    expect(now.appeals).toEqual([{ lodgedOn: '2025-07-01', type: 'non-determination' }]);
    const withAppeal = await t.as('support').get(`/cases/${c.id}/agreements`).expect(200);
    expect(withAppeal.text).toContain('Appeal 1: against non-determination (no decision in time), lodged 1 July 2025');

    // its decision: not before it was lodged, with an outcome
    const early = await post(c.id, now.version, {
      action: 'appeal-outcome',
      appeal: '0',
      ...on('appealDecidedOn-0', '2025-06-01'),
      'appealOutcome-0': '',
    }).expect(400);
    expect(fieldError(early.text, 'appealDecidedOn-0')).toMatch(
      /cannot be before the appeal was lodged \(1 July 2025\)/,
    );
    expect(fieldError(early.text, 'appealOutcome-0')).toMatch(/Select the outcome/);
    await post(c.id, now.version, {
      action: 'appeal-outcome',
      appeal: '0',
      ...on('appealDecidedOn-0', '2025-11-03'),
      'appealOutcome-0': 'dismissed',
    }).expect(303);
    now = await apiCase(c.id);
    expect(now.appeals).toEqual([
      { lodgedOn: '2025-07-01', type: 'non-determination', decidedOn: '2025-11-03', outcome: 'dismissed' },
    ]);
    // decided: no form for it any more, and a second try is refused
    const again = await post(c.id, now.version, {
      action: 'appeal-outcome',
      appeal: '0',
      ...on('appealDecidedOn-0', '2025-11-04'),
      'appealOutcome-0': 'allowed',
    }).expect(409);
    expect(again.text).toContain('not waiting for a decision any more');

    // the PPA removed
    await post(c.id, now.version, { action: 'ppa', remove: 'yes' }).expect(303);
    expect((await apiCase(c.id)).ppa).toBeNull();
  });

  it('refuses what does not hold beside its field, a stale form, and other roles; changes nothing', async () => {
    const c = await makeCase({ kind: 'application', applicationType: 'hh' });
    const backwards = await post(c.id, c.version, {
      action: 'extension',
      ...on('extAgreedOn', '2025-03-20'),
      ...on('extNewTarget', '2025-03-19'),
    }).expect(400);
    expect(fieldError(backwards.text, 'extNewTarget')).toMatch(/on or after the date agreed/);
    expect(backwards.text).toContain('href="#extNewTarget-day"');
    // kept as typed
    expect(backwards.text).toContain('name="extAgreedOn-day" type="text" value="20"');

    // agreed before the application was received: the service's own rule, shown on the form
    const beforeReceived = await post(c.id, c.version, {
      action: 'extension',
      ...on('extAgreedOn', '2025-01-01'),
      ...on('extNewTarget', '2025-04-01'),
    });
    expect(beforeReceived.status).toBeGreaterThanOrEqual(400);
    expect(beforeReceived.status).toBeLessThan(500);
    expect(fieldError(beforeReceived.text, 'extAgreedOn')).toMatch(/before the received date/);

    const noType = await post(c.id, c.version, { action: 'appeal', ...on('appealLodgedOn', '2025-07-01') }).expect(400);
    expect(fieldError(noType.text, 'appealType')).toMatch(/Select what the appeal is against/);

    await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', await caseEtag(t, c.id))
      .send({ description: 'Changed' })
      .expect(200);
    const stale = await post(c.id, c.version, {
      action: 'ppa',
      ...on('ppaAgreedOn', '2025-02-10'),
      ...on('ppaTarget', '2025-06-30'),
    }).expect(409);
    expect(stale.text).toContain('Someone else changed this case since you opened the form');

    expect(await apiCase(c.id)).toMatchObject({ extensionsOfTime: [], ppa: null, appeals: [] });
    await t.as('gis').get(`/cases/${c.id}/agreements`).expect(403);
    const gis = await t
      .as('gis')
      .post(`/cases/${c.id}/agreements`)
      .type('form')
      .send({
        version: String(c.version + 1),
        action: 'appeal',
        ...on('appealLodgedOn', '2025-07-01'),
        appealType: 'refusal',
      });
    expect(gis.status).toBe(403);
    expect((await apiCase(c.id)).appeals).toEqual([]);
  });
});
