/**
 * Statutory periods as the law counts them (issue 11 item 8; shared/domain/publicity/RULES.md "Corrections
 * (2026-12)"): public holidays disregarded in the site notice, neighbour notice and newspaper periods (DMPO Sch. 3
 * as substituted by SI 2021/746), 21-day reg 5 / reg 5A site notices and LBC website publication (SI 2010/568),
 * public service infrastructure (18 days, 10 weeks), the railway infrastructure manager (21 days), and the shipped
 * bank holiday list. Every date is worked out by hand in the comment next to it, never by the code under test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import {
  BankHolidaysFileSchema,
  SHIPPED_BANK_HOLIDAYS,
  SHIPPED_CALENDAR,
  calendarOf,
  easterSunday,
  goodFriday,
  mergeBankHolidays,
  type HolidayCalendar,
} from '../../shared/domain/holidays/index.ts';
import {
  publicityFor,
  representationWindows,
  requiredPublicity,
  statutoryDetermination,
  type ConstraintTrigger,
} from '../../shared/domain/publicity/index.ts';
import { currentHolidayCalendar, storeBankHolidays } from '../../server/modules/publicity/holidays.ts';

const letters = (date: string) => representationWindows([{ kind: 'neighbour-letters', date }]);
const dayDiff = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;

describe('public holidays are not counted in the site notice, letters and newspaper periods (DMPO Sch. 3)', () => {
  it('letters on 17 December 2026 get three more days than letters on 5 November (25 and 28 Dec, 1 Jan)', () => {
    // Nov 5 + 20 = Nov 25, no public holiday inside → earliest decision Thu Nov 26: 21 days after the letters
    const nov = letters('2026-11-05');
    expect(nov.events[0]).toMatchObject({ lastDay: '2026-11-25', holidaysNotCounted: [], endKnown: true });
    expect(nov.earliestDecisionDate).toBe('2026-11-26');
    // Dec 17 + 20 = Dec 37 = Jan 6 2027; + Fri Dec 25 (Christmas Day), Mon Dec 28 (Boxing Day substitute),
    // Fri Jan 1 (New Year's Day) = Jan 9 → earliest decision Sun Jan 10: 24 days after the letters
    const dec = letters('2026-12-17');
    expect(dec.events[0]).toMatchObject({
      lastDay: '2027-01-09',
      holidaysDisregarded: true,
      holidaysNotCounted: ['2026-12-25', '2026-12-28', '2027-01-01'],
      endKnown: true,
    });
    expect(dec.earliestDecisionDate).toBe('2027-01-10');
    expect(dayDiff('2026-12-17', dec.earliestDecisionDate!) - dayDiff('2026-11-05', nov.earliestDecisionDate!)).toBe(3);
    expect(dec.events[0]?.because).toContain('Friday 2026-12-25 (Christmas Day)');
    expect(dec.events[0]?.because).toContain('public holidays disregarded');
  });

  it.each<[string, string, string]>([
    // Dec 4 + 20 = Dec 24: the window closes before Christmas, nothing skipped
    ['ends the day before Christmas Day', '2026-12-04', '2026-12-24'],
    // Dec 5 + 20 = Dec 25, Christmas Day not counted → Sat Dec 26 (Boxing Day on a Saturday is not itself a bank
    // holiday: its substitute is Mon Dec 28)
    ['would end on Christmas Day: one day more, Boxing Day on a Saturday counts', '2026-12-05', '2026-12-26'],
    // Dec 7 + 20 = Dec 27, + Dec 25 = Dec 28 (substitute, not counted) → Tue Dec 29
    ['would run onto the substitute day: it is skipped too', '2026-12-07', '2026-12-29'],
    // on Christmas Day itself: day 1 is Sat Dec 26; Dec 26..Jan 17 less Dec 28 and Jan 1 = 21 counted days → Jan 17
    ['served on Christmas Day: that day is not day 1', '2026-12-25', '2027-01-17'],
  ])('letters: %s', (_name, date, lastDay) => {
    expect(letters(date).events[0]?.lastDay).toBe(lastDay);
  });

  it('Easter: a site notice over Good Friday and Easter Monday 2027 runs two days longer', () => {
    // Easter Sunday 2027 is Mar 28: Good Friday Mar 26, Easter Monday Mar 29. Mar 20 + 20 = Apr 9, + 2 = Apr 11
    const w = representationWindows([{ kind: 'site-notice', date: '2027-03-20' }]);
    expect(w.events[0]).toMatchObject({ lastDay: '2027-04-11', holidaysNotCounted: ['2027-03-26', '2027-03-29'] });
    expect(w.earliestDecisionDate).toBe('2027-04-12');
  });

  it('Christmas Day on a Saturday (2027): 25 December and both substitute days are holidays; 1 January 2028 (a Saturday) is not', () => {
    // Dec 20 2027 + 20 = Jan 9 2028; not counted: Sat Dec 25 (Christmas Day), Mon Dec 27 and Tue Dec 28
    // (substitutes), Mon Jan 3 2028 (New Year's Day substitute) → + 4 = Jan 13
    const w = letters('2027-12-20');
    expect(w.events[0]).toMatchObject({
      lastDay: '2028-01-13',
      holidaysNotCounted: ['2027-12-25', '2027-12-27', '2027-12-28', '2028-01-03'],
    });
  });

  it('the newspaper period (14 days) disregards holidays too: the spring bank holiday', () => {
    // May 20 2026 + 13 = Jun 2, + Mon May 25 (spring bank holiday) = Jun 3
    const w = representationWindows([{ kind: 'press-advert', date: '2026-05-20' }]);
    expect(w.events[0]).toMatchObject({ lastDay: '2026-06-03', holidaysNotCounted: ['2026-05-25'] });
  });

  it('the website and the applicant’s notice to owners count every day', () => {
    // website Dec 17 + 13 = Dec 30; owner notice Dec 17 + 20 = Jan 6 2027 (holidays inside count)
    const w = representationWindows([
      { kind: 'website', date: '2026-12-17' },
      { kind: 'owner-notice', date: '2026-12-17' },
    ]);
    expect(w.events.map((e) => [e.kind, e.lastDay, e.holidaysDisregarded])).toEqual([
      ['website', '2026-12-30', false],
      ['owner-notice', '2027-01-06', false],
    ]);
  });

  it('Christmas Day and Good Friday are holidays even when the bank holiday list leaves them out', () => {
    // a list covering 2026 with no bank holidays at all: only Good Friday Apr 3 is skipped (Easter Monday is a
    // bank holiday, so it counts here): Apr 1 + 13 = Apr 14, + 1 = Apr 15
    const bare: HolidayCalendar = { bankHolidays: [], firstYear: 2026, lastYear: 2026, source: 'test' };
    const w = representationWindows([{ kind: 'press-advert', date: '2026-04-01' }], { holidays: bare });
    expect(w.events[0]).toMatchObject({ lastDay: '2026-04-15', holidaysNotCounted: ['2026-04-03'] });
  });

  it('a window that counts through a year the list does not cover has no known end: "unknown", not a date', () => {
    // Dec 9 2028 + 20 = Dec 29, + Mon Dec 25, Tue Dec 26 = Dec 31 2028: still inside the list (2018–2028) → known
    const inside = letters('2028-12-09');
    expect(inside.events[0]).toMatchObject({ lastDay: '2028-12-31', endKnown: true });
    expect(inside.earliestDecisionDate).toBe('2029-01-01');
    // one day later: Dec 10 + 20 = Dec 30, + 2 = Jan 1 2029, a day of a year whose bank holidays Redline lacks
    const past = letters('2028-12-10');
    expect(past.events[0]).toMatchObject({ lastDay: '2029-01-01', endKnown: false });
    expect(past.earliestDecisionDate).toBeNull();
    expect(past.earliestDecisionDateAtLeast).toBe('2029-01-02');
    expect(past.because).toContain('not known');
    expect(past.because).toContain('2018–2028');
    // with a list that covers 2029 (New Year's Day Mon Jan 1 2029): Dec 10 + 20 = Dec 30, + Dec 25, 26, Jan 1 = Jan 2
    const longer = calendarOf(
      mergeBankHolidays(SHIPPED_BANK_HOLIDAYS, {
        'england-and-wales': {
          division: 'england-and-wales',
          events: [{ title: 'New Year’s Day', date: '2029-01-01', notes: '', bunting: true }],
        },
      }),
      'test',
    );
    const known = representationWindows([{ kind: 'neighbour-letters', date: '2028-12-10' }], { holidays: longer });
    expect(known.events[0]).toMatchObject({ lastDay: '2029-01-02', endKnown: true });
    expect(known.earliestDecisionDate).toBe('2029-01-03');
  });

  it('the BOPS posting option keeps its dispatch rule and then disregards holidays in the 21 days', () => {
    // Thu Dec 17 2026 → dispatched Fri Dec 18; day 1 = Dec 19; Dec 19 + 20 = Jan 8, + Dec 25, Dec 28, Jan 1 = Jan 11
    const w = representationWindows([{ kind: 'neighbour-letters', date: '2026-12-17' }], {
      letters: 'next-working-day',
    });
    expect(w.events[0]).toMatchObject({ firstDay: '2026-12-18', lastDay: '2027-01-11' });
  });
});

describe('heritage publicity: 21 days in England (SI 2010/568)', () => {
  it('listed building consent (reg 5): 21-day site notice, newspaper and website; calendar days', () => {
    const r = requiredPublicity({
      applicationType: 'lbc',
      category: 'other',
      listedBuildingConsent: { grade: 'II', interiorOnly: false },
    });
    expect(r.requirements.map((x) => [x.kind, x.minimumDays, x.evidence])).toEqual([
      ['press-advert', 21, 'M'],
      ['site-notice', 21, 'S'],
      ['website', 21, 'S'],
    ]);
    expect(r.requirements.find((x) => x.kind === 'site-notice')?.because).toContain('not less than 21 days');
    // the LBCA Regs do not disregard holidays: Dec 17 + 20 = Jan 6 2027 for each; earliest Jan 7
    const c = publicityFor(
      { applicationType: 'lbc', listedBuildingConsent: { grade: 'II', interiorOnly: false } },
      [],
      [
        { kind: 'site-notice', date: '2026-12-17' },
        { kind: 'press-advert', date: '2026-12-17' },
        { kind: 'website', date: '2026-12-17' },
      ],
      null,
    );
    expect(c.windows.events.map((e) => [e.kind, e.windowDays, e.lastDay, e.holidaysDisregarded])).toEqual([
      ['site-notice', 21, '2027-01-06', false],
      ['press-advert', 21, '2027-01-06', false],
      ['website', 21, '2027-01-06', false],
    ]);
    expect(c.earliestDecisionDate).toBe('2027-01-07');
  });

  it('setting / conservation area (reg 5A): a 21-day site notice, and the DMPO holidays still apply on top', () => {
    const ca: ConstraintTrigger = { trigger: 'conservation-area', siteAreaM2: 400, newBuildingOrExtension: false };
    const r = requiredPublicity({ applicationType: 'full', category: 'minor', triggers: [ca] });
    expect(r.requirements.filter((x) => x.rule === 'reg5a-overlay').map((x) => [x.kind, x.minimumDays])).toEqual([
      ['site-notice', 21],
      ['press-advert', 21],
    ]);
    expect(r.summary.find((s) => s.kind === 'site-notice')).toMatchObject({ status: 'required', minimumDays: 21 });
    // site notice Apr 1 2026: DMPO Apr 1 + 20 = Apr 21, + Apr 3, Apr 6 = Apr 23 (longer than reg 5A's Apr 21);
    // press Apr 1: DMPO Apr 1 + 13 = Apr 14, + 2 = Apr 16, but reg 5A holds the decision 21 days: Apr 21
    const c = publicityFor(
      { applicationType: 'full', dwellings: 2, siteAreaHa: 0.04 },
      [ca],
      [
        { kind: 'site-notice', date: '2026-04-01' },
        { kind: 'press-advert', date: '2026-04-01' },
      ],
      null,
    );
    expect(c.windows.events.map((e) => [e.kind, e.lastDay])).toEqual([
      ['site-notice', '2026-04-23'],
      ['press-advert', '2026-04-21'],
    ]);
    expect(c.earliestDecisionDate).toBe('2026-04-24');
  });
});

describe('public service infrastructure development (SI 2021/746) and the railway (art. 16)', () => {
  it('18-day site notice and letters, 18 days for the railway manager; the newspaper stays 14', () => {
    const r = requiredPublicity({
      applicationType: 'full',
      category: 'major',
      publicServiceInfrastructure: true,
      nearRailway: true,
    });
    expect(r.requirements.map((x) => `${x.kind}:${x.minimumDays}`)).toEqual([
      'site-notice:18',
      'neighbour-letters:18',
      'press-advert:14',
      'website:14',
      'railway-notification:18',
    ]);
    expect(r.requirements[0]?.because).toContain('18 days');
    // not PSI: the railway manager has 21 days
    expect(
      requiredPublicity({ applicationType: 'full', category: 'minor', nearRailway: true }).requirements.at(-1),
    ).toMatchObject({ kind: 'railway-notification', minimumDays: 21 });
  });

  it('windows: 18 days with holidays disregarded; EIA keeps 30; reg 5A keeps its 21', () => {
    // Jun 1 2026 + 17 = Jun 18 (no holidays)
    const psi = { publicServiceInfrastructure: true };
    expect(representationWindows([{ kind: 'site-notice', date: '2026-06-01' }], psi).events[0]?.lastDay).toBe(
      '2026-06-18',
    );
    // Aug 20 + 17 = Sep 6, + Mon Aug 31 (summer bank holiday) = Sep 7
    expect(representationWindows([{ kind: 'neighbour-letters', date: '2026-08-20' }], psi).events[0]?.lastDay).toBe(
      '2026-09-07',
    );
    // EIA: Jun 1 + 29 = Jun 30
    expect(
      representationWindows([{ kind: 'site-notice', date: '2026-06-01' }], { ...psi, eia: true }).events[0]?.lastDay,
    ).toBe('2026-06-30');
    // reg 5A: no decision within 21 days of the site notice: Jun 1 + 20 = Jun 21
    expect(
      representationWindows([{ kind: 'site-notice', date: '2026-06-01' }], { ...psi, heritage: true }).events[0]
        ?.lastDay,
    ).toBe('2026-06-21');
  });

  it('10-week determination period (EIA stays 16 weeks)', () => {
    // Jun 1 2026 + 70 = Aug 10
    const d = statutoryDetermination({
      validDate: '2026-06-01',
      category: 'major',
      applicationType: 'full',
      publicServiceInfrastructure: true,
    });
    expect(d).toMatchObject({ periodWeeks: 10, periodLabel: '10 weeks', statutoryDate: '2026-08-10' });
    // EIA: Jun 1 + 112 = Sep 21
    expect(
      statutoryDetermination({
        validDate: '2026-06-01',
        category: 'major',
        applicationType: 'full',
        publicServiceInfrastructure: true,
        eia: true,
      }),
    ).toMatchObject({ periodWeeks: 16, statutoryDate: '2026-09-21' });
    // a case's flag reaches both the windows and the determination
    const c = publicityFor(
      { applicationType: 'full', floorspaceM2: 2000, publicServiceInfrastructure: true, validDate: '2026-06-01' },
      [],
      [{ kind: 'site-notice', date: '2026-06-01' }],
      null,
    );
    expect(c.windows.events[0]?.lastDay).toBe('2026-06-18');
    expect(c.determination?.statutoryDate).toBe('2026-08-10');
  });
});

describe('the shipped bank holiday list (England and Wales, 2018–2028)', () => {
  const dates = SHIPPED_CALENDAR.bankHolidays;

  it('is a valid GOV.UK-shaped file covering 2018 to 2028', () => {
    expect(BankHolidaysFileSchema.safeParse(SHIPPED_BANK_HOLIDAYS).success).toBe(true);
    expect([SHIPPED_CALENDAR.firstYear, SHIPPED_CALENDAR.lastYear]).toEqual([2018, 2028]);
    // 8 a year, plus 2022's Platinum Jubilee and State Funeral and 2023's Coronation
    expect(dates).toHaveLength(11 * 8 + 3);
    for (const d of dates) expect([0, 6]).not.toContain(new Date(`${d}T00:00:00Z`).getUTCDay());
  });

  it.each([
    ['2020-05-08', 'VE day moved the early May bank holiday'],
    ['2022-06-02', 'spring bank holiday moved for the Platinum Jubilee'],
    ['2022-06-03', 'Platinum Jubilee'],
    ['2022-09-19', 'State Funeral of Queen Elizabeth II'],
    ['2023-05-08', 'Coronation of King Charles III'],
    ['2025-05-05', 'early May 2025'],
    ['2021-12-27', 'Christmas substitute (25 Dec 2021 a Saturday)'],
    ['2021-12-28', 'Boxing Day substitute'],
    ['2022-12-27', 'Christmas substitute (25 Dec 2022 a Sunday)'],
    ['2026-12-28', 'Boxing Day substitute (26 Dec 2026 a Saturday)'],
    ['2028-01-03', 'New Year substitute (1 Jan 2028 a Saturday)'],
  ])('lists %s (%s)', (date) => {
    expect(dates).toContain(date);
  });

  it.each(['2020-05-04', '2022-05-30', '2021-12-25', '2026-12-26'])('does not list %s', (date) => {
    expect(dates).not.toContain(date);
  });

  it('Good Friday and Easter Monday follow Easter', () => {
    expect([2019, 2024, 2025, 2026, 2027].map(easterSunday)).toEqual([
      '2019-04-21',
      '2024-03-31',
      '2025-04-20',
      '2026-04-05',
      '2027-03-28',
    ]);
    for (let y = 2018; y <= 2028; y++) expect(dates).toContain(goodFriday(y));
  });

  it('refuses a file that is not the GOV.UK shape, with where', () => {
    const bad = BankHolidaysFileSchema.safeParse({
      'england-and-wales': {
        division: 'england-and-wales',
        events: [{ title: 'x', date: '2026-02-30', notes: '', bunting: true }],
      },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path.join('.')).toBe('england-and-wales.events.0.date');
    expect(BankHolidaysFileSchema.safeParse({ scotland: {} }).success).toBe(false);
  });
});

describe('holidays:refresh storage (server/modules/publicity/holidays.ts)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-holidays-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without a refreshed file the shipped list is used; a refreshed year replaces the shipped one', () => {
    expect(currentHolidayCalendar(dir)).toBe(SHIPPED_CALENDAR);
    const stored = storeBankHolidays(
      {
        'england-and-wales': {
          division: 'england-and-wales',
          events: [
            { title: 'New Year’s Day', date: '2029-01-01', notes: '', bunting: true },
            { title: 'Good Friday', date: '2029-03-30', notes: '', bunting: false },
          ],
        },
        scotland: { division: 'scotland', events: [] },
      },
      'test.json',
      dir,
    );
    expect(stored.file).toBe(path.join(dir, 'bank-holidays.json'));
    expect(stored.refreshedYears).toEqual(['2029']);
    const cal = currentHolidayCalendar(dir);
    expect([cal.firstYear, cal.lastYear]).toEqual([2018, 2029]);
    expect(cal.bankHolidays).toContain('2029-01-01');
    expect(cal.bankHolidays).toContain('2026-12-28'); // shipped years kept
    expect(cal.bankHolidays).toHaveLength(11 * 8 + 3 + 2);
  });

  it('an invalid file is refused with the place and leaves the stored list as it was', () => {
    const before = fs.readFileSync(path.join(dir, 'bank-holidays.json'), 'utf8');
    let thrown: unknown;
    try {
      storeBankHolidays({ 'england-and-wales': { division: 'england-and-wales', events: [] } }, 'empty.json', dir);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).message).toContain('empty.json');
    expect((thrown as AppError).message).toContain('england-and-wales.events');
    expect(fs.readFileSync(path.join(dir, 'bank-holidays.json'), 'utf8')).toBe(before);
  });
});
