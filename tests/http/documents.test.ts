/**
 * Letters and notices through the API, on real PostGIS: each kind's PDF read back with pdfjs (its text, where the
 * address sits for the envelope window, the structure tree, the language, the title, MarkInfo, the map painted and
 * embedded once), templates edited by an admin into new versions while old documents keep theirs, and the refusals.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { elements, readPdf, rolePaths, type ReadPdf } from '../helpers/pdf.ts';
import { ENVELOPE_WINDOW_MM } from '../../server/documents/pdf.ts';
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
const SITE = { x: 533000, y: 179000, side: 20 };

/** 8 addresses east of the site, 10–45 m from it; number 1 (nearest) has long lines, to test the window. */
const ADDRESSES = [
  [
    '900000000001',
    'Flat 3, Riverside Court Apartments',
    '17 Long Street Name Road',
    'London',
    'SE1 9ZZ',
    533030,
    179010,
  ],
  ...Array.from({ length: 7 }, (_, i) => [
    String(900000000002 + i),
    `${i + 2} Test Street`,
    '',
    'London',
    'SE1 1AA',
    533035 + i * 5,
    179012,
  ]),
] as const;
const addressCsv = () =>
  'UPRN,ADDRESS_LINE_1,ADDRESS_LINE_2,ADDRESS_LINE_3,POSTCODE,X_COORDINATE,Y_COORDINATE\n' +
  ADDRESSES.map((a) => a.map((v) => (typeof v === 'string' && v.includes(',') ? `"${v}"` : String(v))).join(',')).join(
    '\n',
  ) +
  '\n';

