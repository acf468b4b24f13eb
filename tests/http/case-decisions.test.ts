/**
 * Decisions that fit the application and dates a decision may carry (issue 11, item 5): the decision type fits the
 * application type; a decision dated after today (Europe/London) is refused; one before the earliest decision date
 * the case's publicity gives is refused unless decisionOverrideReason says why (audited, shown on the case).
 * Also: PATCH takes Content-Type application/merge-patch+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { todayInUk } from '../../shared/domain/documents.ts';
import { decisionFamily, decisionsFor } from '../../shared/domain/decisions.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.closeApp();
});

/** YYYY-MM-DD plus n days (calendar arithmetic in UTC, no time of day). */
const addDays = (iso: string, n: number) =>
  new Date(Date.parse(iso + 'T00:00:00Z') + n * 86_400_000).toISOString().slice(0, 10);
const TODAY = () => todayInUk();

async function application(over: Record<string, unknown> = {}) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Two flats',
      receivedDate: addDays(TODAY(), -90),
      validDate: addDays(TODAY(), -88),
      ...over,
    });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; version: number };
}

async function patch(id: number, body: Record<string, unknown>, status = 200) {
  const current = await t.as('officer').get(`/api/cases/${id}`).expect(200);
  const res = await t.as('officer').patch(`/api/cases/${id}`).set('If-Match', current.headers.etag!).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res;
}

async function read(id: number) {
  return (await t.as('officer').get(`/api/cases/${id}`).expect(200)).body;
}

describe('decision families (pure)', () => {
  it.each([
    ['lbc', 'consent'],
    ['advertising', 'consent'],
    ['ldc', 'certificate'],
    ['ldc-existing-use', 'certificate'],
    ['ldc-prospective-use', 'certificate'],
    ['ldc-proposed-work-lb', 'certificate'],
    ['prior-approval', 'prior-approval'],
    ['pa-extension', 'prior-approval'],
    ['cho-commercial-to-dwh', 'prior-approval'],
    ['full', 'permission'],
    ['hh', 'permission'],
    ['outline-some', 'permission'],
  ])('%s is decided as %s', (type, family) => {
    expect(decisionFamily(type)).toBe(family);
  });
});

describe('the decision fits the application type', () => {
  it.each([
    ['lbc', 'granted', 'consent-granted'],
    ['lbc', 'refused', 'consent-refused'],
    ['ldc-existing-use', 'granted', 'certificate-granted'],
    ['ldc-prospective-use', 'refused', 'certificate-refused'],
    ['pa-extension', 'granted', 'prior-approval-required'],
    ['pa-extension', 'refused', 'prior-approval-not-required'],
    ['cho-commercial-to-dwh', 'certificate-granted', 'prior-approval-granted'],
    ['cho-commercial-to-dwh', 'consent-refused', 'prior-approval-refused'],
    ['full', 'consent-granted', 'granted'],
    ['hh', 'prior-approval-granted', 'refused'],
  ])(
    '%s: "%s" is refused with 422 naming the allowed ones, and changes nothing; "%s" is accepted',
    async (type, bad, good) => {
      const c = await application({ applicationType: type });
      const res = await patch(c.id, { decision: bad, decisionDate: TODAY(), status: 'decided' }, 422);
      expect(res.body.error.code).toBe('DECISION_NOT_FOR_TYPE');
      expect(res.body.error.details.allowed).toEqual([...decisionsFor(type)]);
      expect(res.body.error.details.allowed).toContain(good);
      expect(res.body.error.message).toContain(good);
      expect(res.body.error.message).toMatch(/body\.decision/);
      const now = await read(c.id);
      expect([now.decision, now.decisionDate, now.status, now.version]).toEqual([null, null, 'received', c.version]);
      const ok = await patch(c.id, { decision: good, decisionDate: TODAY(), status: 'decided' });
      expect(ok.body.decision).toBe(good);
    },
  );

  it('is checked at registration too', async () => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send({
        kind: 'application',
        applicationType: 'lbc',
        description: 'Shopfront',
        receivedDate: addDays(TODAY(), -60),
        decision: 'granted',
        decisionDate: addDays(TODAY(), -1),
      })
      .expect(422);
    expect(res.body.error.code).toBe('DECISION_NOT_FOR_TYPE');
    expect(res.body.error.details.allowed).toContain('consent-granted');
  });

  it('is checked when the application type changes under a recorded decision', async () => {
    const c = await application({ applicationType: 'lbc' });
    await patch(c.id, { decision: 'consent-granted', decisionDate: TODAY() });
    const res = await patch(c.id, { applicationType: 'full' }, 422);
    expect(res.body.error.code).toBe('DECISION_NOT_FOR_TYPE');
    expect(res.body.error.details.path).toBe('body.applicationType');
    expect((await read(c.id)).applicationType).toBe('lbc');
    const both = await patch(c.id, { applicationType: 'full', decision: 'granted' });
    expect([both.body.applicationType, both.body.decision]).toEqual(['full', 'granted']);
  });

  it('withdrawn closes any type of application', async () => {
    for (const type of ['lbc', 'ldc-existing-use', 'pa-extension', 'full']) {
      const c = await application({ applicationType: type });
      expect((await patch(c.id, { decision: 'withdrawn', decisionDate: TODAY() })).body.decision).toBe('withdrawn');
    }
  });
});

