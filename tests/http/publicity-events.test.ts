/** Publicity events put right through the API: corrections (a new event superseding the old, which is kept),
 *  voids (kept, marked, no longer counting), the reason both need, what each kind records, and events recorded with
 *  the site notice, press advert or neighbour letters that give notice of them (both or neither). Dates are
 *  hand-worked: day 1 is the event's date, the 21st day ends its window, the earliest decision is the day after the
 *  last window (October and November 2026 hold no bank holiday). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { caseEtag } from '../helpers/if-match.ts';

let t: TestApp;
const square = (x: number, y: number, side: number) => ({
  type: 'Polygon',
  coordinates: [
    [
      [x, y],
      [x + side, y],
      [x + side, y + side],
      [x, y + side],
      [x, y],
    ],
  ],
});
/** 3 addresses 10–20 m east of the site */
const addressCsv =
  'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
  [0, 1, 2].map((i) => `${910000000001 + i},${i + 1} Event Street,London,SE1 1AA,${533030 + i * 5},179010`).join('\n') +
  '\n';

async function application() {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: 'Rear extension',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
    })
    .expect(201);
  const id = res.body.id as number;
  await t
    .as('officer')
    .put(`/api/cases/${id}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, id))
    .send({ geometry: square(533000, 179000, 20) })
    .expect(200);
  return id;
}
async function runOf(caseId: number) {
  const res = await t
    .as('support')
    .post(`/api/cases/${caseId}/notification-runs`)
    .send({ selection: { radiusM: 60 } })
    .expect(201);
  return res.body as { id: number; recipients: unknown[] };
}
const record = (caseId: number, body: Record<string, unknown>) =>
  t.as('officer').post(`/api/cases/${caseId}/publicity-events`).send(body);
const notice = (date: string) => ({ kind: 'site-notice', date, noticeCount: 2, places: ['gate', 'lamp post no. 4'] });
const letters = (date: string) => ({ kind: 'neighbour-letters', date, letterCount: 3 });
const publicity = async (caseId: number) =>
  (await t.as('officer').get(`/api/cases/${caseId}/publicity`).expect(200)).body;
const countRows = async (table: string, caseId: number) =>
  Number((await t.db(table).where({ case_id: caseId }).count({ n: '*' }))[0]!.n);
const audits = (caseId: number, action: string) => t.db('audit_log').where({ action, entity_id: String(caseId) });

beforeAll(async () => {
  t = await startTestApp();
  await t.as('gis').put('/api/addresses/data?filename=addresses.csv').set('If-Match', '*').send(addressCsv).expect(200);
});
afterAll(async () => {
  await t.closeApp();
});

describe('PATCH /api/cases/:id/publicity-events/:eventId (correct)', () => {
  it('stores the correction as a new event, keeps the original as it was, audits it and recomputes the dates', async () => {
    const id = await application();
    const first = await record(id, notice('2026-10-17')).expect(201);
    const old = first.body.event;
    // displayed Saturday 17 October: the 21st day is Friday 6 November
    expect(first.body.publicity.earliestDecisionDate).toBe('2026-11-07');

    const res = await t
      .as('support')
      .patch(`/api/cases/${id}/publicity-events/${old.id}`)
      .send({ reason: 'date mistyped from the posting log', date: '2026-10-13' })
      .expect(200);
    const fixed = res.body.event;
    expect(fixed.id).not.toBe(old.id);
    expect(fixed).toMatchObject({
      kind: 'site-notice',
      date: '2026-10-13',
      noticeCount: 2,
      places: ['gate', 'lamp post no. 4'],
      supersedes: old.id,
      correctionReason: 'date mistyped from the posting log',
      status: 'current',
      recordedBy: 'support.user',
    });
    // displayed Tuesday 13 October: the 21st day is Monday 2 November (were the superseded version still counted,
    // its later window would govern and the date would stay 7 November)
    expect(res.body.publicity.earliestDecisionDate).toBe('2026-11-03');

    const p = await publicity(id);
    expect(p.events.map((e: { id: number }) => e.id)).toEqual([fixed.id]);
    const kept = p.eventHistory.find((e: { id: number }) => e.id === old.id);
    expect(kept).toMatchObject({ date: '2026-10-17', status: 'superseded', supersededBy: fixed.id });
    const row = await t.db('publicity_event').where({ id: old.id }).first();
    expect(row.date).toBe('2026-10-17');

    const [audit] = await audits(id, 'publicity-event.correct');
    expect(audit.before).toMatchObject({ id: old.id, date: '2026-10-17' });
    expect(audit.after).toMatchObject({ id: fixed.id, date: '2026-10-13', supersedes: old.id });

    // the superseded version is not corrected again: the current one is
    const again = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${old.id}`)
      .send({ reason: 'again', date: '2026-10-18' })
      .expect(409);
    expect(again.body.error.code).toBe('PUBLICITY_EVENT_SUPERSEDED');
    expect(again.body.error.details.supersededBy).toBe(fixed.id);
    expect(await countRows('publicity_event', id)).toBe(2);
  });

  it('corrects a field of the kind and keeps the rest; refuses a field of another kind and a change that changes nothing', async () => {
    const id = await application();
    const ev = (await record(id, notice('2026-10-17')).expect(201)).body.event;
    const more = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${ev.id}`)
      .send({ reason: 'a third notice was posted', noticeCount: 3, places: ['gate', 'lamp post no. 4', 'corner'] })
      .expect(200);
    expect(more.body.event).toMatchObject({ date: '2026-10-17', noticeCount: 3 });
    const cur = more.body.event.id;
    const foreign = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${cur}`)
      .send({ reason: 'wrong', newspaper: 'Southwark News' })
      .expect(400);
    expect(foreign.body.error.details.issues[0].path).toBe('body.newspaper');
    const same = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${cur}`)
      .send({ reason: 'no change', noticeCount: 3 })
      .expect(400);
    expect(same.body.error.message).toMatch(/changes nothing/);
    // one notice fewer than the places listed: refused
    const fewer = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${cur}`)
      .send({ reason: 'miscounted', noticeCount: 2 })
      .expect(400);
    expect(fewer.body.error.details.issues[0].path).toBe('body.places');
    const early = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${cur}`)
      .send({ reason: 'wrong', date: '2026-09-30' })
      .expect(400);
    expect(early.body.error.details.issues[0].path).toBe('body.date');
    expect(await countRows('publicity_event', id)).toBe(2);
  });

  it('says which event is not there, and refuses the roles that may not record publicity', async () => {
    const id = await application();
    const other = await application();
    const ev = (await record(other, notice('2026-10-17')).expect(201)).body.event;
    const missing = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${ev.id}`)
      .send({ reason: 'x', date: '2026-10-18' })
      .expect(404);
    expect(missing.body.error.code).toBe('PUBLICITY_EVENT_NOT_FOUND');
    await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/abc`)
      .send({ reason: 'x', date: '2026-10-18' })
      .expect(404);
    await t
      .as('enforcement')
      .patch(`/api/cases/${other}/publicity-events/${ev.id}`)
      .send({ reason: 'x', date: '2026-10-18' })
      .expect(403);
    await t.as('gis').post(`/api/cases/${other}/publicity-events/${ev.id}/void`).send({ reason: 'x' }).expect(403);
    expect((await publicity(other)).events).toHaveLength(1);
  });
});

describe('POST /api/cases/:id/publicity-events/:eventId/void', () => {
  it('keeps the voided event on the record, marked void, and stops it counting towards the dates', async () => {
    const id = await application();
    // letters served Friday 9 October: the 21st day is Thursday 29 October
    await record(id, letters('2026-10-09')).expect(201);
    const sn = (await record(id, notice('2026-10-17')).expect(201)).body;
    expect(sn.publicity.earliestDecisionDate).toBe('2026-11-07');

    const res = await t
      .as('officer')
      .post(`/api/cases/${id}/publicity-events/${sn.event.id}/void`)
      .send({ reason: 'recorded on the wrong case' })
      .expect(200);
    expect(res.body.event).toMatchObject({
      id: sn.event.id,
      status: 'voided',
      voidReason: 'recorded on the wrong case',
      voidedBy: 'officer.user',
      date: '2026-10-17',
    });
    expect(res.body.publicity.earliestDecisionDate).toBe('2026-10-30');
    const p = await publicity(id);
    expect(p.events.map((e: { kind: string }) => e.kind)).toEqual(['neighbour-letters']);
    expect(p.eventHistory.find((e: { id: number }) => e.id === sn.event.id).status).toBe('voided');
    expect(p.windows.byKind.map((w: { kind: string }) => w.kind)).not.toContain('site-notice');
    const [audit] = await audits(id, 'publicity-event.void');
    expect(audit.before).toMatchObject({ id: sn.event.id, voidedAt: null });
    expect(audit.after).toMatchObject({ id: sn.event.id, voidReason: 'recorded on the wrong case' });

    const twice = await t
      .as('officer')
      .post(`/api/cases/${id}/publicity-events/${sn.event.id}/void`)
      .send({ reason: 'again' })
      .expect(409);
    expect(twice.body.error.code).toBe('PUBLICITY_EVENT_VOIDED');
    const fix = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${sn.event.id}`)
      .send({ reason: 'undo', date: '2026-10-18' })
      .expect(409);
    expect(fix.body.error.code).toBe('PUBLICITY_EVENT_VOIDED');
    expect(await audits(id, 'publicity-event.void')).toHaveLength(1);
  });

  it('refuses to correct or void without a reason, and changes nothing', async () => {
    const id = await application();
    const ev = (await record(id, notice('2026-10-17')).expect(201)).body.event;
    for (const body of [{}, { reason: '   ' }, { reason: '' }]) {
      const v = await t.as('officer').post(`/api/cases/${id}/publicity-events/${ev.id}/void`).send(body).expect(400);
      expect(v.body.error.details.issues[0].path).toBe('body.reason');
      expect(v.body.error.message).toMatch(/reason/);
      const c = await t
        .as('officer')
        .patch(`/api/cases/${id}/publicity-events/${ev.id}`)
        .send({ ...body, date: '2026-10-18' })
        .expect(400);
      expect(c.body.error.details.issues[0].path).toBe('body.reason');
    }
    const bare = await t
      .as('officer')
      .patch(`/api/cases/${id}/publicity-events/${ev.id}`)
      .send({ reason: 'nothing given' })
      .expect(400);
    expect(bare.body.error.details.issues[0].path).toBe('body');
    const p = await publicity(id);
    expect(p.eventHistory).toHaveLength(1);
    expect(p.eventHistory[0].status).toBe('current');
    expect(await audits(id, 'publicity-event.void')).toHaveLength(0);
    expect(await audits(id, 'publicity-event.correct')).toHaveLength(0);
  });
});