async function application(over: Record<string, unknown> = {}, site = true) {
  const res = await t
    .as('officer')
    .post('/api/cases')
    .send({
      kind: 'application',
      applicationType: 'hh',
      description: 'Rear extension and a roof terrace',
      siteAddress: '12 Test Street, London SE1 1AA',
      receivedDate: '2026-10-01',
      validDate: '2026-10-05',
      ...over,
    })
    .expect(201);
  const id = res.body.id as number;
  if (site)
    await t
      .as('officer')
      .put(`/api/cases/${id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, id))
      .send({ geometry: square(SITE.x, SITE.y, SITE.side) })
      .expect(200);
  return { id, reference: res.body.reference as string };
}
async function run(caseId: number) {
  const res = await t
    .as('support')
    .post(`/api/cases/${caseId}/notification-runs`)
    .send({ selection: { radiusM: 60 } })
    .expect(201);
  return res.body as {
    id: number;
    recipients: Array<{ number: number; uprn: number; addressLines: string[]; postcode: string }>;
  };
}
async function make(caseId: number, body: Record<string, unknown>, role: Parameters<TestApp['as']>[0] = 'officer') {
  const res = await t.as(role).post(`/api/cases/${caseId}/documents`).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as {
    id: number;
    kind: string;
    pages: number;
    bytes: number;
    sha256: string;
    recipients: number | null;
    templateVersion: number;
    templateId: number;
    title: string;
    pdf: string;
    text?: string;
    personalData: boolean;
    details: Record<string, unknown>;
  };
}
async function pdfOf(caseId: number, docId: number, role: Parameters<TestApp['as']>[0] = 'officer') {
  const res = await t
    .as(role)
    .get(`/api/cases/${caseId}/documents/${docId}/pdf`)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  return res.body as Buffer;
}
const imageObjects = (p: ReadPdf) => (p.raw.match(/\/Subtype\s*\/Image\b/g) ?? []).length;

beforeAll(async () => {
  t = await startTestApp();
  await t
    .as('gis')
    .put('/api/addresses/data?filename=addresses.csv')
    .set('If-Match', '*')
    .send(addressCsv())
    .expect(200);
});
afterAll(async () => {
  await t.closeApp();
});

describe('neighbour letters: one PDF per run, one letter per recipient', () => {
  let c: { id: number; reference: string };
  let r: Awaited<ReturnType<typeof run>>;
  let doc: Awaited<ReturnType<typeof make>>;
  let pdf: ReadPdf;
  let bytes: Buffer;
  beforeAll(async () => {
    c = await application({ description: '# Not a heading\n- nor a list item' });
    r = await run(c.id);
    expect(r.recipients).toHaveLength(8);
    doc = await make(c.id, { kind: 'neighbour-letter' });
    bytes = await pdfOf(c.id, doc.id);
    pdf = await readPdf(bytes);
  });
  afterAll(async () => {
    await pdf?.close();
  });

  it('stores the document with the template version, the run, its size and hash', async () => {
    expect(doc).toMatchObject({
      kind: 'neighbour-letter',
      templateVersion: 1,
      recipients: 8,
      pages: 16,
      personalData: false,
    });
    expect(doc.bytes).toBe(bytes.length);
    expect(doc.sha256).toBe(crypto.createHash('sha256').update(bytes).digest('hex'));
    expect(pdf.numPages).toBe(16);
    const stored = await t.db('document').where({ id: doc.id }).first('run_id', 'template_version', 'case_id');
    expect(stored).toEqual({ run_id: r.id, template_version: 1, case_id: c.id });
    const list = await t.as('gis').get(`/api/cases/${c.id}/documents`).expect(200);
    expect(list.body.items.map((d: { id: number }) => d.id)).toEqual([doc.id]);
  });

  it('is a tagged PDF in British English with its title shown', () => {
    expect(pdf.markInfo?.Marked).toBe(true);
    expect(pdf.info.Language).toBe('en-GB');
    expect(pdf.info.Title).toBe(`Planning application ${c.reference}: letters to neighbours`);
    expect(pdf.raw).toMatch(/\/DisplayDocTitle true/);
    expect(pdf.raw).toMatch(/pdfuaid:part>1</);
  });

  it('embeds the map once and paints it on the page after each letter', async () => {
    expect(imageObjects(pdf)).toBe(1);
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.page(n);
      expect(page.images, `page ${n}`).toBe(n % 2 === 0 ? 1 : 0);
    }
  });

  it('puts each recipient in the envelope window of their letter, in the order of the run', async () => {
    for (const rec of r.recipients) {
      const page = await pdf.page(rec.number * 2 - 1);
      const expected = [
        'The Occupier',
        ...rec.addressLines.slice(0, -1),
        rec.addressLines.at(-1)!.toUpperCase(),
        rec.postcode,
      ];
      const inWindow = page.lines.filter(
        (l) =>
          l.xMm >= ENVELOPE_WINDOW_MM.left &&
          l.rightMm <= ENVELOPE_WINDOW_MM.left + ENVELOPE_WINDOW_MM.width &&
          l.baselineMm - l.size * 0.35 >= ENVELOPE_WINDOW_MM.top &&
          l.baselineMm <= ENVELOPE_WINDOW_MM.top + ENVELOPE_WINDOW_MM.height,
      );
      expect(
        inWindow.map((l) => l.str),
        `letter ${rec.number}`,
      ).toEqual(expected);
      // nothing else shows through the window
      const elsewhere = page.lines.filter(
        (l) =>
          !inWindow.includes(l) &&
          l.baselineMm > ENVELOPE_WINDOW_MM.top &&
          l.baselineMm - l.size * 0.35 < ENVELOPE_WINDOW_MM.top + ENVELOPE_WINDOW_MM.height &&
          l.xMm < ENVELOPE_WINDOW_MM.left + ENVELOPE_WINDOW_MM.width,
      );
      expect(elsewhere).toEqual([]);
    }
  });

  it('fills the letter from the case: reference, address, proposal, and the comment period in words when no date is known', async () => {
    const page = await pdf.page(1);
    expect(page.text).toContain(`Our reference: ${c.reference}`);
    expect(page.text).toContain('12 Test Street, London SE1 1AA');
    expect(page.text).toContain('Proposal: # Not a heading - nor a list item');
    expect(page.text).toContain('Householder planning application');
    expect(page.flat).toContain('within 21 days of receiving this letter');
    expect(page.flat).toContain('until the time for comments has ended');
    expect(page.flat).toMatch(/yours is number 1\b/);
    expect(page.text).toContain('Address number 1 of 8');
    expect(page.text).not.toContain('not known yet');
  });

  it('tags the structure: a Sect per letter with its heading, paragraphs, list and the map as a Figure with alt text', async () => {
    const letter = await pdf.page(3);
    const paths = rolePaths(letter.tree);
    for (const p of [
      'Root/Document/Sect/H1',
      'Root/Document/Sect/P',
      'Root/Document/Sect/H2',
      'Root/Document/Sect/L/LI/Lbl',
      'Root/Document/Sect/L/LI/LBody',
    ])
      expect(paths).toContain(p);
    const els = elements(letter.tree);
    // the description's "# " and "- " stay text: one heading 1 per letter
    expect(els.filter((e) => e.role === 'H1').map((e) => e.text)).toEqual([
      'A planning application has been made near you',
    ]);
    expect(els.find((e) => e.role === 'LBody' && e.text.startsWith('Proposal'))!.text).toBe(
      'Proposal: # Not a heading - nor a list item',
    );
    // the footer is an artifact: in the text, not in the tree
    expect(letter.text).toContain('Page 1 of 1');
    expect(els.some((e) => e.text.includes('Page 1 of 1'))).toBe(false);
    const map = await pdf.page(4);
    expect(rolePaths(map.tree)).toContain('Root/Document/Sect/Figure');
    const figure = elements(map.tree).find((e) => e.role === 'Figure')!;
    expect(figure.alt).toMatch(
      /^Neighbour notification map .*at a scale of 1:[\d,]+, showing the site outlined in red.*8 notified addresses/,
    );
    expect(figure.alt).toMatch(/Printed on A4 paper at actual size, the map is at a scale of 1:[\d,]+\.$/);
  });

  it('audits the document without names or addresses', async () => {
    const a = await t
      .db('audit_log')
      .where({ action: 'document.create', entity_id: String(doc.id) })
      .first('actor', 'after');
    expect(a.actor).toBe('officer.user');
    expect(a.after).toMatchObject({
      caseId: c.id,
      kind: 'neighbour-letter',
      templateVersion: 1,
      runId: r.id,
      recipients: 8,
      sha256: doc.sha256,
      pages: 16,
    });
    expect(JSON.stringify(a.after)).not.toMatch(/Test Street|Riverside|Occupier/);
  });

  it('never changes a stored document', async () => {
    await expect(t.db('document').where({ id: doc.id }).update({ title: 'changed' })).rejects.toThrow(/never changed/);
    await expect(t.db('document').where({ id: doc.id }).delete()).rejects.toThrow(/never changed/);
  });
});

describe('dates in letters and notices', () => {
  it('gives the last day for comments and the earliest decision date from the date the letters are served', async () => {
    const c = await application();
    await run(c.id);
    // served Monday 23 November 2026 = day 1; the 21st day is Sunday 13 December; decision no earlier than the 14th
    const doc = await make(c.id, { kind: 'neighbour-letter', publicityDate: '2026-11-23', date: '2026-11-20' });
    expect(doc.details).toMatchObject({
      publicityDate: '2026-11-23',
      commentBy: '2026-12-13',
      earliestDecisionDate: '2026-12-14',
      windowDays: 21,
    });
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    const page = await pdf.page(1);
    expect(page.text).toContain('Date: 20 November 2026');
    expect(page.flat).toContain('Send us your comments by 13 December 2026, quoting the reference');
    expect(page.flat).toContain('We will not decide the application before 14 December 2026.');
    await pdf.close();
  });

  it('takes the dates from recorded publicity, and gives 30 days for EIA development', async () => {
    const c = await application({ applicationType: 'full', development: { eia: true } });
    await run(c.id);
    await t
      .as('officer')
      .post(`/api/cases/${c.id}/publicity-events`)
      .send({ kind: 'neighbour-letters', date: '2026-11-02', letterCount: 8 })
      .expect(201);
    const doc = await make(c.id, { kind: 'neighbour-letter' });
    // 2 November + 29 days = 1 December
    expect(doc.details).toMatchObject({ commentBy: '2026-12-01', windowDays: 30 });
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    expect((await pdf.page(1)).flat).toContain('by 1 December 2026');
    await pdf.close();
  });

  it('leaves the date of a site notice to be written in when it is not known, in large type, on one page with its map', async () => {
    const c = await application();
    const doc = await make(c.id, { kind: 'site-notice' });
    expect(doc.pages).toBe(1);
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    const page = await pdf.page(1);
    expect(page.text).toContain('Notice first displayed on: ....');
    expect(page.flat).toContain('within 21 days of the date this notice was first displayed');
    expect(page.text).toContain(c.reference);
    const heading = page.lines.find((l) => l.str.startsWith('Planning application: have'))!;
    expect(heading.size).toBeGreaterThanOrEqual(20);
    expect(page.lines.find((l) => l.str.includes('Rear extension'))!.size).toBeGreaterThanOrEqual(11);
    expect(rolePaths(page.tree)).toEqual(
      expect.arrayContaining(['Root/Document/H1', 'Root/Document/H2', 'Root/Document/P']),
    );
    // the map is on the same page, below the text, and its alt text says it is reduced
    expect(page.images).toBe(1);
    const figure = elements(page.tree).find((e) => e.role === 'Figure')!;
    expect(figure.alt).toMatch(/^Site location plan/);
    expect(figure.alt).toMatch(/Reduced to fit the notice/);
    await pdf.close();
  });
});

describe('press advert', () => {
  it('returns the plain text as well as the PDF, with why it is advertised and 14 days to comment', async () => {
    const c = await application({ applicationType: 'full', development: { dwellings: 12 } });
    const doc = await make(c.id, { kind: 'press-advert', publicityDate: '2026-11-26' });
    expect(doc.text).toContain(`${c.reference}: 12 Test Street, London SE1 1AA. Rear extension and a roof terrace.`);
    expect(doc.text).toContain('- It is a major development.');
    expect(doc.text).toContain('by 9 December 2026');
    const got = await t.as('officer').get(`/api/cases/${c.id}/documents/${doc.id}`).expect(200);
    expect(got.body.text).toBe(doc.text);
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    expect(pdf.numPages).toBe(1);
    expect(imageObjects(pdf)).toBe(0);
    const page = await pdf.page(1);
    expect(page.images).toBe(0);
    expect(page.flat).toContain('It is a major development.');
    await pdf.close();
  });
});

describe('consultee letter', () => {
  const consultee = {
    name: 'Jo Bloggs',
    organisation: 'Environment Agency',
    addressLines: ['Horizon House', 'Deanery Road', 'Bristol'],
    postcode: 'bs1 5ah',
  };

  it('is addressed to the consultee in the window and gives 21 days', async () => {
    const c = await application();
    const doc = await make(c.id, { kind: 'consultee-letter', consultee, publicityDate: '2026-11-23' });
    expect(doc.personalData).toBe(true);
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    const page = await pdf.page(1);
    const window = page.lines.filter(
      (l) =>
        l.baselineMm > ENVELOPE_WINDOW_MM.top &&
        l.baselineMm < ENVELOPE_WINDOW_MM.top + ENVELOPE_WINDOW_MM.height &&
        l.xMm < 110,
    );
    expect(window.map((l) => l.str)).toEqual([
      'Jo Bloggs',
      'Environment Agency',
      'Horizon House',
      'Deanery Road',
      'Bristol',
      'BS1 5AH',
    ]);
    expect(page.text).toContain('Dear Jo Bloggs');
    expect(page.flat).toContain('by 13 December 2026');
    await pdf.close();
    // names a person: not for the gis role, which never sees personal details
    const res = await t.as('gis').get(`/api/cases/${c.id}/documents/${doc.id}/pdf`).expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    const a = await t
      .db('audit_log')
      .where({ action: 'document.create', entity_id: String(doc.id) })
      .first('after');
    expect(JSON.stringify(a.after)).not.toContain('Bloggs');
  });

  it('needs the consultee', async () => {
    const c = await application();
    const res = await t
      .as('officer')
      .post(`/api/cases/${c.id}/documents`)
      .send({ kind: 'consultee-letter' })
      .expect(400);
    expect(res.body.error.message).toMatch(/body.consultee/);
  });
});

describe('decision notice', () => {
  it('is refused until the case has a decision, then names the outcome, the reasons and the applicant, addressed to the agent', async () => {
    const c = await application({
      parties: [
        { role: 'applicant', name: 'Sam Applicant', address: '12 Test Street, London', postcode: 'SE1 1AA' },
        {
          role: 'agent',
          name: 'Alex Agent',
          organisation: 'Agents Ltd',
          address: '1 Office Row\nManchester',
          postcode: 'M1 1AA',
        },
      ],
    });
    const none = await t
      .as('officer')
      .post(`/api/cases/${c.id}/documents`)
      .send({ kind: 'decision-notice' })
      .expect(409);
    expect(none.body.error.code).toBe('NO_DECISION');
    expect(await t.db('document').where({ case_id: c.id }).first()).toBeUndefined();
    await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', '"v2"')
      .send({ decision: 'refused', decisionDate: '2026-12-01', status: 'decided' })
      .expect(200);
    const doc = await make(c.id, {
      kind: 'decision-notice',
      reasons: [
        'The roof terrace would overlook the neighbouring gardens.',
        'The extension would harm the character of the area.',
      ],
    });
    expect(doc.personalData).toBe(true);
    const pdf = await readPdf(await pdfOf(c.id, doc.id));
    const page = await pdf.page(1);
    expect(page.flat).toContain('Permission refused on 1 December 2026.');
    expect(page.text).toContain('Applicant: Sam Applicant');
    expect(page.flat).toContain('The roof terrace would overlook the neighbouring gardens.');
    expect(page.flat).toContain('Planning Inspectorate');
    expect(page.text).not.toContain('Conditions');
    const window = page.lines.filter(
      (l) =>
        l.baselineMm > ENVELOPE_WINDOW_MM.top &&
        l.baselineMm < ENVELOPE_WINDOW_MM.top + ENVELOPE_WINDOW_MM.height &&
        l.xMm < 110,
    );
    expect(window.map((l) => l.str)).toEqual(['Alex Agent', 'Agents Ltd', '1 Office Row', 'Manchester', 'M1 1AA']);
    const lbls = elements(page.tree)
      .filter((e) => e.role === 'Lbl')
      .map((e) => e.text);
    expect(lbls).toEqual(expect.arrayContaining(['1.', '2.']));
    await pdf.close();
  });
});

describe('site history report', () => {
  it('lists the cases on and around the site nearest first, leaves enforcement cases out unless asked, and shows the site', async () => {
    // 2 km from the other tests' sites
    const X = SITE.x + 2000;
    const c = await application({ siteAddress: '20 History Lane' }, false);
    await t
      .as('officer')
      .put(`/api/cases/${c.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, c.id))
      .send({ geometry: square(X, SITE.y, 20) })
      .expect(200);
    const overlapping = await application(
      {
        description: 'Earlier loft conversion',
        receivedDate: '2020-02-01',
        validDate: null,
        decision: 'granted',
        decisionDate: '2020-04-01',
      },
      false,
    );
    await t
      .as('officer')
      .put(`/api/cases/${overlapping.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, overlapping.id))
      .send({ geometry: square(X + 10, SITE.y, 20) })
      .expect(200);
    const near = await application(
      { description: 'New shopfront', receivedDate: '2021-03-01', validDate: null },
      false,
    );
    await t
      .as('officer')
      .put(`/api/cases/${near.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, near.id))
      .send({ geometry: square(X + 50, SITE.y, 10) })
      .expect(200);
    const far = await application({ description: 'Far away', receivedDate: '2021-03-01', validDate: null }, false);
    await t
      .as('officer')
      .put(`/api/cases/${far.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, far.id))
      .send({ geometry: square(X + 300, SITE.y, 10) })
      .expect(200);
    const enf = (
      await t
        .as('enforcement')
        .post('/api/cases')
        .send({
          kind: 'enforcement',
          breachType: 'untidy-land',
          description: 'Overgrown yard',
          receivedDate: '2022-01-01',
        })
        .expect(201)
    ).body;
    await t
      .as('enforcement')
      .put(`/api/cases/${enf.id}/site?crs=EPSG:27700`)
      .set('If-Match', await caseEtag(t, enf.id))
      .send({ geometry: square(X - 15, SITE.y, 10) })
      .expect(200);

    const doc = await make(c.id, { kind: 'site-history' });
    expect(doc.details).toMatchObject({ withinM: 50, includeEnforcement: false, cases: 3 });
    let pdf = await readPdf(await pdfOf(c.id, doc.id));
    const text = (await Promise.all(Array.from({ length: pdf.numPages - 1 }, (_, i) => pdf.page(i + 1))))
      .map((p) => p.flat)
      .join(' ');
    const at = (s: string) => text.indexOf(s);
    expect(at(c.reference)).toBeGreaterThan(-1);
    expect(at(c.reference)).toBeLessThan(at(overlapping.reference));
    expect(at(overlapping.reference)).toBeLessThan(at(near.reference));
    expect(text).toContain('Permission granted on 1 April 2020');
    expect(text).toContain('Overlaps the site (200 m² shared)');
    expect(text).toContain('30 m from the site');
    expect(text).not.toContain(far.reference);
    expect(text).not.toContain(enf.reference);
    const last = await pdf.page(pdf.numPages);
    expect(last.images).toBe(1);
    await pdf.close();

    const withEnf = await make(c.id, { kind: 'site-history', includeEnforcement: true, withinM: 10 });
    expect(withEnf.details).toMatchObject({ cases: 3, withinM: 10 });
    pdf = await readPdf(await pdfOf(c.id, withEnf.id, 'gis'));
    const first = await pdf.page(1);
    expect(first.flat).toContain(enf.reference);
    expect(first.flat).toContain('Enforcement case');
    expect(first.flat).not.toContain(near.reference);
    await pdf.close();
  });
});

describe('templates', () => {
  it('lists every kind at version 1 (the shipped defaults) with the variables each may use', async () => {
    const list = await t.as('gis').get('/api/document-templates').expect(200);
    expect(list.body.items.map((i: { kind: string }) => i.kind).sort()).toEqual([
      'consultee-letter',
      'decision-notice',
      'neighbour-letter',
      'press-advert',
      'site-history',
      'site-notice',
    ]);
    const one = await t.as('support').get('/api/document-templates/site-notice').expect(200);
    expect(one.body.current).toMatchObject({ version: 1, createdBy: 'Redline default' });
    expect(one.body.variables.map((v: { name: string }) => v.name)).toContain('publicity.commentByDate');
    const res = await t.as('support').get('/api/document-templates/letter-to-santa').expect(404);
    expect(res.body.error.code).toBe('TEMPLATE_KIND_NOT_FOUND');
  });

  it('refuses a template with a syntax error or an unknown name with 422, the line and column and the variables there are', async () => {
    const bad = await t
      .as('admin')
      .put('/api/document-templates/press-advert')
      .send({ title: 'Advert', body: '# Advert\n\n{{#advert.hasReasons}}\nReasons\n' })
      .expect(422);
    expect(bad.body.error.code).toBe('TEMPLATE_INVALID');
    expect(bad.body.error.details.issues[0]).toMatchObject({ field: 'body', line: 5, column: 1 });
    expect(bad.body.error.details.variables).toContain('advert.reasons');
    const unknown = await t
      .as('admin')
      .put('/api/document-templates/press-advert')
      .send({ title: 'Advert', body: '# Advert\n\nFor {{applicant.name}}\n' })
      .expect(422);
    expect(unknown.body.error.details.issues).toEqual([
      { field: 'body', line: 3, column: 5, message: 'unknown variable "applicant.name"', name: 'applicant.name' },
    ]);
    expect(unknown.body.error.message).toMatch(/line 3, column 5/);
    const current = await t.as('admin').get('/api/document-templates/press-advert').expect(200);
    expect(current.body.versions).toHaveLength(1);
  });

  it('saves an edit as a new version (audited); documents made before keep the version they used', async () => {
    const c = await application();
    const before = await make(c.id, { kind: 'site-notice' });
    expect(before.templateVersion).toBe(1);
    const body = '# Notice of a planning application\n\nReference {{case.reference}} at {{case.address}}.\n\n[[map]]\n';
    const saved = await t
      .as('admin')
      .put('/api/document-templates/site-notice')
      .send({ title: 'Notice {{case.reference}}', body, version: 1 })
      .expect(200);
    expect(saved.body).toMatchObject({ changed: true, current: { version: 2, body, createdBy: 'admin.user' } });
    expect(saved.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const audit = await t
      .db('audit_log')
      .where({ action: 'document-template.update' })
      .orderBy('id', 'desc')
      .first('after', 'before');
    expect(audit.after).toMatchObject({ kind: 'site-notice', version: 2 });
    expect(audit.before).toMatchObject({ kind: 'site-notice', version: 1 });

    const after = await make(c.id, { kind: 'site-notice' });
    expect(after.templateVersion).toBe(2);
    expect(after.title).toBe(`Notice ${c.reference}`);
    const newPdf = await readPdf(await pdfOf(c.id, after.id));
    expect((await newPdf.page(1)).flat).toContain(`Reference ${c.reference} at 12 Test Street, London SE1 1AA.`);
    await newPdf.close();
    const old = await t.as('officer').get(`/api/cases/${c.id}/documents/${before.id}`).expect(200);
    expect(old.body.templateVersion).toBe(1);
    const oldPdf = await readPdf(await pdfOf(c.id, before.id));
    expect((await oldPdf.page(1)).flat).toContain('Planning application: have your say');
    await oldPdf.close();

    // saving the same again makes no version; an edit of a stale version is refused
    const same = await t
      .as('admin')
      .put('/api/document-templates/site-notice')
      .set('If-Match', '"v2"')
      .send({ title: 'Notice {{case.reference}}', body })
      .expect(200);
    expect(same.body).toMatchObject({ changed: false, current: { version: 2 } });
    const stale = await t
      .as('admin')
      .put('/api/document-templates/site-notice')
      .send({ title: 'x', body: 'y', version: 1 })
      .expect(412);
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    await expect(
      t.db('document_template').where({ kind: 'site-notice', version: 1 }).update({ body: 'rewritten' }),
    ).rejects.toThrow(/never changed/);
  });
});

describe('refusals', () => {
  it('refuses an unknown kind, and fields the kind does not take', async () => {
    const c = await application();
    const kind = await t.as('officer').post(`/api/cases/${c.id}/documents`).send({ kind: 'ransom-note' }).expect(400);
    expect(kind.body.error.code).toBe('VALIDATION_FAILED');
    expect(kind.body.error.message).toMatch(
      /neighbour-letter, consultee-letter, site-notice, press-advert, decision-notice, site-history/,
    );
    const field = await t
      .as('officer')
      .post(`/api/cases/${c.id}/documents`)
      .send({ kind: 'site-notice', runId: 1 })
      .expect(400);
    expect(field.body.error.message).toBe('body.runId: applies to neighbour-letter only');
  });

  it('says when there is no run, or the run is not the case’s', async () => {
    const a = await application();
    const noRun = await t
      .as('officer')
      .post(`/api/cases/${a.id}/documents`)
      .send({ kind: 'neighbour-letter' })
      .expect(409);
    expect(noRun.body.error.code).toBe('NO_NEIGHBOUR_RUN');
    const b = await application();
    const other = await run(b.id);
    const wrong = await t
      .as('officer')
      .post(`/api/cases/${a.id}/documents`)
      .send({ kind: 'neighbour-letter', runId: other.id })
      .expect(404);
    expect(wrong.body.error.code).toBe('RUN_NOT_FOUND');
  });

  it('refuses letters about an enforcement case, and an officer producing documents for one', async () => {
    const enf = (
      await t
        .as('enforcement')
        .post('/api/cases')
        .send({ kind: 'enforcement', breachType: 'untidy-land', description: 'Yard', receivedDate: '2026-01-01' })
        .expect(201)
    ).body;
    const letter = await t
      .as('enforcement')
      .post(`/api/cases/${enf.id}/documents`)
      .send({ kind: 'site-notice' })
      .expect(409);
    expect(letter.body.error.code).toBe('DOCUMENT_NOT_APPLICABLE');
    const officer = await t
      .as('officer')
      .post(`/api/cases/${enf.id}/documents`)
      .send({ kind: 'site-history' })
      .expect(403);
    expect(officer.body.error.code).toBe('FORBIDDEN');
  });

  it('needs a site for a map, and answers missing cases and documents with 404', async () => {
    const c = await application({}, false);
    const noSite = await t.as('officer').post(`/api/cases/${c.id}/documents`).send({ kind: 'site-notice' }).expect(404);
    expect(noSite.body.error.code).toBe('SITE_NOT_SET');
    expect(
      (await t.as('officer').post('/api/cases/999999/documents').send({ kind: 'site-notice' }).expect(404)).body.error
        .code,
    ).toBe('CASE_NOT_FOUND');
    expect((await t.as('officer').get(`/api/cases/${c.id}/documents/999999`).expect(404)).body.error.code).toBe(
      'DOCUMENT_NOT_FOUND',
    );
    expect((await t.as('officer').get(`/api/cases/${c.id}/documents/999999/pdf`).expect(404)).body.error.code).toBe(
      'DOCUMENT_NOT_FOUND',
    );
    expect((await t.as('officer').get('/api/cases/999999/documents').expect(404)).body.error.code).toBe(
      'CASE_NOT_FOUND',
    );
  });
});
