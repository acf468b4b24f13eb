/**
 * Comments on planning applications (issue 13 item 2): the public form (no account, no cookie, no JavaScript) in
 * the consultation window, on its last day and the day after (late, by the UK calendar: the last day ends at
 * midnight British Summer Time, 23:00 UTC), validation errors beside the fields and in the summary, the honeypot,
 * the per-address and per-email limits, duplicate refusal, cross-site posts, the acknowledgement recorded through
 * the Notifier, the staff API and case page (redact and publish, reject, audit rows, no personal data for gis), and
 * what the public sees: the text and the street only, never a name, an email address or a house number.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { listPublishedComments } from '../../server/modules/comments/routes.ts';
import { streetOfAddress, streetOfPostcode } from '../../server/modules/comments/street.ts';

let t: TestApp;
const ORIGIN = 'http://127.0.0.1';
/** the last day of the consultation: a summer day, so the UK day ends at 23:00 UTC */
const END = '2026-07-20';

/** markers that must never appear in a public view or page */
const NAME = 'Zebedee Marker-Quint';
const EMAIL = 'zebedee.marker@example.org';
const HOUSE = '47b';
const ADDRESS = `Flat 2, ${HOUSE} Larkspur Road\nSouthwark`;

let seq = 0;
async function application(publication: 'published' | 'unpublished' = 'published') {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'full',
      description: `Rear extension ${++seq}`,
      siteAddress: `${seq} Comment Street, London SE1 1AA`,
      receivedDate: '2026-06-01',
      validDate: '2026-06-05',
    })
    .expect(201);
  const id = res.body.id as number;
  await t.db('case_record').where({ id }).update({ consultation_end_date: END, publication });
  return { id, slug: (res.body.reference as string).replace(/\//g, '-') };
}

const form = (over: Record<string, string> = {}) => ({
  name: NAME,
  address: ADDRESS,
  postcode: 'se1 1aa',
  email: EMAIL,
  stance: 'object',
  comment: `The extension will overshadow my garden (${Math.random().toString(36).slice(2)}).`,
  website: '',
  ...over,
});
// the site's own Host, as a browser on it sends it (an Origin names the host and port it came from)
const HOST = '127.0.0.1';
const post = (slug: string, body: Record<string, string>, origin: string | null = ORIGIN) => {
  const req = t.anon.post(`/register/applications/${slug}/comment`).set('Host', HOST).type('form');
  return (origin ? req.set('Origin', origin) : req).send(body);
};
const at = (iso: string) => vi.setSystemTime(new Date(iso));
const commentsOf = (caseId: number) => t.db('comment').where({ case_id: caseId }).orderBy('id');
const outbox = (ref: string) => t.db('notify_outbox').where({ reference: ref });

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.closeApp();
});
beforeEach(async () => {
  await t.db('rate_limit').where('key', 'like', 'comment-%').del();
  // only Date is faked: the database, sockets and timers run as usual
  vi.useFakeTimers({ toFake: ['Date'] });
  at('2026-07-10T12:00:00Z');
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the comment form', () => {
  it('is a GOV.UK form with a privacy notice, no cookie and no staff navigation', async () => {
    const a = await application();
    const res = await t.anon.get(`/register/applications/${a.slug}/comment`).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    for (const field of ['name', 'address', 'postcode', 'email', 'comment'])
      expect(res.text).toContain(`name="${field}"`);
    expect(res.text.match(/name="stance"/g)).toHaveLength(3);
    expect(res.text).toContain('the text of your comment and the name of your street');
    expect(res.text).toContain('name="website"');
    expect(res.text).not.toContain('marked as late');
  });

  it('is not there for an unpublished application or an unknown reference', async () => {
    const a = await application('unpublished');
    await t.anon.get(`/register/applications/${a.slug}/comment`).expect(404);
    await post(a.slug, form()).expect(404);
    await t.anon.get('/register/applications/26-AP-9999/comment').expect(404);
    expect(await commentsOf(a.id)).toHaveLength(0);
  });
});

