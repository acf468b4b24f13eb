/**
 * Enforcement letters through the API, on real PostGIS (issue 14 item 3): each kind produced for an enforcement
 * case and its PDF read back with pdfjs (letterhead from the authority's details, the case, the officer, the
 * statutory wording of the PCN cover letter); the complainant's name and address on the letters to the complainant
 * only (never on the owner/occupier or PCN letters, never in audit rows or logs); templates edited by an admin with
 * If-Match or version (428 without, 412 stale) while old letters keep their version; the refusals; the roles.
 */
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { readPdf } from '../helpers/pdf.ts';
import { ENVELOPE_WINDOW_MM } from '../../server/documents/pdf.ts';
import type { Role } from '../../shared/roles.ts';

const COMPLAINANT = {
  role: 'complainant',
  name: 'Priya Quinton-Marsh',
  address: '41 Zebedee Gardens, London',
  postcode: 'SE17 9QX',
  email: 'priya.qm@example.org',
  phone: '020 7946 0999',
};
const PERSONAL = ['Priya', 'Quinton', 'Zebedee', 'SE17 9QX', 'priya.qm', '7946 0999'];

const logChunks: string[] = [];
const sink = new PassThrough();
sink.on('data', (c: Buffer) => logChunks.push(c.toString('utf8')));

let t: TestApp;
let enf: { id: number; reference: string };

async function enforcementCase(over: Record<string, unknown> = {}) {
  const res = await t
    .as('enforcement')
    .post('/api/cases')
    .send({
      kind: 'enforcement',
      breachType: 'unauthorised-building-works',
      description: 'Two-storey rear extension built without permission',
      siteAddress: '7 Merrick Square, London SE1 4JB',
      receivedDate: '2026-11-02',
      officer: 'enforcement.user',
      parties: [COMPLAINANT],
      ...over,
    })
    .expect(201);
  return { id: res.body.id as number, reference: res.body.reference as string };
}

async function pdfOf(url: string, role: Role = 'enforcement') {
  const res = await t
    .as(role)
    .get(url)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  return res;
}

/** The letter's whole text (every page, white space collapsed), its window lines and its title. */
async function letterText(url: string) {
  const res = await pdfOf(url);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  const pdf = await readPdf(res.body as Buffer);
  const pages = [];
  for (let n = 1; n <= pdf.numPages; n++) pages.push(await pdf.page(n));
  const window = pages[0]!.lines
    .filter(
      (l) =>
        l.xMm >= ENVELOPE_WINDOW_MM.left &&
        l.rightMm <= ENVELOPE_WINDOW_MM.left + ENVELOPE_WINDOW_MM.width &&
        l.baselineMm - l.size * 0.35 >= ENVELOPE_WINDOW_MM.top &&
        l.baselineMm <= ENVELOPE_WINDOW_MM.top + ENVELOPE_WINDOW_MM.height,
    )
    .map((l) => l.str);
  const out = { flat: pages.map((p) => p.flat).join(' '), window, raw: pdf.raw, info: pdf.info };
  await pdf.close();
  return out;
}

async function produce(caseId: number, body: Record<string, unknown>, role: Role = 'enforcement') {
  return t.as(role).post(`/api/cases/${caseId}/enforcement-letters`).send(body);
}

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info' }, sink);
  await t
    .db('authority')
    .where({ id: t.authorityId })
    .update({
      address_lines: ['160 Tooley Street', 'London'],
      postcode: 'SE1 2QH',
      phone: '020 7525 5403',
      email: 'planning.enforcement@southwark.gov.uk',
      website: 'https://www.southwark.gov.uk',
    });
  await t
    .db('app_user')
    .where({ id: t.users.enforcement.id })
    .update({ display_name: 'Sam Officer', email: 'sam.officer@southwark.gov.uk', phone: '020 7525 0001' });
  enf = await enforcementCase();
});
afterAll(async () => {
  await t.closeApp();
});