describe('a decision date in the future is refused (Europe/London)', () => {
  it('today is accepted, tomorrow refused with nothing changed', async () => {
    const c = await application();
    const res = await patch(c.id, { decision: 'granted', decisionDate: addDays(TODAY(), 1) }, 422);
    expect(res.body.error.code).toBe('DECISION_DATE_IN_FUTURE');
    expect(res.body.error.details).toMatchObject({ path: 'body.decisionDate', today: TODAY() });
    expect((await read(c.id)).decision).toBeNull();
    expect((await patch(c.id, { decision: 'granted', decisionDate: TODAY() })).body.decisionDate).toBe(TODAY());
  });

  it('at registration, and for enforcement cases', async () => {
    const future = await t
      .as('officer')
      .post('/api/cases')
      .send({
        kind: 'application',
        applicationType: 'full',
        description: 'Future decision',
        receivedDate: addDays(TODAY(), -10),
        decision: 'granted',
        decisionDate: addDays(TODAY(), 1),
      })
      .expect(422);
    expect(future.body.error.code).toBe('DECISION_DATE_IN_FUTURE');
    expect(await t.db('case_record').where({ description: 'Future decision' }).first()).toBeUndefined();
    const e = await t
      .as('enforcement')
      .post('/api/cases')
      .send({ kind: 'enforcement', breachType: 'untidy-land', description: 'Overgrown', receivedDate: TODAY() })
      .expect(201);
    const res = await t
      .as('enforcement')
      .patch(`/api/cases/${e.body.id}`)
      .set('If-Match', e.headers.etag!)
      .send({ decision: 'no-breach', decisionDate: addDays(TODAY(), 1) })
      .expect(422);
    expect(res.body.error.code).toBe('DECISION_DATE_IN_FUTURE');
    await t
      .as('enforcement')
      .patch(`/api/cases/${e.body.id}`)
      .set('If-Match', e.headers.etag!)
      .send({ decision: 'no-breach', decisionDate: TODAY() })
      .expect(200);
  });
});

