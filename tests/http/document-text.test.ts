/**
 * Every statutory document read back from its PDF (pdfjs) for a Merrick Square householder case in a conservation
 * area by listed buildings, a listed building consent and an enforcement case, with the authority's details, logo
 * and the case officer's contact configured (issue 14 item 2): how and by when to comment (online, email, post),
 * where to see the plans, the case officer, the logo as a tagged Figure, why a notice is posted and under which
 * provisions, the decision notice's conditions with reasons, informatives, approved plans, appeal rights and
 * authorised officer; dates equal to the case's own publicity dates; and grammar on every kind.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { elements, readPdf, type PdfPage } from '../helpers/pdf.ts';
import { buildScene } from '../../server/modules/maps/service.ts';
import { ukDate } from '../../shared/domain/documents.ts';
import { caseEtag, userEtag } from '../helpers/if-match.ts';

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
const SITE = { x: 532400, y: 179300, side: 12 };
const DETAILS = {
  addressLines: ['Planning division', 'PO Box 64529', 'London'],
  postcode: 'SE1P 5LX',
  phone: '020 7525 5403',
  email: 'planning.applications@example.gov.uk',
  website: 'https://www.example.gov.uk',
  commentUrlTemplate: 'https://redline.example/register/applications/{slug}/comment',
  plansUrlTemplate: 'https://redline.example/register/applications/{slug}',
  osLicenceNumber: 'AC0000812345',
  copyrightOwner: 'Test Borough Council',
};
const OFFICER = { email: 'olu.officer@example.gov.uk', phone: '020 7525 0101' };
const POSTAL = 'Planning division, PO Box 64529, London, SE1P 5LX';

const addressCsv = () =>
  'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,ADDRESS_LINE_3,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
  Array.from({ length: 4 }, (_, i) =>
    [
      String(910000000001 + i),
      `${13 + i} Merrick Square`,
      '',
      'London',
      'SE1 4JB',
      SITE.x + 20 + i * 5,
      SITE.y + 5,
    ].join(','),
  ).join('\n') +
  '\n';

/** Everything a reader sees in the document: each page's text with white space collapsed. */
interface Doc {
  id: number;
  pages: PdfPage[];
  flat: string;
  details: Record<string, unknown>;
  text?: string;
}

async function make(caseId: number, body: Record<string, unknown>, role: 'officer' | 'enforcement' = 'officer') {
  const res = await t.as(role).post(`/api/cases/${caseId}/documents`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const pdfRes = await t
    .as(role)
    .get(`/api/cases/${caseId}/documents/${res.body.id}/pdf`)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    })
    .expect(200);
  const pdf = await readPdf(pdfRes.body as Buffer);
  const pages: PdfPage[] = [];
  for (let n = 1; n <= pdf.numPages; n++) pages.push(await pdf.page(n));
  await pdf.close();
  return {
    id: res.body.id as number,
    pages,
    flat: pages.map((p) => p.flat).join(' '),
    details: res.body.details as Record<string, unknown>,
    text: res.body.text as string | undefined,
  } satisfies Doc;
}

/** The text with lines broken inside a link joined again (a long URL wraps after a "/" or "-"). */
const joined = (d: Doc) => d.flat.replace(/([/-]) (?=\S)/g, '$1');

