/**
 * Statistics over HTTP (issue 15 item 4): the fields staff record for them (decision maker, PPA, appeals) through
 * the case API, and the PS2, PS1 and designation CSVs and JSON computed from cases made through the API; the staff
 * page with its charts and tables. Expectations are worked out by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seed();
}, 120_000);
afterAll(async () => {
  await t.closeApp();
});

/** RFC 4180 CSV (quoted fields, CRLF), BOM stripped. */
function parseCsv(text: string): string[][] {
  const s = text.replace(/^\ufeff/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (q) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}
const byKey = (rows: string[][], col = 0) => new Map(rows.slice(1).map((r) => [r[col]!, r]));

async function create(body: Record<string, unknown>) {
  const res = await t.as('support').post('/api/cases').send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; reference: string };
}
const application = (over: Record<string, unknown>) =>
  create({ kind: 'application', applicationType: 'full', description: 'Works', receivedDate: '2026-03-20', ...over });

let ids: Record<string, number> = {};

// 2026-Q2 = 1 Apr to 30 Jun 2026. Valid 1 Apr 2026 (Wednesday): 8 weeks → + 56 = 27 May; 13 weeks → + 91 = 1 Jul.
async function seed() {
  const v = '2026-04-01';
  ids = {
    // Q13: minor dwellings, decided on the last day of 8 weeks (27 May), delegated
    minorInTime: (
      await application({
        development: { dwellings: 2 },
        validDate: v,
        decision: 'granted',
        decisionDate: '2026-05-27',
        decisionMaker: 'delegated',
      })
    ).id,
    // Q13: one day later (28 May): late, refused by committee
    minorLate: (
      await application({
        development: { dwellings: 3 },
        validDate: v,
        decision: 'refused',
        decisionDate: '2026-05-28',
        decisionMaker: 'committee',
      })
    ).id,
    // Q07: 25 dwellings, major, decided 30 Jun (the quarter's last day; 13 weeks end 1 Jul): statutory
    major: (
      await application({
        development: { dwellings: 25 },
        validDate: v,
        decision: 'granted',
        decisionDate: '2026-06-30',
      })
    ).id,
    // Q07: decided 1 Jul: in Q3 (PPA to 31 Jul: within agreed time), not in Q2
    majorQ3: (
      await application({
        development: { dwellings: 30 },
        validDate: v,
        decision: 'granted',
        decisionDate: '2026-07-10',
        ppa: { agreedOn: '2026-04-10', targetDate: '2026-07-31' },
      })
    ).id,
    // Q21: householder, EoT to 15 Jun, decided 10 Jun: within agreed time
    hhEot: (
      await application({
        applicationType: 'hh',
        validDate: v,
        extensionsOfTime: [{ agreedOn: '2026-05-20', newTargetDate: '2026-06-15' }],
        decision: 'granted',
        decisionDate: '2026-06-10',
      })
    ).id,
    // withdrawn 2 May: not a decision; PS1 withdrawn
    withdrawn: (
      await application({
        applicationType: 'hh',
        validDate: v,
        status: 'withdrawn',
        decision: 'withdrawn',
        decisionDate: '2026-05-02',
      })
    ).id,
    // received in Q2, undecided: on hand
    onHand: (await application({ receivedDate: '2026-04-15' })).id,
  };
  // recorded afterwards through PATCH: the decision maker and an appeal (allowed)
  const cur = await t.as('officer').get(`/api/cases/${ids.major}`).expect(200);
  const res = await t
    .as('officer')
    .patch(`/api/cases/${ids.major}`)
    .set('If-Match', cur.headers.etag!)
    .send({
      decisionMaker: 'committee',
      appeals: [{ lodgedOn: '2026-07-15', type: 'conditions', decidedOn: '2026-11-20', outcome: 'allowed' }],
    });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // an enforcement case with notices served either side of 30 June / 1 July
  await create({
    kind: 'enforcement',
    breachType: 'unauthorised-building-works',
    description: 'Extension built without permission',
    receivedDate: '2026-02-01',
    noticesServed: [
      { type: 'enforcement-notice', servedOn: '2026-06-30' },
      { type: 'enforcement-notice', servedOn: '2026-07-01' },
      { type: 'breach-of-condition-notice', servedOn: '2026-04-01' },
    ],
  });
}