describe('each kind of letter for an enforcement case', () => {
  it('acknowledges the complaint to the complainant, with their name and address in the window', async () => {
    const res = await produce(enf.id, { kind: 'complaint-acknowledgement', date: '2026-11-04' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.location).toBe(`/api/cases/${enf.id}/enforcement-letters/${res.body.id}`);
    expect(res.body).toMatchObject({
      caseId: enf.id,
      kind: 'complaint-acknowledgement',
      recipientKind: 'complainant',
      templateVersion: 1,
      personalData: true,
      pdf: `/api/cases/${enf.id}/enforcement-letters/${res.body.id}.pdf`,
      details: { date: '2026-11-04' },
    });
    // the title names no one
    for (const p of PERSONAL) expect(res.body.title).not.toContain(p);
    const l = await letterText(res.body.pdf);
    expect(l.window).toEqual(['Priya Quinton-Marsh', '41 Zebedee Gardens', 'London', 'SE17 9QX']);
    expect(l.flat).toContain('Dear Priya Quinton-Marsh');
    expect(l.flat).toContain('Thank you for your report, which we received on 2 November 2026.');
    expect(l.flat).toContain(`Our reference: ${enf.reference}`);
    expect(l.flat).toContain('Date: 4 November 2026');
    expect(l.flat).toContain('Two-storey rear extension built without permission');
    expect(l.flat).toContain('Kind of breach reported: unauthorised building works');
    expect(l.flat).toContain('We keep your name and contact details confidential.');
    // the letterhead and contact details from the authority's details and the case officer
    expect(l.flat).toContain('Planning enforcement');
    expect(l.flat).toContain('160 Tooley Street');
    expect(l.flat).toContain('SE1 2QH');
    expect(l.flat).toContain('020 7525 5403');
    expect(l.flat).toContain('Case officer: Sam Officer');
    expect(l.flat).toContain('Email the case officer: sam.officer@southwark.gov.uk');
    expect(l.flat).toContain('Yours sincerely Sam Officer');
    // email and phone of the complainant are not on the letter
    expect(l.flat).not.toContain('priya.qm');
    expect(l.flat).not.toContain('7946 0999');
  });

  it('writes to the owner or occupier at the site address, without the complainant’s details', async () => {
    const res = await produce(enf.id, { kind: 'owner-occupier', date: '2026-11-05' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'owner-occupier',
      recipientKind: 'owner-occupier',
      personalData: false,
      // 14 days to get in touch when no date is given
      details: { date: '2026-11-05', replyBy: '2026-11-19' },
    });
    const l = await letterText(res.body.pdf);
    expect(l.window).toEqual(['The Owner or Occupier', '7 Merrick Square', 'London SE1 4JB']);
    expect(l.flat).toContain('Dear Sir or Madam');
    expect(l.flat).toContain('What has been reported: Two-storey rear extension built without permission');
    expect(l.flat).toContain('What the council may do');
    expect(l.flat).toContain('section 196A of the Town and Country Planning Act 1990');
    expect(l.flat).toContain('enforcement notice (section 172 of the Act)');
    expect(l.flat).toContain('Please contact the case officer by 19 November 2026');
    expect(l.flat).toContain('Yours faithfully Sam Officer');
    for (const p of PERSONAL) expect(l.flat).not.toContain(p);
    for (const p of PERSONAL) expect(l.raw).not.toContain(p);
  });

  it('writes to a named owner at a given address, with the reply-by date given', async () => {
    const res = await produce(enf.id, {
      kind: 'owner-occupier',
      date: '2026-11-05',
      replyBy: '2026-11-30',
      recipient: { name: 'Mr J Owner', addressLines: ['Flat 2', '9 Other Street', 'London'], postcode: 'SE1 1AA' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.personalData).toBe(true);
    const l = await letterText(res.body.pdf);
    expect(l.window).toEqual(['Mr J Owner', 'Flat 2', '9 Other Street', 'London', 'SE1 1AA']);
    expect(l.flat).toContain('Dear Mr J Owner');
    expect(l.flat).toContain('by 30 November 2026');
    expect(l.flat).toContain('Yours sincerely');
    for (const p of PERSONAL) expect(l.flat).not.toContain(p);
  });

  it('writes the planning contravention notice cover letter: s.171C, 21 days, failing to reply is an offence', async () => {
    const res = await produce(enf.id, { kind: 'pcn-cover', date: '2026-11-06' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.details).toEqual({ date: '2026-11-06' });
    const l = await letterText(res.body.pdf);
    expect(l.window).toEqual(['The Owner or Occupier', '7 Merrick Square', 'London SE1 4JB']);
    expect(l.flat).toContain('Town and Country Planning Act 1990, section 171C');
    expect(l.flat).toContain('We enclose a planning contravention notice');
    expect(l.flat).toContain('within 21 days, beginning with the day on which the notice was served on you');
    expect(l.flat).toContain('Failing to reply is an offence');
    expect(l.flat).toContain('Under section 171D of the Act, it is an offence to fail, without reasonable excuse');
    expect(l.flat).toContain('Enclosed: planning contravention notice');
    // no reply-by date invented when none is given (the 21 days run from service, which the letter cannot know)
    expect(l.flat).not.toContain('Please reply by');
    for (const p of PERSONAL) expect(l.flat).not.toContain(p);
    for (const p of PERSONAL) expect(l.raw).not.toContain(p);

    const dated = await produce(enf.id, { kind: 'pcn-cover', date: '2026-11-06', replyBy: '2026-11-27' });
    expect(dated.status).toBe(201);
    expect((await letterText(dated.body.pdf)).flat).toContain('Please reply by 27 November 2026.');
  });

  it('tells the complainant the case is closed, with the reason given on an open case', async () => {
    const res = await produce(enf.id, {
      kind: 'case-closed',
      date: '2026-12-01',
      reason: 'The owner has removed the extension.',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.details).toEqual({ date: '2026-12-01', reasonSource: 'given' });
    const l = await letterText(res.body.pdf);
    expect(l.window[0]).toBe('Priya Quinton-Marsh');
    expect(l.flat).toContain('Why we have closed the case The owner has removed the extension.');
  });

  it('takes the reason from the case’s own outcome when it is closed', async () => {
    const c = await enforcementCase();
    const v = (await t.db('case_record').where({ id: c.id }).first('version')).version as number;
    await t
      .as('enforcement')
      .patch(`/api/cases/${c.id}`)
      .send({ version: v, status: 'no-breach', decision: 'no-breach', decisionDate: '2026-11-20' })
      .expect(200);
    const res = await produce(c.id, { kind: 'case-closed', date: '2026-12-01' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.details.reasonSource).toBe('decision:no-breach');
    const l = await letterText(res.body.pdf);
    expect(l.flat).toContain('found that there has been no breach of planning control');
  });

  it('lists the case’s letters newest first and gives each one’s details', async () => {
    const list = await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters`).expect(200);
    expect(list.body.items.length).toBeGreaterThanOrEqual(6);
    const ids = list.body.items.map((i: { id: number }) => i.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const one = await t.as('gis').get(`/api/cases/${enf.id}/enforcement-letters/${ids[0]}`).expect(200);
    expect(one.body.id).toBe(ids[0]);
    // nothing in the list names the complainant
    for (const p of PERSONAL) expect(JSON.stringify(list.body)).not.toContain(p);
    await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters/999999`).expect(404);
    await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters/999999.pdf`).expect(404);
  });
});

describe('refusals', () => {
  it('refuses letters on a planning application (ENFORCEMENT_ONLY)', async () => {
    const app = await t
      .as('officer')
      .post('/api/cases')
      .send({ kind: 'application', applicationType: 'hh', description: 'Roof terrace', receivedDate: '2026-10-01' })
      .expect(201);
    const res = await produce(
      app.body.id,
      { kind: 'owner-occupier', recipient: { addressLines: ['1 A Street'] } },
      'admin',
    );
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ENFORCEMENT_ONLY');
  });

  it('refuses a case-closed letter on an open case without a reason (CLOSING_REASON_REQUIRED)', async () => {
    const res = await produce(enf.id, { kind: 'case-closed' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('CLOSING_REASON_REQUIRED');
    expect(res.body.error.message).toContain('still open');
  });

  it('refuses letters to the complainant when the case has none (NO_COMPLAINANT)', async () => {
    const c = await enforcementCase({ parties: [] });
    for (const kind of ['complaint-acknowledgement', 'case-closed']) {
      const res = await produce(c.id, { kind, ...(kind === 'case-closed' ? { reason: 'Resolved.' } : {}) });
      expect(res.status, kind).toBe(409);
      expect(res.body.error.code).toBe('NO_COMPLAINANT');
    }
  });

  it('refuses fields the kind does not take and recipients of the wrong sort', async () => {
    const bad = [
      { kind: 'owner-occupier', reason: 'x' },
      { kind: 'complaint-acknowledgement', replyBy: '2026-12-30' },
      { kind: 'owner-occupier', recipient: 1 },
      { kind: 'complaint-acknowledgement', recipient: { name: 'Someone', addressLines: ['1 Road'] } },
      { kind: 'complaint-acknowledgement', recipient: 999999 },
      { kind: 'owner-occupier', date: '2026-12-01', replyBy: '2026-12-01' },
      { kind: 'warning-letter' },
      { kind: 'pcn-cover', extra: true },
    ];
    for (const body of bad) {
      const res = await produce(enf.id, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    const noAddress = await enforcementCase({ siteAddress: undefined });
    const res = await produce(noAddress.id, { kind: 'owner-occupier' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('no site address');
  });

  it('answers an unknown case with 404', async () => {
    const res = await produce(999999, { kind: 'pcn-cover' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('CASE_NOT_FOUND');
  });
});

describe('templates', () => {
  const url = '/api/enforcement-letter-templates/owner-occupier';

  it('lists the four kinds and gives each with its variables and an ETag', async () => {
    const list = await t.as('gis').get('/api/enforcement-letter-templates').expect(200);
    expect(list.body.items.map((i: { kind: string }) => i.kind)).toEqual([
      'case-closed',
      'complaint-acknowledgement',
      'owner-occupier',
      'pcn-cover',
    ]);
    const one = await t.as('enforcement').get(url).expect(200);
    expect(one.headers.etag).toBe(`"v${one.body.current.version}"`);
    const names = one.body.variables.map((v: { name: string }) => v.name);
    expect(names).toContain('recipient.name');
    // the owner/occupier letter has no complainant variables at all
    expect(names.filter((n: string) => n.startsWith('complainant.'))).toEqual([]);
    await t.as('enforcement').get('/api/enforcement-letter-templates/nope').expect(404);
  });

  it('saves a new version with If-Match or version (428 without, 412 stale), audited; old letters keep theirs', async () => {
    const cur = (await t.as('admin').get(url).expect(200)).body;
    const edit = { title: cur.current.title, body: cur.current.body.replace('Please get in touch', 'Talk to us') };
    const none = await t.as('admin').put(url).send(edit);
    expect(none.status).toBe(428);
    expect(none.body.error.code).toBe('PRECONDITION_REQUIRED');
    const stale = await t
      .as('admin')
      .put(url)
      .send({ ...edit, version: cur.current.version + 5 });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    const staleHeader = await t.as('admin').put(url).set('If-Match', '"v99"').send(edit);
    expect(staleHeader.status).toBe(412);

    const before = await t.db('audit_log').where({ action: 'enforcement-letter-template.update' }).count({ n: '*' });
    const saved = await t.as('admin').put(url).set('If-Match', `"v${cur.current.version}"`).send(edit);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.changed).toBe(true);
    expect(saved.body.current.version).toBe(cur.current.version + 1);
    expect(saved.headers.etag).toBe(`"v${cur.current.version + 1}"`);
    const after = await t.db('audit_log').where({ action: 'enforcement-letter-template.update' }).count({ n: '*' });
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n) + 1);

    const res = await produce(enf.id, { kind: 'owner-occupier', date: '2026-11-10' });
    expect(res.body.templateVersion).toBe(cur.current.version + 1);
    expect((await letterText(res.body.pdf)).flat).toContain('Talk to us');
    // an earlier letter still has the wording it was made with
    const earlier = (await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters`)).body.items.find(
      (i: { kind: string; templateVersion: number }) => i.kind === 'owner-occupier' && i.templateVersion === 1,
    );
    expect((await letterText(earlier.pdf)).flat).toContain('Please get in touch');
  });

  it('refuses a template that would put the complainant on the owner/occupier letter or names anyone in the title', async () => {
    const cur = (await t.as('admin').get(url).expect(200)).body.current;
    const withName = await t
      .as('admin')
      .put(url)
      .send({ title: cur.title, body: `${cur.body}\nReported by {{complainant.name}}`, version: cur.version });
    expect(withName.status).toBe(422);
    expect(withName.body.error.code).toBe('TEMPLATE_INVALID');
    expect(withName.body.error.details.issues[0].message).toContain('unknown variable "complainant.name"');
    const ack = (await t.as('admin').get('/api/enforcement-letter-templates/complaint-acknowledgement')).body.current;
    const title = await t
      .as('admin')
      .put('/api/enforcement-letter-templates/complaint-acknowledgement')
      .send({ title: 'Letter to {{complainant.name}}', body: ack.body, version: ack.version });
    expect(title.status).toBe(422);
    expect(title.body.error.details.issues[0].field).toBe('title');
  });
});

describe('audit, personal data and roles', () => {
  it('audits each letter in the same transaction, naming no one', async () => {
    const res = await produce(enf.id, { kind: 'complaint-acknowledgement' });
    const row = await t
      .db('audit_log')
      .where({ action: 'enforcement-letter.create', entity_type: 'enforcement_letter', entity_id: String(res.body.id) })
      .first();
    expect(row).toBeTruthy();
    expect(row.actor).toBe('enforcement.user');
    const after = typeof row.after === 'string' ? JSON.parse(row.after) : row.after;
    expect(after).toMatchObject({ caseId: enf.id, kind: 'complaint-acknowledgement', sha256: res.body.sha256 });
    const all = JSON.stringify(await t.db('audit_log').where('action', 'like', 'enforcement-letter%').select('*'));
    for (const p of PERSONAL) expect(all).not.toContain(p);
  });

  it('never logs the complainant’s details', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const logs = logChunks.join('');
    expect(logs).toContain('enforcement-letters');
    for (const p of PERSONAL) expect(logs).not.toContain(p);
  });

  it('lets enforcement officers and admins write letters, not gis, officer or support; anonymous gets 401', async () => {
    for (const role of ['gis', 'officer', 'support'] as const) {
      const res = await produce(enf.id, { kind: 'pcn-cover' }, role);
      expect(res.status, role).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await produce(enf.id, { kind: 'pcn-cover' }, 'admin')).status).toBe(201);
    const anon = await t.anon.post(`/api/cases/${enf.id}/enforcement-letters`).send({ kind: 'pcn-cover' });
    expect(anon.status).toBe(401);
    const put = await t
      .as('enforcement')
      .put('/api/enforcement-letter-templates/pcn-cover')
      .send({ title: 'x', body: 'y' });
    expect(put.status).toBe(403);
  });

  it('gives a letter naming the complainant only to the roles that see personal details (403 for gis, 401 anonymous)', async () => {
    const ack = (await produce(enf.id, { kind: 'complaint-acknowledgement' })).body;
    expect((await pdfOf(ack.pdf, 'gis')).status).toBe(403);
    expect((await pdfOf(ack.pdf, 'officer')).status).toBe(200);
    expect((await t.anon.get(ack.pdf)).status).toBe(401);
    expect((await t.anon.get(`/api/cases/${enf.id}/enforcement-letters`)).status).toBe(401);
    // an unnamed owner/occupier letter names nobody: every staff role may read it
    const owner = (await produce(enf.id, { kind: 'pcn-cover' })).body;
    expect((await pdfOf(owner.pdf, 'gis')).status).toBe(200);
  });

  it('keeps the complainant off the public register', async () => {
    const pages = ['/register', `/register/applications/${encodeURIComponent(enf.reference.replace(/\//g, '-'))}`];
    for (const p of pages) {
      const res = await t.anon.get(p);
      for (const x of PERSONAL) expect(res.text ?? '', p).not.toContain(x);
    }
  });
});

describe('the staff letters page', () => {
  async function signIn(role: Role) {
    const agent = request.agent(t.app);
    await agent
      .post('/login')
      .type('form')
      .send({ username: `${role}.user`, password: `${role}-password-123` })
      .expect(303);
    return agent;
  }
  /** the form's cross-site token, when the page carries one */
  const tokenOf = (html: string) => {
    const m = /name="_csrf" value="([\w-]+)"/.exec(html);
    return m ? { _csrf: m[1] } : {};
  };

  it('links the letters page from an enforcement case page and produces a letter from the form', async () => {
    const agent = await signIn('enforcement');
    const casePage = await agent.get(`/cases/${enf.id}`).expect(200);
    expect(casePage.text).toContain(`href="/cases/${enf.id}/letters"`);
    const page = await agent.get(`/cases/${enf.id}/letters`).expect(200);
    expect(page.text).toContain('Produce a letter');
    expect(page.text).toContain('Planning contravention notice cover letter');
    const before = (await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters`)).body.items.length;
    const res = await agent
      .post(`/cases/${enf.id}/letters`)
      .type('form')
      .send({
        ...tokenOf(page.text),
        kind: 'owner-occupier',
        'replyBy-day': '20',
        'replyBy-month': '12',
        'replyBy-year': '2099',
        ownerAddress: '3 Other Street\nLondon',
        ownerPostcode: 'SE1 2AB',
      })
      .expect(303);
    expect(res.headers.location).toMatch(new RegExp(`^/cases/${enf.id}/letters\\?made=\\d+#letters$`));
    const items = (await t.as('enforcement').get(`/api/cases/${enf.id}/enforcement-letters`)).body.items;
    expect(items.length).toBe(before + 1);
    expect(items[0]).toMatchObject({ kind: 'owner-occupier', details: { replyBy: '2099-12-20' } });
    const l = await letterText(items[0].pdf);
    expect(l.window).toEqual(['The Owner or Occupier', '3 Other Street', 'London', 'SE1 2AB']);
  });

  it('shows a refusal beside its field, and no form to a role that may not produce letters', async () => {
    const agent = await signIn('enforcement');
    const token = tokenOf((await agent.get(`/cases/${enf.id}/letters`).expect(200)).text);
    const res = await agent
      .post(`/cases/${enf.id}/letters`)
      .type('form')
      .send({ ...token, kind: 'case-closed' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('There is a problem');
    expect(res.text).toContain('id="reason-error"');
    const none = await agent.post(`/cases/${enf.id}/letters`).type('form').send(token);
    expect(none.status).toBe(400);
    expect(none.text).toContain('Select the letter to produce');

    const gis = await signIn('gis');
    const page = await gis.get(`/cases/${enf.id}/letters`).expect(200);
    expect(page.text).not.toContain('Produce a letter');
    for (const p of PERSONAL) expect(page.text).not.toContain(p);
    const gisToken = tokenOf(page.text);
    expect(
      (
        await gis
          .post(`/cases/${enf.id}/letters`)
          .type('form')
          .send({ ...gisToken, kind: 'pcn-cover' })
      ).status,
    ).toBe(403);
  });
});