/** The grammar every document kind is held to. */
function expectGrammar(d: Doc, label: string) {
  const f = d.flat;
  expect(f, `${label}: doubled full stop`).not.toMatch(/(?<!\.)\.\.(?!\.)/);
  expect(f, `${label}: "a letters"`).not.toMatch(/\b(a|an|one) \w* ?letters\b/i);
  expect(f, `${label}: "letters is"`).not.toMatch(/\bletters is\b/i);
  expect(f, `${label}: empty Proposal`).not.toMatch(/Proposal:\s*(•|$|Type:|Reference:)/);
  expect(f, `${label}: unfilled variable`).not.toMatch(/\{\{|\}\}|\{reference\}|\{slug\}/);
  expect(f, `${label}: undefined or null`).not.toMatch(/\bundefined\b|\bnull\b|\bNaN\b|\[object/);
  expect(f, `${label}: space before punctuation`).not.toMatch(/\s[,.;:](\s|$)/);
  expect(f, `${label}: doubled word`).not.toMatch(/\b(the|a|of|to|and|by|on) \1\b/i);
  expect(f, `${label}: ", ."`).not.toMatch(/,\s*\./);
}

/** The logo: a Figure with its alt text at the top of the first page, painted there. */
function expectLogo(d: Doc, authorityName: string) {
  const first = d.pages[0]!;
  const figures = elements(first.tree).filter((e) => e.role === 'Figure');
  expect(figures.map((f) => f.alt)).toContain(`${authorityName} logo`);
  expect(first.images).toBeGreaterThanOrEqual(1);
}

let authorityName: string;
let hh: { id: number; reference: string };
let lbc: { id: number; reference: string };
let enf: { id: number; reference: string };
let casePublicity: { earliestDecisionDate: string | null };

async function application(over: Record<string, unknown>) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'hh',
      description: 'Rear dormer window in the rear roof slope.',
      siteAddress: '12 Merrick Square, London SE1 4JB',
      receivedDate: '2026-11-02',
      validDate: '2026-11-05',
      officer: 'officer.user',
      parties: [
        { role: 'applicant', name: 'Sam Applicant', address: '12 Merrick Square, London', postcode: 'SE1 4JB' },
      ],
      ...over,
    })
    .expect(201);
  const id = res.body.id as number;
  await t
    .as('officer')
    .put(`/api/cases/${id}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, id))
    .send({ geometry: square(SITE.x, SITE.y, SITE.side) })
    .expect(200);
  return { id, reference: res.body.reference as string };
}

/** A constraint check with the officer's judgement that the site affects a listed building's setting and a
 *  conservation area (LBCA Regs reg 5A). */
async function heritage(caseId: number) {
  const check = await t.as('officer').post(`/api/cases/${caseId}/constraint-checks`).send({});
  expect(check.status, JSON.stringify(check.body)).toBe(201);
  for (const [trigger, description] of [
    ['listed-building-setting', 'Numbers 1-13 Merrick Square, grade II'],
    ['conservation-area', 'Trinity Church Square conservation area'],
  ])
    await t
      .as('officer')
      .post(`/api/cases/${caseId}/constraint-checks/${check.body.id}/setting-triggers`)
      .send({ trigger, description, reason: 'The dormer is seen from the square' })
      .expect(201);
}

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'error' }, process.stderr);
  await t
    .as('gis')
    .put('/api/addresses/data?filename=addresses.csv')
    .set('If-Match', '*')
    .send(addressCsv())
    .expect(200);
  const logo = await sharp({ create: { width: 300, height: 90, channels: 4, background: '#005ea5' } })
    .png()
    .toBuffer();
  const d = await t
    .as('admin')
    .put('/api/authority/details')
    .set('If-Match', `"v${(await t.as('admin').get('/api/authority/details').expect(200)).body.version}"`)
    .send({ ...DETAILS, logo: { mediaType: 'image/png', data: logo.toString('base64') } })
    .expect(200);
  authorityName = d.body.name;
  await t
    .as('admin')
    .patch(`/api/users/${t.users.officer.id}`)
    .set('If-Match', await userEtag(t, t.users.officer.id))
    .send(OFFICER)
    .expect(200);

  hh = await application({});
  await heritage(hh.id);
  await t
    .as('support')
    .post(`/api/cases/${hh.id}/notification-runs`)
    .send({ selection: { radiusM: 60 } })
    .expect(201);
  lbc = await application({
    applicationType: 'lbc',
    description: 'Listed building consent for a rear dormer window',
    development: { listedBuildingConsent: { grade: 'II', interiorOnly: false } },
  });
  const e = await t
    .as('enforcement')
    .post('/api/cases')
    .send({
      kind: 'enforcement',
      breachType: 'unauthorised-building-works',
      description: 'Rear dormer built without permission',
      siteAddress: '14 Merrick Square, London SE1 4JB',
      receivedDate: '2026-11-02',
    })
    .expect(201);
  enf = { id: e.body.id, reference: e.body.reference };
  await t
    .as('enforcement')
    .put(`/api/cases/${enf.id}/site?crs=EPSG:27700`)
    .set('If-Match', await caseEtag(t, enf.id))
    .send({ geometry: square(SITE.x + 14, SITE.y, 10) })
    .expect(200);
}, 120_000);
afterAll(async () => {
  await t.closeApp();
});

describe('a householder application in a conservation area by listed buildings', () => {
  let letter: Doc;
  let notice: Doc;
  let advert: Doc;

  beforeAll(async () => {
    // the publicity as it happens: letters served, the site notice put up, then the advert (the last to close)
    letter = await make(hh.id, { kind: 'neighbour-letter', recordEvent: { date: '2026-11-23', letterCount: 4 } });
    notice = await make(hh.id, {
      kind: 'site-notice',
      recordEvent: { date: '2026-11-24', noticeCount: 1, places: ['railings outside no. 12'] },
    });
    advert = await make(hh.id, {
      kind: 'press-advert',
      recordEvent: { date: '2026-12-10', newspaper: 'Southwark News' },
    });
    casePublicity = (await t.as('officer').get(`/api/cases/${hh.id}/publicity`).expect(200)).body;
  }, 120_000);

  it('the neighbour letter says how and by when to comment, where the plans are, and who the officer is', () => {
    const f = joined(letter);
    const slug = hh.reference.replace(/\//g, '-');
    expect(f).toContain(`Comment online: https://redline.example/register/applications/${slug}/comment`);
    expect(f).toContain(`See the plans: https://redline.example/register/applications/${slug}`);
    expect(f).toContain(`By email: ${DETAILS.email}`);
    expect(f).toContain(`By post: Planning service, ${authorityName}, ${POSTAL}`);
    expect(f).toContain(`Case officer: ${t.users.officer.displayName}, ${OFFICER.email}, ${OFFICER.phone}`);
    expect(f).toContain(`Send us your comments by ${ukDate(letter.details.commentBy as string)}`);
    expect(f).toContain('Proposal: Rear dormer window in the rear roof slope');
    // each letter is one page, then its map
    expect(letter.pages).toHaveLength(8);
    expect(letter.pages.map((p) => p.images)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expectLogo(letter, authorityName);
    expectGrammar(letter, 'neighbour letter');
  });

  it("gives no earliest decision date while the advert is still to come, and the case's own once it is the last", async () => {
    // the letters went out before the advert was placed: a date then would have been wrong (issue 14)
    expect(letter.details.earliestDecisionDate).toBeNull();
    expect(letter.flat).toContain('We will not decide the application until the time for comments has ended.');
    // a letter made now (all publicity done) gives the case's own earliest decision date, the advert's
    const again = await make(hh.id, { kind: 'neighbour-letter' });
    expect(casePublicity.earliestDecisionDate).toBeTruthy();
    expect(again.details.earliestDecisionDate).toBe(casePublicity.earliestDecisionDate);
    expect(again.flat).toContain(
      `We will not decide the application before ${ukDate(casePublicity.earliestDecisionDate!)}.`,
    );
    expect(advert.details.earliestDecisionDate).toBe(casePublicity.earliestDecisionDate);
  });

  it('the site notice is one A4 page with its map, why it is posted and under which provisions', () => {
    expect(notice.pages).toHaveLength(1);
    const page = notice.pages[0]!;
    expect(page.images).toBe(2); // the logo and the map
    const figures = elements(page.tree).filter((e) => e.role === 'Figure');
    expect(figures.map((f) => f.alt)).toEqual([`${authorityName} logo`, expect.stringMatching(/^Site location plan/)]);
    const f = notice.flat;
    expect(f).toContain('The proposal may affect the setting of a listed building.');
    expect(f).toContain('The proposal may affect the character or appearance of a conservation area.');
    expect(f).toContain('sections 67 and 73 of the Planning (Listed Buildings and Conservation Areas) Act 1990');
    expect(f).toContain('regulation 5A of the Planning (Listed Buildings and Conservation Areas) Regulations 1990');
    expect(f).toContain(`Send your comments by ${ukDate(notice.details.commentBy as string)}`);
    expect(f).toContain('Notice first displayed on 24 November 2026.');
    expect(f).toContain(`Email: ${DETAILS.email}`);
    expect(f).toContain(`Case officer: ${t.users.officer.displayName}, ${OFFICER.phone}`);
    expect(f).not.toMatch(/Page 1 of 2|Page 2/);
    expectGrammar(notice, 'site notice');
  });

  it('the press advert cites every provision that applies, with clean punctuation, and says how to comment', () => {
    const f = advert.flat;
    expect(f).toContain(
      'article 15 of the Town and Country Planning (Development Management Procedure) (England) Order 2015',
    );
    expect(f).toContain('sections 67 and 73 of the Planning (Listed Buildings and Conservation Areas) Act 1990');
    expect(f).toContain('regulation 5A of the Planning (Listed Buildings and Conservation Areas) Regulations 1990');
    expect(advert.text).toContain(
      `${hh.reference}: 12 Merrick Square, London SE1 4JB. Rear dormer window in the rear roof slope. (Householder planning application)`,
    );
    expect(advert.text).not.toContain('slope..');
    expect(f).toContain(`Send comments by ${ukDate(advert.details.commentBy as string)}`);
    expect(f).toContain(`by email to ${DETAILS.email}`);
    expect(f).toContain(`by post to Planning service, ${authorityName}, ${POSTAL}`);
    expectLogo(advert, authorityName);
    expectGrammar(advert, 'press advert');
  });

  it('the consultee letter gives the 21 days from the date it is sent, the officer and the plans', async () => {
    const d = await make(hh.id, {
      kind: 'consultee-letter',
      publicityDate: '2026-11-23',
      consultee: { organisation: 'Historic England', addressLines: ['4th Floor, Cannon Bridge House', 'London'] },
    });
    expect(d.flat).toContain('by 13 December 2026');
    expect(d.flat).toContain(`By email to the case officer: ${OFFICER.email}`);
    expect(joined(d)).toContain(`The plans and documents are online at https://redline.example/register/applications/`);
    expect(d.flat).toContain('Dear Sir or Madam');
    expectLogo(d, authorityName);
    expectGrammar(d, 'consultee letter');
  });

  it('the decision notice gives each condition with its reason, informatives, approved plans, appeal rights and who signs it', async () => {
    // conditions without reasons are refused: the notice must give the reason for each (DMPO art. 35)
    const bare = await t
      .as('officer')
      .post(`/api/cases/${hh.id}/documents`)
      .send({ kind: 'decision-notice', conditions: ['Materials to match'] });
    expect(bare.status).toBe(400);
    expect(bare.body.error.details.issues[0].path).toBe('body.conditions.0');
    expect(bare.body.error.message).toMatch(/reason/);
    // the staff form's one string per condition, ending "Reason: …", is read as { text, reason }
    const form = await t
      .as('officer')
      .post(`/api/cases/${hh.id}/documents`)
      .send({
        kind: 'decision-notice',
        conditions: ['Materials to match.\nReason: To protect the conservation area.'],
      });
    expect(form.status).toBe(409); // parsed, then refused only because there is no decision yet
    expect(form.body.error.code).toBe('NO_DECISION');
    const v = (await t.as('officer').get(`/api/cases/${hh.id}`).expect(200)).body.version;
    await t
      .as('officer')
      .patch(`/api/cases/${hh.id}`)
      .set('If-Match', `"v${v}"`)
      .send({
        decision: 'granted',
        decisionDate: '2026-12-05',
        status: 'decided',
        decisionOverrideReason: 'test: the notice is read back before the advert closes',
      })
      .expect(200);
    const d = await make(hh.id, {
      kind: 'decision-notice',
      conditions: [
        {
          text: 'The development shall begin within three years of the date of this permission.',
          reason: 'As required by section 91 of the Town and Country Planning Act 1990.',
        },
        {
          text: 'The dormer shall be clad in natural slate to match the main roof.',
          reason: 'To preserve the character and appearance of the conservation area.',
        },
      ],
      informatives: ['You may need building regulations approval.'],
      approvedPlans: ['Site location plan, drawing 001', 'Proposed rear elevation, drawing 102 rev A'],
      authorisedOfficer: { name: 'Jo Planner', position: 'Head of Development Management' },
    });
    const f = joined(d);
    expect(f).toContain('Permission granted on 5 December 2026.');
    expect(f).toMatch(
      /1\. The development shall begin within three years of the date of this permission\. Reason: As required by section 91/,
    );
    expect(f).toContain('Reason: To preserve the character and appearance of the conservation area.');
    expect(f).toContain('Informatives');
    expect(f).toContain('You may need building regulations approval.');
    expect(f).toContain('Approved plans and documents');
    expect(f).toContain('Proposed rear elevation, drawing 102 rev A');
    expect(f).toContain('If you disagree with the conditions, you can appeal to the Planning Inspectorate');
    expect(f).toContain('https://www.gov.uk/appeal-householder-planning-decision');
    expect(f).toContain('The time limit for this type of application is 12 weeks from the date of this notice.');
    expect(f).toContain('Signed: Jo Planner, Head of Development Management');
    expect(d.details).toMatchObject({ conditions: 2, informatives: 1, approvedPlans: 2, appealPeriod: '12 weeks' });
    expectLogo(d, authorityName);
    expectGrammar(d, 'decision notice');
  });

  it('the site history lists the case with its proposal and the enforcement case with its alleged breach', async () => {
    const d = await make(hh.id, { kind: 'site-history', includeEnforcement: true });
    expect(d.flat).toContain('Proposal: Rear dormer window in the rear roof slope');
    expect(d.flat).toContain('Alleged breach: Rear dormer built without permission');
    // numbered as the map numbers them: the case itself first, then the others
    expect(d.flat).toContain(`1. ${hh.reference}`);
    expect(d.flat).toContain(`2. ${lbc.reference}`);
    expect(d.flat).toContain(`3. ${enf.reference}`);
    expect(d.flat).toContain(
      'the sites of the other cases listed outlined in orange, each with its number in this list',
    );
    expect(d.flat).toContain(`Phone ${DETAILS.phone}`);
    expectLogo(d, authorityName);
    expectGrammar(d, 'site history');
  });

  it("the site history's plan draws every other case it lists, labelled with its number, and keys them", async () => {
    const history = [
      { number: 2, caseId: lbc.id },
      { number: 3, caseId: enf.id },
    ];
    const opts = { paper: 'A4', orientation: 'portrait', scale: 'fit', dpi: 150 } as const;
    const withHistory = await buildScene(
      t.db,
      t.authorityId,
      'site-location',
      opts,
      { kind: 'case', caseId: hh.id, history },
      5e7,
    );
    expect(withHistory.counts.history).toBe(2);
    expect(withHistory.scene.labels.map((l) => l.text)).toContain('3');
    expect(withHistory.scene.classes.find((c) => c.id === 'history')?.label).toBe(
      'Other cases (numbered as in the list)',
    );
    const without = await buildScene(t.db, t.authorityId, 'site-location', opts, { kind: 'case', caseId: hh.id }, 5e7);
    expect(without.counts.history ?? 0).toBe(0);
    expect(without.scene.classes.some((c) => c.id === 'history')).toBe(false);
  });

  it('publicity outstanding is worded without "a neighbour letters"', async () => {
    const p = (await t.as('officer').get(`/api/cases/${lbc.id}/publicity`).expect(200)).body;
    expect(JSON.stringify(p)).not.toMatch(/\bA neighbour letters\b|this neighbour letters/);
  });
});