describe('recording the statistics fields on a case', () => {
  it('shows decision maker, PPA and appeals on an application', async () => {
    const c = (await t.as('support').get(`/api/cases/${ids.major}`).expect(200)).body;
    expect(c.decisionMaker).toBe('committee');
    expect(c.ppa).toBeNull();
    expect(c.appeals).toEqual([
      { lodgedOn: '2026-07-15', type: 'conditions', decidedOn: '2026-11-20', outcome: 'allowed' },
    ]);
    const q3 = (await t.as('support').get(`/api/cases/${ids.majorQ3}`).expect(200)).body;
    expect(q3.ppa).toEqual({ agreedOn: '2026-04-10', targetDate: '2026-07-31' });
  });
  it.each([
    [{ decisionMaker: 'cabinet' }, 'body.decisionMaker'],
    [{ ppa: { agreedOn: '2026-05-01', targetDate: '2026-04-01' } }, 'body.ppa.targetDate'],
    [{ appeals: [{ lodgedOn: '2026-07-01', type: 'refusal', decidedOn: '2026-08-01' }] }, 'body.appeals.0.outcome'],
    [
      { appeals: [{ lodgedOn: '2026-07-01', type: 'refusal', decidedOn: '2026-06-01', outcome: 'allowed' }] },
      'body.appeals.0.decidedOn',
    ],
    [{ appeals: [{ lodgedOn: '2026-07-01', type: 'lost' }] }, 'body.appeals.0.type'],
    [{ development: { useType: 'castle' } }, 'body.development.useType'],
  ])('refuses %j', async (body, path) => {
    const cur = await t.as('officer').get(`/api/cases/${ids.onHand}`).expect(200);
    const res = await t.as('officer').patch(`/api/cases/${ids.onHand}`).set('If-Match', cur.headers.etag!).send(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain(path);
  });
  it('an enforcement case takes none of them', async () => {
    const res = await t.as('enforcement').post('/api/cases').send({
      kind: 'enforcement',
      breachType: 'other',
      description: 'x',
      receivedDate: '2026-02-01',
      decisionMaker: 'delegated',
    });
    expect(res.status).toBe(400);
  });
  it('useType and LBC demolition are kept in development', async () => {
    const c = await application({
      applicationType: 'lbc',
      development: { listedBuildingDemolition: true },
      receivedDate: '2026-08-01',
    });
    const cur = await t.as('officer').get(`/api/cases/${c.id}`).expect(200);
    expect(cur.body.development).toEqual({ listedBuildingDemolition: true });
    const res = await t
      .as('officer')
      .patch(`/api/cases/${c.id}`)
      .set('If-Match', cur.headers.etag!)
      .send({ development: { useType: 'retail' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.development).toEqual({ listedBuildingDemolition: true, useType: 'retail' });
  });
});

describe('GET /api/statistics/ps2.csv', () => {
  it('2026-Q2, line by line', async () => {
    const res = await t.as('support').get('/api/statistics/ps2.csv?quarter=2026-Q2').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toContain('ps2-2026-Q2.csv');
    const rows = parseCsv(res.text);
    expect(rows[0]).toEqual([
      'line',
      'development_type',
      'decisions',
      'granted',
      'refused',
      'other_outcome',
      'within_statutory_period',
      'within_agreed_time',
      'late',
      'time_unknown',
    ]);
    expect(rows).toHaveLength(1 + 27 + 1);
    const m = byKey(rows);
    // Q13: 2 decisions (granted 27 May in time, refused 28 May late)
    expect(m.get('Q13')!.slice(2)).toEqual(['2', '1', '1', '0', '1', '0', '1', '0']);
    // Q07: the 30 June decision only (1 July is Q3), within 13 weeks
    expect(m.get('Q07')!.slice(2)).toEqual(['1', '1', '0', '0', '1', '0', '0', '0']);
    // Q21: within the EoT (the withdrawn one is not a decision)
    expect(m.get('Q21')!.slice(2)).toEqual(['1', '1', '0', '0', '0', '1', '0', '0']);
    expect(m.get('Q01')!.slice(2)).toEqual(['0', '0', '0', '0', '0', '0', '0', '0']);
    expect(m.get('total')!.slice(2)).toEqual(['4', '3', '1', '0', '2', '1', '1', '0']);
  });
  it('2026-Q3: the 10 July decision within the PPA', async () => {
    const m = byKey(parseCsv((await t.as('officer').get('/api/statistics/ps2.csv?quarter=2026-Q3').expect(200)).text));
    expect(m.get('Q07')!.slice(2)).toEqual(['1', '1', '0', '0', '0', '1', '0', '0']);
    expect(m.get('total')![2]).toBe('1');
  });
  it('JSON lists each case and why', async () => {
    const b = (await t.as('officer').get('/api/statistics/ps2?quarter=2026-Q2').expect(200)).body;
    expect(b.quarter).toBe('2026-Q2');
    expect(b.period).toMatchObject({ from: '2026-04-01', to: '2026-06-30' });
    const late = b.cases.find((c: { id: number }) => c.id === ids.minorLate);
    expect(late).toMatchObject({ line: 'Q13', timeliness: 'late' });
    expect(late.because).toContain('2026-05-27');
  });
  it.each(['2026-Q5', '2026', 'Q2-2026'])('refuses quarter=%s', async (q) => {
    const res = await t.as('officer').get(`/api/statistics/ps2.csv?quarter=${q}`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
  it('needs an account', async () => {
    await t.anon.get('/api/statistics/ps2.csv?quarter=2026-Q2').expect(401);
    await t.anon.get('/api/statistics/ps1?quarter=2026-Q2').expect(401);
  });
});

describe('GET /api/statistics/ps1.csv', () => {
  it('2026-Q2 counts', async () => {
    const rows = parseCsv((await t.as('officer').get('/api/statistics/ps1.csv?quarter=2026-Q2').expect(200)).text);
    expect(rows[0]).toEqual(['section', 'measure', 'label', 'count']);
    const n = (k: string) => Number(byKey(rows, 1).get(k)![3]);
    // received in Q2: only onHand (15 Apr); the others were received 20 Mar
    expect(n('received')).toBe(1);
    expect(n('decided')).toBe(4);
    expect(n('granted')).toBe(3);
    expect(n('refused')).toBe(1);
    expect(n('delegated')).toBe(1);
    expect(n('committee')).toBe(2); // minorLate and major (recorded by PATCH)
    expect(n('decision-maker-not-recorded')).toBe(1); // hhEot
    expect(n('withdrawn')).toBe(1);
    // on hand at 30 Jun: onHand, majorQ3 (decided 10 Jul), and the LBC received 1 Aug is not yet received → 2
    expect(n('on-hand')).toBe(2);
    expect(n('ppas-agreed')).toBe(1); // 10 Apr
    expect(n('extensions-agreed')).toBe(1); // 20 May
    expect(n('enforcement-notice')).toBe(1); // 30 Jun (1 Jul is Q3)
    expect(n('breach-of-condition-notice')).toBe(1);
    expect(n('stop-notice')).toBe(0);
  });
});

describe('GET /api/statistics/designation.csv', () => {
  it('periods to 2026-Q3: speed and quality', async () => {
    const res = await t.as('officer').get('/api/statistics/designation.csv?to=2026-Q3').expect(200);
    const rows = parseCsv(res.text);
    const row = (measure: string, group: string) => rows.find((r) => r[0] === measure && r[1] === group)!;
    // majors 1 Oct 2024 – 30 Sep 2026: 30 Jun (statutory) and 10 Jul (PPA): 2 of 2 = 100%
    expect(row('speed', 'majors').slice(2)).toEqual([
      '2024-10-01',
      '2026-09-30',
      '',
      '2',
      '2',
      '0',
      '100',
      '>= 60',
      'meets',
      '',
    ]);
    // non-majors: Q13 ×2 (1 in time), Q21 (agreed) → 2 of 3 = 66.7%
    expect(row('speed', 'non-majors').slice(5, 11)).toEqual(['3', '2', '0', '66.7', '>= 70', 'below threshold']);
    // quality majors: 1 of 2 overturned (allowed 20 Nov 2026, before 30 Jun 2027) = 50%; provisional until then
    expect(row('quality', 'majors').slice(4)).toEqual([
      '2027-06-30',
      '2',
      '1',
      '',
      '50',
      '<= 10',
      'under-performing',
      'provisional',
    ]);
    expect(row('quality', 'non-majors').slice(5, 9)).toEqual(['3', '0', '', '0']);
  });
  it('JSON, 12-month speed: 1 Oct 2025 – 30 Sep 2026', async () => {
    const b = (await t.as('officer').get('/api/statistics/designation?to=2026-Q3&speedMonths=12').expect(200)).body;
    expect(b.speed[0].period).toMatchObject({ from: '2025-10-01', to: '2026-09-30' });
    expect(b.speed[0].decisions).toBe(2);
  });
  it('refuses speedMonths=18', async () => {
    await t.as('officer').get('/api/statistics/designation?speedMonths=18').expect(400);
  });
});

describe('the staff page /staff/statistics', () => {
  it('has the charts (SVG with title and description), tables, and a quarter form that works without JavaScript', async () => {
    const res = await t.as('officer').get('/staff/statistics?quarter=2026-Q2').expect(200);
    const html = res.text;
    expect(html).toContain('<h1 class="govuk-heading-l">Planning statistics</h1>');
    for (const id of ['ps2-chart', 'ps1-chart', 'designation-chart']) {
      expect(html).toMatch(
        new RegExp(`<svg[^>]*id="${id}"[^>]*role="img"[^>]*aria-labelledby="${id}-title ${id}-desc"`),
      );
      expect(html).toContain(`<title id="${id}-title">`);
    }
    for (const id of ['ps2-table', 'ps1-table', 'designation-table']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/<form method="get" action="\/staff\/statistics"/);
    expect(html).toContain('<option value="2026-Q2" selected>');
    expect(html).toContain('href="/api/statistics/ps2.csv?quarter=2026-Q2"');
    expect(html).toContain('href="/staff/statistics" aria-current="page">Statistics</a>');
  });
  it('a wrong quarter: 400 with the error beside the field', async () => {
    const res = await t.as('officer').get('/staff/statistics?quarter=nope').expect(400);
    expect(res.text).toContain('Select a quarter like 2026-Q3');
  });
  it('without an account: to sign in', async () => {
    const res = await t.anon.get('/staff/statistics').expect(303);
    expect(res.headers.location).toMatch(/^\/login/);
  });
});
