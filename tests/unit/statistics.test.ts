/**
 * PS1, PS2 and the designation measures (pure, no database), table by table against
 * shared/domain/statistics/RULES.md. Every date and count below is worked out by hand in the comment next to it,
 * never computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import {
  designationMeasures,
  endOfMonthAfter,
  isoWeekOf,
  monthsEndingWithQuarter,
  parseIsoWeek,
  parseQuarter,
  ps1Return,
  ps2LineOf,
  ps2Return,
  quarterOf,
  shiftQuarter,
  timelinessOf,
  type StatCase,
  type StatDevelopment,
} from '../../shared/domain/statistics/index.ts';

let nextId = 1;
function app(p: Partial<StatCase>): StatCase {
  const id = nextId++;
  return {
    id,
    reference: `26/AP/${String(id).padStart(4, '0')}`,
    kind: 'application',
    applicationType: 'full',
    development: {},
    status: 'decided',
    receivedDate: '2026-01-05',
    validDate: null,
    decision: null,
    decisionDate: null,
    decisionMaker: null,
    extensionsOfTime: [],
    ppa: null,
    appeals: [],
    noticesServed: [],
    ...p,
  };
}

describe('periods', () => {
  it.each([
    ['2026-Q1', '2026-01-01', '2026-03-31', 'January to March 2026'],
    ['2026-Q2', '2026-04-01', '2026-06-30', 'April to June 2026'],
    ['2026-Q3', '2026-07-01', '2026-09-30', 'July to September 2026'],
    ['2024-Q1', '2024-01-01', '2024-03-31', 'January to March 2024'], // leap year: Feb 29 inside
    ['2026-Q4', '2026-10-01', '2026-12-31', 'October to December 2026'],
  ])('quarter %s is %s to %s', (q, from, to, label) => {
    expect(parseQuarter(q)).toEqual({ from, to, label });
  });
  it.each(['2026-Q5', '2026-Q0', '26-Q1', '2026Q1', ''])('refuses %j', (q) => {
    expect(() => parseQuarter(q)).toThrow(/quarter/);
  });
  it('quarter of a date, either side of the boundary', () => {
    expect(quarterOf('2026-06-30')).toBe('2026-Q2');
    expect(quarterOf('2026-07-01')).toBe('2026-Q3');
    expect(shiftQuarter('2026-Q1', -1)).toBe('2025-Q4');
    expect(shiftQuarter('2025-Q4', 1)).toBe('2026-Q1');
  });
  it('assessment periods ending with a quarter', () => {
    // 24 months to 30 Sep 2026: 1 Oct 2024 to 30 Sep 2026; 12 months: Oct 2025 to Sep 2026 (the annual Oct–Sep)
    expect(monthsEndingWithQuarter('2026-Q3', 24)).toMatchObject({ from: '2024-10-01', to: '2026-09-30' });
    expect(monthsEndingWithQuarter('2026-Q3', 12)).toMatchObject({ from: '2025-10-01', to: '2026-09-30' });
    // 9 months after 30 Sep 2026 = 30 Jun 2027; after 31 Mar 2026 = 31 Dec 2026; after 31 May 2026 = 28 Feb 2027
    expect(endOfMonthAfter('2026-09-30', 9)).toBe('2027-06-30');
    expect(endOfMonthAfter('2026-03-31', 9)).toBe('2026-12-31');
    expect(endOfMonthAfter('2026-05-31', 9)).toBe('2027-02-28');
  });
  it.each([
    // 4 Jan 2026 is a Sunday, so week 1 starts Monday 29 Dec 2025; week 48 = +47 weeks = Monday 23 Nov 2026
    ['2026-W48', '2026-11-23', '2026-11-29'],
    ['2026-W01', '2025-12-29', '2026-01-04'],
    // 1 Jan 2026 is a Thursday: 2026 has 53 weeks; week 53 = Mon 28 Dec 2026 to Sun 3 Jan 2027
    ['2026-W53', '2026-12-28', '2027-01-03'],
    // 4 Jan 2027 is a Monday: week 1 of 2027 starts on it
    ['2027-W01', '2027-01-04', '2027-01-10'],
  ])('ISO week %s is %s to %s', (w, from, to) => {
    expect(parseIsoWeek(w)).toMatchObject({ from, to });
    expect(isoWeekOf(from)).toBe(w);
    expect(isoWeekOf(to)).toBe(w);
  });
  it('2027 has no week 53 (1 Jan 2027 is a Friday, 31 Dec a Friday)', () => {
    expect(() => parseIsoWeek('2027-W53')).toThrow(/weeks 01 to 52/);
    expect(() => parseIsoWeek('2026-W00')).toThrow(/weeks 01 to 53/);
  });
});

describe('PS2 development-type lines (RULES.md §6b)', () => {
  const cases: Array<[string, string, StatDevelopment, number | undefined, string | null]> = [
    ['minor dwellings: 3 on 0.2 ha', 'full', { dwellings: 3 }, 0.2, 'Q13'],
    ['9 dwellings, 0.49 ha: minor', 'full', { dwellings: 9 }, 0.49, 'Q13'],
    ['10 dwellings: smallscale major', 'full', { dwellings: 10 }, 0.3, 'Q07'],
    ['199 dwellings on 5 ha: smallscale (known number under 200)', 'full', { dwellings: 199 }, 5, 'Q07'],
    ['200 dwellings: largescale', 'full', { dwellings: 200 }, 3, 'Q01'],
    ['outline, dwellings unknown, 4 ha: largescale', 'outline', { dwellings: null }, 4, 'Q01'],
    ['outline, dwellings unknown, 3.99 ha: smallscale', 'outline', { dwellings: null }, 3.99, 'Q07'],
    ['outline, dwellings unknown, 0.49 ha: minor', 'outline', { dwellings: null }, 0.49, 'Q13'],
    ['offices 10,000 m²: largescale', 'full', { floorspaceM2: 10_000, useType: 'offices' }, 0.5, 'Q02'],
    ['offices 9,999 m²: smallscale', 'full', { floorspaceM2: 9_999, useType: 'offices' }, 0.5, 'Q08'],
    ['industry 1,000 m²: smallscale', 'full', { floorspaceM2: 1_000, useType: 'industry' }, 0.5, 'Q09'],
    ['retail 1,500 m²', 'full', { floorspaceM2: 1_500, useType: 'retail' }, 0.5, 'Q10'],
    ['industry, 2 ha site: largescale', 'full', { floorspaceM2: 500, useType: 'industry' }, 2, 'Q03'],
    ['retail 12,000 m²: largescale', 'full', { floorspaceM2: 12_000, useType: 'retail' }, 1, 'Q04'],
    ['traveller pitches, 2.5 ha: largescale', 'full', { useType: 'traveller-pitches' }, 2.5, 'Q05'],
    ['traveller pitches, 1.2 ha: smallscale', 'full', { useType: 'traveller-pitches' }, 1.2, 'Q11'],
    ['traveller pitches, 0.4 ha: minor', 'full', { useType: 'traveller-pitches' }, 0.4, 'Q17'],
    ['other use, 2 ha: largescale all other', 'full', { floorspaceM2: 0 }, 2, 'Q06'],
    ['other use, 1.5 ha: smallscale all other', 'full', {}, 1.5, 'Q12'],
    ['0 dwellings, 2,000 m², no use type: all other', 'full', { dwellings: 0, floorspaceM2: 2_000 }, 0.5, 'Q12'],
    ['offices 500 m², 0.3 ha: minor', 'full', { floorspaceM2: 500, useType: 'offices' }, 0.3, 'Q14'],
    ['industry 999 m²: minor', 'full', { floorspaceM2: 999, useType: 'industry' }, 0.99, 'Q15'],
    ['retail 300 m²: minor', 'full', { floorspaceM2: 300, useType: 'retail' }, 0.1, 'Q16'],
    ['minor, no use: all other minor', 'full', { floorspaceM2: 50 }, 0.1, 'Q18'],
    ['no site recorded: classified on what is recorded', 's73', { dwellings: 2 }, undefined, 'Q13'],
    ['change of use, small', 'change-of-use', {}, 0.1, 'Q20'],
    ['change of use to 12 dwellings: major', 'change-of-use', { dwellings: 12 }, 0.3, 'Q07'],
    ['householder', 'hh', {}, 0.05, 'Q21'],
    ['householder on 2 ha: never major', 'hh', {}, 2, 'Q21'],
    ['advertisement consent', 'advertising', {}, 0.01, 'Q22'],
    ['LBC to alter', 'lbc', {}, 0.02, 'Q23'],
    ['LBC to demolish', 'lbc', { listedBuildingDemolition: true }, 0.02, 'Q24'],
    ['demolition in a conservation area', 'demolition-con-area', {}, 0.1, 'Q25'],
    ['LDC existing use', 'ldc-existing-use', {}, 0.1, 'Q26'],
    ['LDC proposed', 'ldc-prospective-use', {}, 0.1, 'Q26'],
    ['telecoms notification', 'pa-ecomms-network', {}, 0.01, 'Q27'],
    ['agricultural building notification', 'pa-build-agri-forest', {}, 0.2, 'Q27'],
    ['prior approval change of use to dwellings: PS1 only', 'cho-commercial-to-dwh', {}, 0.1, null],
    ['details reserved by condition: not a PS2 line', 'approval-condition', {}, 0.1, null],
    ['minerals: county matter (CPS1/2)', 'mineral-extraction', {}, 3, null],
  ];
  it.each(cases)('%s', (_name, applicationType, development, siteAreaHa, line) => {
    const r = ps2LineOf({ applicationType, development, ...(siteAreaHa !== undefined ? { siteAreaHa } : {}) });
    expect(r.line, r.because).toBe(line);
  });
});

describe('speed: within the statutory period, within agreed time, late (RULES.md §6c)', () => {
  // valid Friday 1 May 2026. 8 weeks: May 1 + 56 = Jun 26. 13 weeks: + 91 = Jul 31. 16 weeks (EIA): + 112 = Aug 21.
  const v = '2026-05-01';
  const rows: Array<[string, Partial<StatCase>, 'major' | 'minor' | 'other', string, string | null]> = [
    ['minor, on the last day of 8 weeks', { decisionDate: '2026-06-26' }, 'minor', 'statutory', null],
    ['minor, one day after 8 weeks', { decisionDate: '2026-06-27' }, 'minor', 'late', null],
    ['major, on the last day of 13 weeks', { decisionDate: '2026-07-31' }, 'major', 'statutory', null],
    ['major, one day after 13 weeks', { decisionDate: '2026-08-01' }, 'major', 'late', null],
    [
      'major EIA, on day 16 weeks',
      { decisionDate: '2026-08-21', development: { eia: true } },
      'major',
      'statutory',
      null,
    ],
    ['major EIA, a day after', { decisionDate: '2026-08-22', development: { eia: true } }, 'major', 'late', null],
    [
      'minor, EoT to Jul 10, decided Jul 3',
      { decisionDate: '2026-07-03', extensionsOfTime: [{ agreedOn: '2026-06-20', newTargetDate: '2026-07-10' }] },
      'minor',
      'agreed',
      '2026-07-10',
    ],
    [
      'minor, EoT to Jul 10, decided on Jul 10',
      { decisionDate: '2026-07-10', extensionsOfTime: [{ agreedOn: '2026-06-20', newTargetDate: '2026-07-10' }] },
      'minor',
      'agreed',
      '2026-07-10',
    ],
    [
      'minor, EoT to Jul 10, decided Jul 11',
      { decisionDate: '2026-07-11', extensionsOfTime: [{ agreedOn: '2026-06-20', newTargetDate: '2026-07-10' }] },
      'minor',
      'late',
      '2026-07-10',
    ],
    [
      'minor, EoT within decided before the statutory date: statutory first',
      { decisionDate: '2026-06-20', extensionsOfTime: [{ agreedOn: '2026-06-10', newTargetDate: '2026-07-10' }] },
      'minor',
      'statutory',
      '2026-07-10',
    ],
    [
      'minor, an EoT to a date before the statutory date does not shorten it; decided Jun 27 late',
      { decisionDate: '2026-06-27', extensionsOfTime: [{ agreedOn: '2026-05-20', newTargetDate: '2026-06-01' }] },
      'minor',
      'late',
      null,
    ],
    [
      'major, PPA to Sep 30, decided Sep 15',
      { decisionDate: '2026-09-15', ppa: { agreedOn: '2026-04-20', targetDate: '2026-09-30' } },
      'major',
      'agreed',
      '2026-09-30',
    ],
    [
      'major, PPA to Sep 30, decided Oct 1',
      { decisionDate: '2026-10-01', ppa: { agreedOn: '2026-04-20', targetDate: '2026-09-30' } },
      'major',
      'late',
      '2026-09-30',
    ],
    [
      'major, PPA Sep 30 and a later EoT to Oct 9: the later agreed date',
      {
        decisionDate: '2026-10-05',
        ppa: { agreedOn: '2026-04-20', targetDate: '2026-09-30' },
        extensionsOfTime: [{ agreedOn: '2026-09-20', newTargetDate: '2026-10-09' }],
      },
      'major',
      'agreed',
      '2026-10-09',
    ],
  ];
  it.each(rows)('%s', (_n, p, category, expected, agreed) => {
    const c = app({ validDate: v, ...p });
    const t = timelinessOf(c, category);
    expect(t.timeliness, t.because).toBe(expected);
    expect(t.agreedDate).toBe(agreed);
  });
  it('no valid date: unknown, never late', () => {
    expect(timelinessOf(app({ decisionDate: '2026-09-01' }), 'minor').timeliness).toBe('unknown');
  });
  it('a type with no period in the rules: unknown', () => {
    const c = app({ applicationType: 'psi-app', validDate: v, decisionDate: '2026-12-01' });
    expect(timelinessOf(c, 'minor').timeliness).toBe('unknown');
  });
  it('fixed periods: advertisement 8 weeks [M], prior approval notification 56 days', () => {
    const ad = app({ applicationType: 'advertising', validDate: v, decisionDate: '2026-06-26' });
    expect(timelinessOf(ad, 'other').timeliness).toBe('statutory');
    // May 1 + 56 days = Jun 26
    const pa = app({ applicationType: 'pa-ecomms-network', validDate: v, decisionDate: '2026-06-27' });
    expect(timelinessOf(pa, 'other').timeliness).toBe('late');
  });
});

describe('PS2 return for a quarter', () => {
  // 2026-Q2 = 1 Apr to 30 Jun 2026
  const v = '2026-04-01'; // + 56 = May 27 (8 weeks); + 91 = Jul 1 (13 weeks)
  const cases = [
    // Q13 minor dwellings: granted in time (May 27 = last day), refused late (May 28)
    app({
      development: { dwellings: 2 },
      siteAreaHa: 0.1,
      validDate: v,
      decision: 'granted',
      decisionDate: '2026-05-27',
    }),
    app({
      development: { dwellings: 2 },
      siteAreaHa: 0.1,
      validDate: v,
      decision: 'refused',
      decisionDate: '2026-05-28',
    }),
    // Q21 householder: decided on 30 June (in Q2) within an EoT to Jun 30; another on 1 July (Q3: not counted)
    app({
      applicationType: 'hh',
      validDate: v,
      decision: 'granted',
      decisionDate: '2026-06-30',
      extensionsOfTime: [{ agreedOn: '2026-05-20', newTargetDate: '2026-06-30' }],
    }),
    app({ applicationType: 'hh', validDate: v, decision: 'granted', decisionDate: '2026-07-01' }),
    // Q07 smallscale major: split decision, no valid date → time unknown
    app({ development: { dwellings: 20 }, siteAreaHa: 0.8, decision: 'split-decision', decisionDate: '2026-06-01' }),
    // withdrawn and declined: not decisions
    app({
      applicationType: 'hh',
      validDate: v,
      decision: 'withdrawn',
      decisionDate: '2026-05-01',
      status: 'withdrawn',
    }),
    app({ applicationType: 'hh', validDate: v, decision: 'declined-to-determine', decisionDate: '2026-05-02' }),
    // decided 31 March: Q1, not counted
    app({ applicationType: 'hh', validDate: '2026-02-01', decision: 'granted', decisionDate: '2026-03-31' }),
    // on no PS2 line: a prior approval for change of use
    app({
      applicationType: 'cho-commercial-to-dwh',
      validDate: v,
      decision: 'prior-approval-granted',
      decisionDate: '2026-05-20',
    }),
  ];
  const r = ps2Return(cases, parseQuarter('2026-Q2'));
  const row = (q: string) => r.rows.find((x) => x.line === q)!;
  it('every line is listed, 27 of them', () => {
    expect(r.rows.map((x) => x.line)).toEqual(
      Array.from({ length: 27 }, (_, i) => `Q${String(i + 1).padStart(2, '0')}`),
    );
  });
  it.each([
    // line, total, granted, refused, other, statutory, agreed, late, unknown
    ['Q13', 2, 1, 1, 0, 1, 0, 1, 0],
    ['Q21', 1, 1, 0, 0, 0, 1, 0, 0],
    ['Q07', 1, 0, 0, 1, 0, 0, 0, 1],
    ['Q01', 0, 0, 0, 0, 0, 0, 0, 0],
    ['Q20', 0, 0, 0, 0, 0, 0, 0, 0],
  ])('%s', (q, total, granted, refused, other, stat, agreed, late, unknown) => {
    expect(row(q)).toMatchObject({
      total,
      granted,
      refused,
      otherOutcome: other,
      withinStatutory: stat,
      withinAgreed: agreed,
      late,
      timeUnknown: unknown,
    });
  });
  it('totals, and the decision on no line listed apart', () => {
    expect(r.total).toEqual({
      total: 4,
      granted: 2,
      refused: 1,
      otherOutcome: 1,
      withinStatutory: 1,
      withinAgreed: 1,
      late: 1,
      timeUnknown: 1,
    });
    expect(r.excluded.map((x) => x.decision)).toEqual(['prior-approval-granted']);
  });
  it('1 July counts in Q3, not Q2', () => {
    const q3 = ps2Return(cases, parseQuarter('2026-Q3'));
    expect(q3.rows.find((x) => x.line === 'Q21')!.total).toBe(1);
    expect(q3.total.total).toBe(1);
  });
});

describe('PS1 return', () => {
  const q2 = parseQuarter('2026-Q2');
  const cases: StatCase[] = [
    app({ receivedDate: '2026-03-31', decision: 'granted', decisionDate: '2026-04-01', decisionMaker: 'delegated' }),
    app({ receivedDate: '2026-04-01', decision: 'refused', decisionDate: '2026-06-30', decisionMaker: 'committee' }),
    app({ receivedDate: '2026-06-30', decision: 'granted', decisionDate: '2026-07-01', decisionMaker: 'delegated' }),
    app({ receivedDate: '2026-05-10', decision: 'withdrawn', decisionDate: '2026-06-01', status: 'withdrawn' }),
    app({ receivedDate: '2026-05-11', decision: 'split-decision', decisionDate: '2026-06-02' }),
    app({
      applicationType: 'pa-extension',
      receivedDate: '2026-04-02',
      decision: 'prior-approval-not-required',
      decisionDate: '2026-05-02',
      decisionMaker: 'delegated',
      ppa: { agreedOn: '2026-04-03', targetDate: '2026-08-01' },
      extensionsOfTime: [
        { agreedOn: '2026-03-01', newTargetDate: '2026-04-30' },
        { agreedOn: '2026-04-20', newTargetDate: '2026-05-30' },
      ],
    }),
    app({ receivedDate: '2026-01-10' }), // on hand since January
    app({ receivedDate: '2026-07-02' }), // received after the quarter
    {
      ...app({}),
      kind: 'enforcement',
      applicationType: null,
      noticesServed: [
        { type: 'enforcement-notice', servedOn: '2026-06-30' },
        { type: 'enforcement-notice', servedOn: '2026-07-01' },
        { type: 'stop-notice', servedOn: '2026-04-01' },
        { type: 'planning-contravention-notice', servedOn: '2026-03-31' },
      ],
    },
  ];
  const r = ps1Return(cases, q2);
  const count = (m: string) => r.rows.find((x) => x.measure === m)!.count;
  it.each([
    // received Apr 1, Jun 30, May 10, May 11, Apr 2 = 5 (not Mar 31, not Jul 2)
    ['received', 5],
    // decided in Q2: Apr 1 granted, Jun 30 refused, Jun 2 split, May 2 prior approval = 4 (not withdrawn, not Jul 1)
    ['decided', 4],
    ['granted', 2], // Apr 1, the prior approval not required
    ['refused', 1],
    ['other-outcome', 1], // the split decision
    ['delegated', 2],
    ['committee', 1],
    ['decision-maker-not-recorded', 1],
    ['withdrawn', 1],
    ['declined', 0],
    ['prior-approvals-decided', 1],
    // on hand at Jun 30: received by then and not decided by then: the Jun 30 receipt (decided Jul 1), Jan 10
    ['on-hand', 2],
    ['ppas-agreed', 1],
    ['extensions-agreed', 1], // Apr 20 (Mar 1 is in Q1)
    ['enforcement-notice', 1], // Jun 30 (Jul 1 is Q3)
    ['stop-notice', 1],
    ['planning-contravention-notice', 0], // Mar 31 is Q1
    ['temporary-stop-notice', 0],
    ['breach-of-condition-notice', 0],
  ])('%s = %i', (m, n) => {
    expect(count(m)).toBe(n);
  });
});

describe('designation measures (RULES.md §6c)', () => {
  // assessment period to 2026-Q3: 24 months = 1 Oct 2024 to 30 Sep 2026; appeals counted to 30 Jun 2027
  const v = '2025-01-06'; // 8 weeks: + 56 = Mar 3 2025; 13 weeks: + 91 = Apr 7 2025
  const major = { development: { dwellings: 50 }, siteAreaHa: 1.5, validDate: v };
  const minor = { development: { dwellings: 1 }, siteAreaHa: 0.1, validDate: v };
  const cases: StatCase[] = [
    // majors: 3 in time (2 statutory, 1 agreed), 2 late → 3/5 = 60% (meets: ≥ 60)
    app({ ...major, decision: 'granted', decisionDate: '2025-04-07' }),
    app({ ...major, decision: 'granted', decisionDate: '2025-03-01' }),
    app({
      ...major,
      decision: 'granted',
      decisionDate: '2025-05-01',
      ppa: { agreedOn: '2025-01-10', targetDate: '2025-05-01' },
    }),
    app({
      ...major,
      decision: 'refused',
      decisionDate: '2025-04-08',
      appeals: [{ lodgedOn: '2025-05-01', type: 'refusal', decidedOn: '2025-10-01', outcome: 'allowed' }],
    }),
    app({ ...major, decision: 'refused', decisionDate: '2025-06-01' }),
    // a major decided 30 Sep 2024: before the period
    app({ ...major, validDate: '2024-06-03', decision: 'granted', decisionDate: '2024-09-30' }),
    // non-majors: 2 in time, 1 late, 1 unknown (no valid date) → 2/3 = 66.7% (below 70)
    app({ ...minor, decision: 'granted', decisionDate: '2025-03-03' }),
    app({
      ...minor,
      decision: 'refused',
      decisionDate: '2025-02-01',
      appeals: [{ lodgedOn: '2025-03-01', type: 'refusal', decidedOn: '2027-06-30', outcome: 'allowed' }],
    }),
    app({
      ...minor,
      decision: 'refused',
      decisionDate: '2025-03-04',
      appeals: [{ lodgedOn: '2025-04-01', type: 'refusal', decidedOn: '2027-07-01', outcome: 'allowed' }],
    }),
    app({
      ...minor,
      validDate: null,
      decision: 'granted',
      decisionDate: '2025-03-04',
      appeals: [{ lodgedOn: '2025-04-01', type: 'conditions', decidedOn: '2025-09-01', outcome: 'split' }],
    }),
    // a non-major appealed for non-determination in the period, never decided, appeal allowed: in both counts
    app({
      ...minor,
      appeals: [{ lodgedOn: '2025-06-01', type: 'non-determination', decidedOn: '2025-11-01', outcome: 'allowed' }],
    }),
    // advertisement: not a non-major for designation
    app({ applicationType: 'advertising', validDate: v, decision: 'consent-granted', decisionDate: '2025-06-01' }),
  ];
  it('speed, 24 months', () => {
    const d = designationMeasures(cases, '2026-Q3', '2027-12-01', 24);
    expect(d.speed[0]).toMatchObject({
      group: 'majors',
      decisions: 5,
      inTime: 3,
      timeUnknown: 0,
      percent: 60,
      meets: true,
    });
    expect(d.speed[1]).toMatchObject({
      group: 'non-majors',
      decisions: 4,
      inTime: 2,
      timeUnknown: 1,
      percent: 66.7,
      meets: false,
    });
    expect(d.speed[0]!.period).toMatchObject({ from: '2024-10-01', to: '2026-09-30' });
  });
  it('speed, 12 months (Oct 2025 to Sep 2026): none of these decisions', () => {
    const d = designationMeasures(cases, '2026-Q3', '2027-12-01', 12);
    expect(d.speed[0]).toMatchObject({ decisions: 0, percent: null, meets: null });
  });
  it('quality: appeals allowed up to 9 months after the period (30 June 2027), not 1 July', () => {
    const d = designationMeasures(cases, '2026-Q3', '2027-12-01', 24);
    // majors: 1 overturned of 5 = 20% (> 10: under-performing)
    expect(d.quality[0]).toMatchObject({
      decisions: 5,
      overturned: 1,
      percent: 20,
      underPerforming: true,
      provisional: false,
    });
    // non-majors: 4 decisions + 1 non-determination = 5; overturned: Jun 30 2027 one and the non-determination = 2
    // (the one decided Jul 1 2027 is after the lag; the split is shown apart) → 2/5 = 40%
    expect(d.quality[1]).toMatchObject({
      decisions: 5,
      nonDetermination: 1,
      overturned: 2,
      split: 1,
      percent: 40,
      appealsCountedTo: '2027-06-30',
    });
  });
  it('quality before the lag has passed is provisional and counts only appeals decided by then', () => {
    const d = designationMeasures(cases, '2026-Q3', '2026-12-06', 24);
    expect(d.quality[1]).toMatchObject({ provisional: true, overturned: 1 });
  });
});