describe('a listed building consent', () => {
  it('is advertised under regulation 5, and its decision is "Listed building consent refused" with 6 months to appeal', async () => {
    const advert = await make(lbc.id, { kind: 'press-advert', publicityDate: '2026-11-26' });
    expect(advert.flat).toContain(
      'regulation 5 of the Planning (Listed Buildings and Conservation Areas) Regulations 1990',
    );
    expect(advert.flat).toContain('It is an application for listed building consent.');
    expectGrammar(advert, 'lbc press advert');
    const v = (await t.as('officer').get(`/api/cases/${lbc.id}`).expect(200)).body.version;
    const decided = await t.as('officer').patch(`/api/cases/${lbc.id}`).set('If-Match', `"v${v}"`).send({
      decision: 'consent-refused',
      decisionDate: '2026-12-04',
      status: 'decided',
      decisionOverrideReason: 'test: deciding before the advert closes',
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    const d = await make(lbc.id, {
      kind: 'decision-notice',
      reasons: ['The dormer would harm the special interest of the listed building.'],
    });
    expect(d.flat).toContain('Listed building consent refused on 4 December 2026.');
    expect(d.flat).not.toContain('Permission refused');
    expect(d.flat).toContain('If you disagree with the refusal, you can appeal to the Planning Inspectorate');
    expect(joined(d)).toContain('https://www.gov.uk/appeal-listed-building-consent-decision');
    expect(d.flat).toContain('6 months from the date of this notice');
    expect(d.flat).toContain(`Signed: ${t.users.officer.displayName}`);
    expectGrammar(d, 'lbc decision notice');
  });
});

describe('an enforcement case', () => {
  it('its site history never has a "Proposal:" line', async () => {
    const d = await make(enf.id, { kind: 'site-history', includeEnforcement: true }, 'enforcement');
    expect(d.flat).toContain('Alleged breach: Rear dormer built without permission');
    expect(d.flat).toContain('Proposal: Rear dormer window in the rear roof slope'); // the application next door
    const own = d.flat.slice(d.flat.indexOf(enf.reference), d.flat.indexOf(enf.reference) + 200);
    expect(own).not.toContain('Proposal:');
    expectGrammar(d, 'enforcement site history');
  });
});