describe('what each kind of event records', () => {
  it('press advert: needs the newspaper; the edition date is the date unless given', async () => {
    const id = await application();
    const none = await record(id, { kind: 'press-advert', date: '2026-10-15' }).expect(400);
    expect(none.body.error.details.issues[0].path).toBe('body.newspaper');
    const a = await record(id, { kind: 'press-advert', date: '2026-10-15', newspaper: 'Southwark News' }).expect(201);
    expect(a.body.event).toMatchObject({ newspaper: 'Southwark News', editionDate: '2026-10-15', noticeCount: null });
    const b = await record(id, {
      kind: 'press-advert',
      date: '2026-10-15',
      newspaper: 'Evening Standard',
      editionDate: '2026-10-16',
    }).expect(201);
    expect(b.body.event.editionDate).toBe('2026-10-16');
    const wrong = await record(id, { kind: 'press-advert', date: '2026-10-15', newspaper: 'X', places: ['gate'] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details.issues[0].path).toBe('body.places');
  });

  it('site notice: needs how many and where; no more places than notices (equal is fine)', async () => {
    const id = await application();
    const noPlaces = await record(id, { kind: 'site-notice', date: '2026-10-17', noticeCount: 1 }).expect(400);
    expect(noPlaces.body.error.details.issues[0].path).toBe('body.places');
    const noCount = await record(id, { kind: 'site-notice', date: '2026-10-17', places: ['gate'] }).expect(400);
    expect(noCount.body.error.details.issues[0].path).toBe('body.noticeCount');
    const over = await record(id, { kind: 'site-notice', date: '2026-10-17', noticeCount: 2, places: ['a', 'b', 'c'] });
    expect(over.status).toBe(400);
    expect(over.body.error.details.issues[0].path).toBe('body.places');
    const empty = await record(id, { kind: 'site-notice', date: '2026-10-17', noticeCount: 1, places: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.issues[0].path).toBe('body.places');
    const zero = await record(id, { kind: 'site-notice', date: '2026-10-17', noticeCount: 0, places: ['a'] });
    expect(zero.status).toBe(400);
    expect(zero.body.error.details.issues[0].path).toBe('body.noticeCount');
    const ok = await record(id, { kind: 'site-notice', date: '2026-10-17', noticeCount: 3, places: ['a', 'b', 'c'] });
    expect(ok.status).toBe(201);
    expect(ok.body.event).toMatchObject({ noticeCount: 3, places: ['a', 'b', 'c'], newspaper: null });
    expect(await countRows('publicity_event', id)).toBe(1);
  });

  it('neighbour letters: need the count, or the run (whose recipients give it, and bound it)', async () => {
    const id = await application();
    const run = await runOf(id);
    const n = run.recipients.length;
    expect(n).toBe(3);
    const none = await record(id, { kind: 'neighbour-letters', date: '2026-10-09' }).expect(400);
    expect(none.body.error.details.issues[0].path).toBe('body.letterCount');
    const fromRun = await record(id, { kind: 'neighbour-letters', date: '2026-10-09', runId: run.id }).expect(201);
    expect(fromRun.body.event).toMatchObject({ runId: run.id, letterCount: 3 });
    const atMost = await record(id, { kind: 'neighbour-letters', date: '2026-10-09', runId: run.id, letterCount: n });
    expect(atMost.status).toBe(201);
    const beyond = await record(id, {
      kind: 'neighbour-letters',
      date: '2026-10-09',
      runId: run.id,
      letterCount: n + 1,
    }).expect(400);
    expect(beyond.body.error.details.issues[0].path).toBe('body.letterCount');
    const other = await application();
    const foreign = await record(other, { kind: 'neighbour-letters', date: '2026-10-09', runId: run.id }).expect(404);
    expect(foreign.body.error.code).toBe('RUN_NOT_FOUND');
    const notHere = await record(id, { kind: 'website', date: '2026-10-09', letterCount: 2 }).expect(400);
    expect(notHere.body.error.details.issues[0].path).toBe('body.letterCount');
  });
});

describe('POST /api/cases/:id/documents with recordEvent', () => {
  const make = (caseId: number, body: Record<string, unknown>) =>
    t.as('officer').post(`/api/cases/${caseId}/documents`).send(body);

  it('records the site notice with the notice, in one step, and dates the notice from it', async () => {
    const id = await application();
    const res = await make(id, {
      kind: 'site-notice',
      recordEvent: { date: '2026-10-17', noticeCount: 2, places: ['gate', 'lamp post no. 4'] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.publicityEvent).toMatchObject({
      kind: 'site-notice',
      date: '2026-10-17',
      noticeCount: 2,
      documentId: res.body.id,
      status: 'current',
    });
    expect(res.body.details).toMatchObject({ publicityDate: '2026-10-17', commentBy: '2026-11-06' });
    const p = await publicity(id);
    expect(p.events.map((e: { id: number }) => e.id)).toEqual([res.body.publicityEvent.id]);
    expect(p.earliestDecisionDate).toBe('2026-11-07');
    expect(await audits(id, 'publicity-event.create')).toHaveLength(1);
  });

  it('records the press advert with its newspaper, and the neighbour letters with their run and count', async () => {
    const id = await application();
    const advert = await make(id, {
      kind: 'press-advert',
      recordEvent: { date: '2026-10-15', newspaper: 'Southwark News', editionDate: '2026-10-15' },
    });
    expect(advert.status, JSON.stringify(advert.body)).toBe(201);
    expect(advert.body.publicityEvent).toMatchObject({ kind: 'press-advert', newspaper: 'Southwark News' });
    const run = await runOf(id);
    const letter = await make(id, { kind: 'neighbour-letter', recordEvent: { date: '2026-10-09' } });
    expect(letter.status, JSON.stringify(letter.body)).toBe(201);
    expect(letter.body.publicityEvent).toMatchObject({
      kind: 'neighbour-letters',
      runId: run.id,
      letterCount: 3,
      documentId: letter.body.id,
    });
    expect((await publicity(id)).events).toHaveLength(2);
  });

  it('refuses recordEvent for kinds that give no notice, an incomplete event, or a differing publicityDate: no document, no event', async () => {
    const id = await application();
    const consultee = await make(id, {
      kind: 'consultee-letter',
      consultee: { organisation: 'Highways', addressLines: ['1 Road'] },
      recordEvent: { date: '2026-10-17' },
    }).expect(400);
    expect(consultee.body.error.details.issues[0].path).toBe('body.recordEvent');
    const incomplete = await make(id, { kind: 'site-notice', recordEvent: { date: '2026-10-17', noticeCount: 1 } });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.details.issues[0].path).toBe('body.recordEvent.places');
    const early = await make(id, {
      kind: 'site-notice',
      recordEvent: { date: '2026-09-30', noticeCount: 1, places: ['gate'] },
    }).expect(400);
    expect(early.body.error.details.issues[0].path).toBe('body.recordEvent.date');
    const differs = await make(id, {
      kind: 'site-notice',
      publicityDate: '2026-10-18',
      recordEvent: { date: '2026-10-17', noticeCount: 1, places: ['gate'] },
    }).expect(400);
    expect(differs.body.error.details.issues[0].path).toBe('body.publicityDate');
    const run = await make(id, {
      kind: 'neighbour-letter',
      recordEvent: { date: '2026-10-09', runId: 1 },
    }).expect(400);
    expect(run.body.error.details.issues[0].path).toBe('body.recordEvent');
    expect(await countRows('document', id)).toBe(0);
    expect(await countRows('publicity_event', id)).toBe(0);
  });

  it('leaves no event when the document is refused (no neighbour run yet)', async () => {
    const id = await application();
    const res = await make(id, { kind: 'neighbour-letter', recordEvent: { date: '2026-10-09' } }).expect(409);
    expect(res.body.error.code).toBe('NO_NEIGHBOUR_RUN');
    expect(await countRows('publicity_event', id)).toBe(0);
  });

  it('stores neither when the transaction fails after both are written', async () => {
    const id = await application();
    // the last statement of the transaction (the event's audit row) fails: the document goes with it
    await t.db.raw(`
      CREATE FUNCTION test_fail_event_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: the event audit fails'; END $$;
      CREATE TRIGGER test_fail_event_audit BEFORE INSERT ON audit_log FOR EACH ROW
        WHEN (NEW.action = 'publicity-event.create') EXECUTE FUNCTION test_fail_event_audit();`);
    try {
      const res = await make(id, {
        kind: 'site-notice',
        recordEvent: { date: '2026-10-17', noticeCount: 1, places: ['gate'] },
      });
      expect(res.status).toBe(500);
    } finally {
      await t.db.raw('DROP TRIGGER test_fail_event_audit ON audit_log; DROP FUNCTION test_fail_event_audit();');
    }
    expect(await countRows('document', id)).toBe(0);
    expect(await countRows('publicity_event', id)).toBe(0);
    expect(
      await t
        .db('audit_log')
        .where({ action: 'document.create' })
        .whereRaw("after->>'caseId' = ?", [String(id)]),
    ).toHaveLength(0);
    // and with the failure gone, the same request records both
    const ok = await make(id, {
      kind: 'site-notice',
      recordEvent: { date: '2026-10-17', noticeCount: 1, places: ['gate'] },
    });
    expect(ok.status).toBe(201);
    expect(await countRows('document', id)).toBe(1);
    expect(await countRows('publicity_event', id)).toBe(1);
  });
});