describe('POST /register/applications/:slug/comment', () => {
  it('accepts a comment in the window: stored, not late, audited without personal details, acknowledged', async () => {
    const a = await application();
    const res = await post(a.slug, form({ stance: 'support' })).expect(303);
    expect(res.headers.location).toBe(`/register/applications/${a.slug}/comment/sent`);
    expect(res.headers['set-cookie']).toBeUndefined();
    const [c] = await commentsOf(a.id);
    expect(c).toMatchObject({ name: NAME, email: EMAIL, postcode: 'SE1 1AA', stance: 'support', status: 'new' });
    expect(c.late).toBe(false);
    expect(c.street).toBe('Larkspur Road');
    expect(c.ip_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(c.ip_hash).not.toContain('127.0.0.1');
    expect(c.ack_sent_at).not.toBeNull();
    const [ack] = await outbox(`comment-${c.id}`);
    expect(ack).toMatchObject({ template: 'comment-acknowledgement', to_address: EMAIL });
    expect(ack.personalisation).toMatchObject({ late: 'no' });
    const [audit] = await t.db('audit_log').where({ entity_type: 'comment', entity_id: String(c.id) });
    expect(audit).toMatchObject({ action: 'comment.receive', actor: 'public' });
    const auditText = JSON.stringify(audit);
    for (const m of [NAME, EMAIL, HOUSE, 'Larkspur']) expect(auditText).not.toContain(m);
    const sent = await t.anon.get(res.headers.location!).expect(200);
    expect(sent.text).toContain('Comment sent');
    expect(sent.text).not.toContain('marked as late');
  });

  it('on the last day of the consultation (23:59:59 BST) the comment is not late', async () => {
    const a = await application();
    at(`${END}T22:59:59Z`);
    const res = await post(a.slug, form()).expect(303);
    expect(res.headers.location).not.toContain('late');
    expect((await commentsOf(a.id))[0].late).toBe(false);
  });

  it('the day after (00:00:01 BST) it is accepted, marked late and the commenter is told', async () => {
    const a = await application();
    at(`${END}T23:00:01Z`);
    const page = await t.anon.get(`/register/applications/${a.slug}/comment`).expect(200);
    expect(page.text).toContain('marked as late');
    const res = await post(a.slug, form()).expect(303);
    expect(res.headers.location).toBe(`/register/applications/${a.slug}/comment/sent?late=1`);
    const [c] = await commentsOf(a.id);
    expect(c.late).toBe(true);
    expect((await outbox(`comment-${c.id}`))[0].personalisation).toMatchObject({ late: 'yes' });
    const sent = await t.anon.get(res.headers.location!).expect(200);
    expect(sent.text).toContain('marked as late');
    expect(sent.text).toContain('20 July 2026');
  });

  it('with no consultation end known, a comment is not late (unknown is not "after")', async () => {
    const a = await application();
    await t.db('case_record').where({ id: a.id }).update({ consultation_end_date: null });
    at('2027-01-05T12:00:00Z');
    await post(a.slug, form()).expect(303);
    expect((await commentsOf(a.id))[0].late).toBe(false);
  });

  it('shows each validation error beside its field and in the error summary, keeping what was typed', async () => {
    const a = await application();
    const res = await post(a.slug, {
      name: ' ',
      address: '',
      postcode: 'NOT A CODE',
      email: 'nope',
      comment: '',
    }).expect(400);
    expect(res.text).toContain('govuk-error-summary');
    for (const [field, msg] of [
      ['name', 'Enter your name'],
      ['address', 'Enter your address'],
      ['postcode', 'Enter a real postcode, like SE1 2QH'],
      ['email', 'Enter an email address in the correct format, like name@example.com'],
      ['stance', 'Select whether you support, object or are neutral'],
      ['comment', 'Enter your comment'],
    ]) {
      expect(res.text).toContain(`href="#${field}"`);
      expect(res.text).toMatch(
        new RegExp(`id="${field}-error"[^>]*>\\s*<span class="govuk-visually-hidden">Error:</span> ${msg}`),
      );
    }
    expect(res.text).toContain('value="NOT A CODE"');
    expect(res.text).toMatch(/<title>Error: /);
    expect(await commentsOf(a.id)).toHaveLength(0);
  });

  it('takes a comment of exactly the maximum length and refuses one character more', async () => {
    const a = await application();
    const tooLong = await post(a.slug, form({ comment: 'x'.repeat(6001) })).expect(400);
    expect(tooLong.text).toContain('Your comment must be 6,000 characters or fewer');
    await post(a.slug, form({ comment: 'y'.repeat(6000) })).expect(303);
    expect(await commentsOf(a.id)).toHaveLength(1);
  });

  it('tells a robot that fills the honeypot "sent" and stores and sends nothing', async () => {
    const a = await application();
    const before = Number((await t.db('notify_outbox').count({ n: '*' }))[0]!.n);
    const res = await post(a.slug, form({ website: 'http://spam.example' })).expect(303);
    expect(res.headers.location).toBe(`/register/applications/${a.slug}/comment/sent`);
    expect(await commentsOf(a.id)).toHaveLength(0);
    expect(Number((await t.db('notify_outbox').count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('refuses the same comment sent twice (whatever its spacing and case), keeping the first', async () => {
    const a = await application();
    await post(a.slug, form({ comment: 'Too tall for the street.' })).expect(303);
    const again = await post(a.slug, form({ comment: '  too TALL for the   street ' })).expect(409);
    expect(again.text).toContain('You have already sent this comment on this application');
    expect(await commentsOf(a.id)).toHaveLength(1);
    // the same words on another application are another comment
    const b = await application();
    await post(b.slug, form({ comment: 'Too tall for the street.' })).expect(303);
  });

  it('refuses a post from another site (Origin, else Referer), cookie-less forms having no token', async () => {
    const a = await application();
    const res = await post(a.slug, form(), 'https://evil.example').expect(403);
    expect(res.text).toContain('sent from another website');
    await t.anon
      .post(`/register/applications/${a.slug}/comment`)
      .type('form')
      .set('Referer', 'https://evil.example/page')
      .send(form())
      .expect(403);
    expect(await commentsOf(a.id)).toHaveLength(0);
    await t.anon
      .post(`/register/applications/${a.slug}/comment`)
      .type('form')
      .set('Host', HOST)
      .set('Referer', `${ORIGIN}/register/applications/${a.slug}/comment`)
      .send(form())
      .expect(303);
    // no Origin and no Referer: not a browser form on another site
    await post(a.slug, form(), null).expect(303);
  });

  it('limits comments per email address: 5 an hour, the 6th refused with a message', async () => {
    const a = await application();
    for (let i = 0; i < 5; i++) await post(a.slug, form({ email: 'Busy@Example.org' })).expect(303);
    const res = await post(a.slug, form({ email: 'busy@example.org' })).expect(429);
    expect(res.text).toContain('Too many comments have been sent with this email address');
    expect(await commentsOf(a.id)).toHaveLength(5);
    // the limit's key is not the address
    const keys = (await t.db('rate_limit').where('key', 'like', 'comment-email:%')).map((r) => r.key as string);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).not.toContain('example');
  });

  it('limits posts per client address: 20 an hour, the 21st refused', async () => {
    const a = await application();
    for (let i = 0; i < 20; i++) await post(a.slug, { comment: '' }).expect(400);
    const res = await post(a.slug, form()).expect(429);
    expect(res.text).toContain('Too many comments have been sent from your connection');
    expect(await commentsOf(a.id)).toHaveLength(0);
  });
});

describe('staff: GET /api/cases/:id/comments and PATCH /api/cases/:id/comments/:commentId', () => {
  it('lists comments with the commenter for officers, without personal details or unpublished text for gis', async () => {
    const a = await application();
    await post(a.slug, form({ comment: `My neighbour ${NAME} agrees.` })).expect(303);
    const officer = (await t.as('officer').get(`/api/cases/${a.id}/comments`).expect(200)).body;
    expect(officer.total).toBe(1);
    expect(officer.new).toBe(1);
    expect(officer.items[0]).toMatchObject({
      stance: 'object',
      status: 'new',
      late: false,
      street: 'Larkspur Road',
      commenter: { name: NAME, email: EMAIL, postcode: 'SE1 1AA', address: ADDRESS },
    });
    const gis = await t.as('gis').get(`/api/cases/${a.id}/comments`).expect(200);
    expect(gis.body.items[0]).toMatchObject({ stance: 'object', status: 'new', publishedText: null });
    expect(gis.body.items[0].commenter).toBeUndefined();
    expect(gis.body.items[0].text).toBeUndefined();
    for (const m of [NAME, EMAIL, HOUSE]) expect(gis.text).not.toContain(m);
    await t.anon.get(`/api/cases/${a.id}/comments`).expect(401);
    await t.as('officer').get('/api/cases/999999/comments').expect(404);
  });

  it('redacts and publishes (audited), gis may not; the public sees the redacted text and the street only', async () => {
    const a = await application();
    await post(a.slug, form({ comment: `Ask ${NAME} at ${EMAIL}: the wall is too high.` })).expect(303);
    const [c] = await commentsOf(a.id);
    const url = `/api/cases/${a.id}/comments/${c.id}`;
    const body = {
      status: 'published',
      redactedText: 'Ask [redacted]: the wall is too high.',
      reason: 'names removed',
    };
    await t.as('gis').patch(url).send(body).expect(403);
    await t.as('officer').patch(url).send({ status: 'published' }).expect(400);
    await t.as('officer').patch(`/api/cases/${a.id}/comments/999999`).send(body).expect(404);
    const version = async () =>
      Number((await t.db('case_record').where({ id: a.id }).first('data_version')).data_version);
    const v0 = await version();
    const res = await t.as('officer').patch(url).send(body).expect(200);
    // the application's public data version moves (page ETags, tiles)
    expect(await version()).toBeGreaterThan(v0);
    expect(res.body.comment).toMatchObject({
      status: 'published',
      publishedText: 'Ask [redacted]: the wall is too high.',
      publishedBy: 'officer.user',
      statusReason: 'names removed',
    });
    const [audit] = await t
      .db('audit_log')
      .where({ entity_type: 'comment', action: 'comment.publish' })
      .andWhere({
        entity_id: String(c.id),
      });
    expect(audit).toMatchObject({ actor: 'officer.user' });
    expect(audit.after).toMatchObject({ status: 'published', redacted: true, reason: 'names removed' });
    expect(audit.before).toMatchObject({ status: 'new', redacted: false });
    for (const m of [NAME, EMAIL]) expect(JSON.stringify(audit)).not.toContain(m);

    // the public view: the allow-listed columns, the redacted text, the street
    const rows = await t.db('public_comment').where({ application_id: a.id });
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0]).sort()).toEqual(['application_id', 'id', 'published_at', 'stance', 'street', 'text']);
    expect(rows[0]).toMatchObject({ text: 'Ask [redacted]: the wall is too high.', street: 'Larkspur Road' });
    const listed = await listPublishedComments(t.db, a.id);
    expect(listed).toEqual([
      expect.objectContaining({
        stance: 'object',
        text: 'Ask [redacted]: the wall is too high.',
        street: 'Larkspur Road',
      }),
    ]);
    const everything = JSON.stringify({ rows, listed });
    for (const m of [NAME, EMAIL, HOUSE, 'Flat 2']) expect(everything).not.toContain(m);
    // the application page (rendered by the register) names no commenter either
    const page = await t.anon.get(`/register/applications/${a.slug}`);
    for (const m of [NAME, EMAIL, `${HOUSE} Larkspur`, 'Flat 2']) expect(page.text).not.toContain(m);
    if (page.status === 200 && page.text.includes('the wall is too high')) expect(page.text).toContain('Larkspur Road');

    // rejecting withdraws it from the public view
    await t.as('support').patch(url).send({ status: 'rejected', reason: 'withdrawn by request' }).expect(200);
    expect(await t.db('public_comment').where({ application_id: a.id })).toHaveLength(0);
    expect(
      await t.db('audit_log').where({ entity_type: 'comment', action: 'comment.reject', entity_id: String(c.id) }),
    ).toHaveLength(1);
  });

  it('publishes a comment unredacted when the text is left as received; unpublished applications show none', async () => {
    const a = await application();
    await post(a.slug, form({ comment: 'Fine by me.', stance: 'support' })).expect(303);
    const [c] = await commentsOf(a.id);
    await t
      .as('admin')
      .patch(`/api/cases/${a.id}/comments/${c.id}`)
      .send({ status: 'published', redactedText: 'Fine by me.', reason: 'nothing to remove' })
      .expect(200);
    expect((await commentsOf(a.id))[0].redacted_text).toBeNull();
    expect(await listPublishedComments(t.db, a.id)).toEqual([expect.objectContaining({ text: 'Fine by me.' })]);
    await t.db('case_record').where({ id: a.id }).update({ publication: 'withdrawn' });
    expect(await listPublishedComments(t.db, a.id)).toEqual([]);
  });

  it('the staff case page lists comments with publish and reject forms that work without JavaScript', async () => {
    const a = await application();
    await post(a.slug, form({ comment: `Call ${NAME} about the trees.` })).expect(303);
    const [c] = await commentsOf(a.id);
    const page = await t.as('officer').get(`/cases/${a.id}`).expect(200);
    expect(page.text).toContain('id="comments"');
    expect(page.text).toContain(`action="/cases/${a.id}/comments/${c.id}"`);
    expect(page.text).toContain(NAME);
    const gisPage = await t.as('gis').get(`/cases/${a.id}`).expect(200);
    expect(gisPage.text).toContain('id="comments"');
    for (const m of [NAME, EMAIL]) expect(gisPage.text).not.toContain(m);
    expect(gisPage.text).not.toContain(`action="/cases/${a.id}/comments/${c.id}"`);

    await t
      .as('officer')
      .post(`/cases/${a.id}/comments/${c.id}`)
      .type('form')
      .send({ status: 'published', redactedText: 'Call [redacted] about the trees.', reason: '' })
      .expect(400);
    const done = await t
      .as('officer')
      .post(`/cases/${a.id}/comments/${c.id}`)
      .type('form')
      .send({ status: 'published', redactedText: 'Call [redacted] about the trees.', reason: 'name removed' })
      .expect(303);
    expect(done.headers.location).toBe(`/cases/${a.id}#comments`);
    expect(await listPublishedComments(t.db, a.id)).toEqual([
      expect.objectContaining({ text: 'Call [redacted] about the trees.' }),
    ]);
    await t
      .as('gis')
      .post(`/cases/${a.id}/comments/${c.id}`)
      .type('form')
      .send({ status: 'rejected', reason: 'x' })
      .expect(403);
  });
});

describe('the street published with a comment', () => {
  it('is the street without a house number, flat or house name; null when it cannot be told', () => {
    expect(streetOfAddress('12 High Street, London')).toBe('High Street');
    expect(streetOfAddress('Flat 3, Wessex Court, 12-14 Old Kent Road')).toBe('Old Kent Road');
    expect(streetOfAddress('Rose Cottage, Mill Lane, Bexley')).toBe('Mill Lane');
    expect(streetOfAddress('Rose Cottage\nBexley')).toBeNull();
    expect(streetOfAddress('12a')).toBeNull();
    expect(streetOfAddress('Apartment 7 Larch Avenue')).toBe('Larch Avenue');
    expect(streetOfPostcode([['1 Elm Grove', 'London'], ['2 Elm Grove'], ['Flat 1, 3 Oak Road']])).toBe('Elm Grove');
    expect(streetOfPostcode([])).toBeNull();
  });

  it("comes from the postcode's addresses when the address names no street", async () => {
    await t
      .as('gis')
      .put('/api/addresses/data?filename=addresses.csv')
      .set('If-Match', '*')
      .send(
        'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
          '920000000001,1 Quince Walk,London,SE9 9ZZ,533030,179010\n' +
          '920000000002,2 Quince Walk,London,SE9 9ZZ,533035,179010\n',
      )
      .expect(200);
    const a = await application();
    await post(a.slug, form({ address: 'The Old Forge', postcode: 'SE99ZZ' })).expect(303);
    const [c] = await commentsOf(a.id);
    expect(c.postcode).toBe('SE9 9ZZ');
    expect(c.street).toBe('Quince Walk');
  });
});