describe('a decision before the earliest decision date needs a reason', () => {
  /** An application with a site notice displayed 40 days ago: its earliest decision date has passed. */
  async function publicised() {
    const c = await application();
    const ev = await t
      .as('officer')
      .post(`/api/cases/${c.id}/publicity-events`)
      .send({ kind: 'site-notice', date: addDays(TODAY(), -40), noticeCount: 1, places: ['Lamp post by the gate'] });
    expect(ev.status, JSON.stringify(ev.body)).toBe(201);
    const earliest = ev.body.publicity.earliestDecisionDate as string;
    expect(earliest).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(earliest <= TODAY()).toBe(true);
    return { id: c.id, earliest };
  }

  it('the earliest decision date itself is accepted', async () => {
    const { id, earliest } = await publicised();
    const res = await patch(id, { decision: 'granted', decisionDate: earliest });
    expect([res.body.decisionDate, res.body.decisionOverrideReason]).toEqual([earliest, null]);
  });

  it('the day before is refused (422, nothing changed), and accepted with a reason that is audited and shown', async () => {
    const { id, earliest } = await publicised();
    const dayBefore = addDays(earliest, -1);
    const before = await read(id);
    const res = await patch(id, { decision: 'refused', decisionDate: dayBefore, status: 'decided' }, 422);
    expect(res.body.error.code).toBe('DECISION_BEFORE_EARLIEST_DATE');
    expect(res.body.error.details).toEqual({
      path: 'body.decisionDate',
      decisionDate: dayBefore,
      earliestDecisionDate: earliest,
    });
    expect(res.body.error.message).toContain('decisionOverrideReason');
    const unchanged = await read(id);
    expect([unchanged.decision, unchanged.decisionDate, unchanged.status, unchanged.version]).toEqual([
      null,
      null,
      before.status,
      before.version,
    ]);

    const reason = 'Committee met early; all representations received had been considered';
    const ok = await patch(id, { decision: 'refused', decisionDate: dayBefore, decisionOverrideReason: reason });
    expect([ok.body.decision, ok.body.decisionDate, ok.body.decisionOverrideReason]).toEqual([
      'refused',
      dayBefore,
      reason,
    ]);
    expect((await read(id)).decisionOverrideReason).toBe(reason);
    const early = await t.db('audit_log').where({ action: 'case.decision.early', entity_id: String(id) });
    expect(early).toHaveLength(1);
    expect(early[0].after).toEqual({
      decision: 'refused',
      decisionDate: dayBefore,
      earliestDecisionDate: earliest,
      decisionOverrideReason: reason,
    });
    const [update] = await t
      .db('audit_log')
      .where({ action: 'case.update', entity_id: String(id) })
      .orderBy('id', 'desc');
    expect(update.after.decisionOverrideReason).toBe(reason);
  });

  it('a reason does not carry over to another date, and an empty reason is no reason', async () => {
    const { id, earliest } = await publicised();
    await patch(id, { decision: 'granted', decisionDate: addDays(earliest, -1), decisionOverrideReason: 'Urgent' });
    // the outcome changes, the date stays: the reason stays
    expect((await patch(id, { decision: 'refused' })).body.decisionOverrideReason).toBe('Urgent');
    const res = await patch(id, { decisionDate: addDays(earliest, -2) }, 422);
    expect(res.body.error.code).toBe('DECISION_BEFORE_EARLIEST_DATE');
    const blank = await patch(id, { decisionDate: addDays(earliest, -2), decisionOverrideReason: '  ' }, 400);
    expect(blank.body.error.code).toBe('VALIDATION_FAILED');
    const moved = await patch(id, { decisionDate: earliest });
    expect([moved.body.decisionDate, moved.body.decisionOverrideReason]).toEqual([earliest, null]);
  });

  it('withdrawal may come before the earliest decision date without a reason', async () => {
    const { id, earliest } = await publicised();
    const res = await patch(id, { decision: 'withdrawn', decisionDate: addDays(earliest, -1), status: 'withdrawn' });
    expect(res.body.decision).toBe('withdrawn');
  });

  it('with no publicity recorded there is no earliest decision date to hold the decision to', async () => {
    const c = await application();
    expect((await read(c.id)).publicity.earliestDecisionDate).toBeNull();
    expect((await patch(c.id, { decision: 'granted', decisionDate: TODAY() })).body.decision).toBe('granted');
  });
});

describe('Content-Type application/merge-patch+json', () => {
  it('is accepted for PATCH and merges as application/json does', async () => {
    const c = await application({ development: { dwellings: 10 } });
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', `"v${c.version}"`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ development: { departure: true } }))
      .expect(200);
    expect(res.body.development).toEqual({ dwellings: 10, departure: true });
  });
});
