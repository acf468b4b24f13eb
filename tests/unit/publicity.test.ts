/**
 * Publicity, representation windows and determination periods (pure, no database), table by table against
 * shared/domain/publicity/RULES.md. Every date below is worked out by hand in the comment next to it
 * ("Mar 2 + 20 = Mar 22"), never computed by the code under test.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.ts';
import {
  NOTICE_OR_LETTERS,
  classifyDevelopment,
  publicityFor,
  representationWindows,
  requiredPublicity,
  statutoryDetermination,
  type Category,
  type ConstraintTrigger,
  type DevelopmentInput,
  type MajorTest,
  type PublicityEvent,
  type PublicityInput,
  type PublicityRequirements,
  type Requirement,
  type WindowOptions,
} from '../../shared/domain/publicity/index.ts';

/** 'source:kind:minimumDays[:either]' for each requirement, in order. */
const items = (r: PublicityRequirements | Requirement[]) =>
  (Array.isArray(r) ? r : r.requirements).map(
    (x) => `${x.source}:${x.kind}:${x.minimumDays}${x.either ? ':either' : ''}`,
  );
const statutoryOnly = (r: PublicityRequirements) => r.requirements.filter((x) => x.source === 'statute');

function validationError(fn: () => unknown): AppError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect((thrown as AppError).code).toBe('VALIDATION_FAILED');
  return thrown as AppError;
}

// -----------------------------------------------------------------------------------------------------------------
describe('classifyDevelopment: DMPO 2015 art. 2 major tests and the minor/other split', () => {
  it.each<[string, DevelopmentInput, Category, MajorTest[]]>([
    // (c)(i) 10 or more dwellings
    [
      '10 dwellings is major (c)(i)',
      { applicationType: 'full', dwellings: 10, siteAreaHa: 0.2 },
      'major',
      ['dwellings'],
    ],
    ['9 dwellings is minor', { applicationType: 'full', dwellings: 9, siteAreaHa: 0.2 }, 'minor', []],
    // (c)(ii) site ≥ 0.5 ha when the number of dwellings is not known
    [
      'unknown number of dwellings on 0.5 ha is major (c)(ii)',
      { applicationType: 'outline', dwellings: null, siteAreaHa: 0.5 },
      'major',
      ['dwellings-unknown-site-area'],
    ],
    [
      'unknown number of dwellings on 0.49 ha is minor',
      { applicationType: 'outline', dwellings: null, siteAreaHa: 0.49 },
      'minor',
      [],
    ],
    [
      'known 5 dwellings on 0.5 ha is minor (the 0.5 ha test needs the number unknown)',
      { applicationType: 'full', dwellings: 5, siteAreaHa: 0.5 },
      'minor',
      [],
    ],
    [
      'no dwellings on 0.5 ha is minor (the 0.5 ha test is for dwellinghouses only)',
      { applicationType: 'full', floorspaceM2: 200, siteAreaHa: 0.5 },
      'minor',
      [],
    ],
    [
      'unknown dwellings on 1 ha fires (c)(ii) and (e)',
      { applicationType: 'outline-all', dwellings: null, siteAreaHa: 1 },
      'major',
      ['dwellings-unknown-site-area', 'site-area'],
    ],
    // (d) floor space created ≥ 1,000 m²
    [
      '1,000 m² created is major (d)',
      { applicationType: 'full', floorspaceM2: 1000, siteAreaHa: 0.1 },
      'major',
      ['floorspace'],
    ],
    ['999 m² created is minor', { applicationType: 'full', floorspaceM2: 999, siteAreaHa: 0.1 }, 'minor', []],
    // (e) site ≥ 1 ha
    ['a 1 ha site is major (e)', { applicationType: 'full', dwellings: 5, siteAreaHa: 1 }, 'major', ['site-area']],
    [
      'a 0.99 ha site with 5 dwellings is minor',
      { applicationType: 'full', dwellings: 5, siteAreaHa: 0.99 },
      'minor',
      [],
    ],
    [
      'several tests fire together, in definition order',
      { applicationType: 'full', dwellings: 12, floorspaceM2: 1500, siteAreaHa: 1.5 },
      'major',
      ['dwellings', 'floorspace', 'site-area'],
    ],
    // (a) minerals, (b) waste: by the code list's county-matter flag, whatever the size
    ['mineral extraction is major (a)', { applicationType: 'mineral-extraction' }, 'major', ['minerals']],
    [
      'a mineral planning application is major (a)',
      { applicationType: 'mineral-app', siteAreaHa: 0.1 },
      'major',
      ['minerals'],
    ],
    ['onshore oil and gas is major (a)', { applicationType: 'extraction-oil-gas' }, 'major', ['minerals']],
    ['a ROMP review is major (a)', { applicationType: 'romp' }, 'major', ['minerals']],
    ['waste development is major (b)', { applicationType: 'waste-dev', siteAreaHa: 0.05 }, 'major', ['waste']],
    [
      'waste development on 1.2 ha fires (b) and (e)',
      { applicationType: 'waste-dev', siteAreaHa: 1.2 },
      'major',
      ['waste', 'site-area'],
    ],
    // other types: tests applied or not, and what a non-major is
    ['householder is other even on 1.2 ha', { applicationType: 'hh', siteAreaHa: 1.2 }, 'other', []],
    [
      'a change of use under the thresholds is other (PS2 Q20)',
      { applicationType: 'change-of-use', dwellings: 3, siteAreaHa: 0.1 },
      'other',
      [],
    ],
    [
      'a change of use to 10 dwellings is major',
      { applicationType: 'change-of-use', dwellings: 10 },
      'major',
      ['dwellings'],
    ],
    [
      'relevant demolition in a conservation area under the thresholds is other (PS2 Q25)',
      { applicationType: 'demolition-con-area', siteAreaHa: 0.2 },
      'other',
      [],
    ],
    [
      'listed building consent is other however big (art. 2 not applied)',
      { applicationType: 'lbc', floorspaceM2: 2000, siteAreaHa: 2 },
      'other',
      [],
    ],
    [
      'a prior approval for 12 flats is other',
      { applicationType: 'cho-commercial-to-dwh', dwellings: 12 },
      'other',
      [],
    ],
    ['an advertisement consent is other', { applicationType: 'advertising' }, 'other', []],
    ['s73 with 10 dwellings is major', { applicationType: 's73', dwellings: 10 }, 'major', ['dwellings']],
    [
      'reserved matters for 9 dwellings is minor',
      { applicationType: 'reserved-matters', dwellings: 9, siteAreaHa: 0.3 },
      'minor',
      [],
    ],
  ])('%s', (_name, input, category, tests) => {
    const c = classifyDevelopment(input);
    expect(c.category).toBe(category);
    expect(c.tests).toEqual(tests);
    expect(c.legalBasis).toBe('DMPO 2015 art. 2');
    expect(c.reasons.length).toBeGreaterThan(0);
  });

  it('says which paragraph fired', () => {
    expect(classifyDevelopment({ applicationType: 'full', dwellings: 10 }).reasons[0]).toContain('art. 2(c)(i)');
    expect(classifyDevelopment({ applicationType: 'outline', dwellings: null, siteAreaHa: 0.5 }).reasons[0]).toContain(
      'art. 2(c)(ii)',
    );
    expect(classifyDevelopment({ applicationType: 'full', floorspaceM2: 1000 }).reasons[0]).toContain('art. 2(d)');
    expect(classifyDevelopment({ applicationType: 'full', siteAreaHa: 1 }).reasons[0]).toContain('art. 2(e)');
    expect(classifyDevelopment({ applicationType: 'waste-dev' }).reasons[0]).toContain('art. 2(b)');
  });

  it('says what was not recorded when a minor could still become major', () => {
    const c = classifyDevelopment({ applicationType: 'full' });
    expect(c.category).toBe('minor');
    expect(c.reasons.join(' ')).toContain('Not recorded: dwellings or floor space, site area');
  });

  it('refuses an unknown application type and negative or non-finite sizes', () => {
    expect(validationError(() => classifyDevelopment({ applicationType: 'planning-permission' })).message).toContain(
      'applicationType',
    );
    expect(validationError(() => classifyDevelopment({ applicationType: 'full', dwellings: -1 })).message).toContain(
      'dwellings',
    );
    expect(
      validationError(() => classifyDevelopment({ applicationType: 'full', siteAreaHa: Number.NaN })).message,
    ).toContain('siteAreaHa');
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('requiredPublicity: DMPO art. 15 rows (§2a), strictest row first', () => {
  const minor: PublicityInput = { applicationType: 'full', category: 'minor' };
  it.each<[string, PublicityInput, string, string[]]>([
    [
      'row 1: EIA needs a 30-day site notice, press and website, no letters',
      { ...minor, eia: true },
      'art15-1-eia',
      ['statute:site-notice:30', 'statute:press-advert:30', 'statute:website:30'],
    ],
    [
      'row 2: a departure needs a 21-day site notice, press (14) and website, no letters',
      { ...minor, departure: true },
      'art15-2-departure',
      ['statute:site-notice:21', 'statute:press-advert:14', 'statute:website:14'],
    ],
    [
      'row 3: a public right of way needs a 21-day site notice, press (14) and website',
      { ...minor, publicRightOfWay: true },
      'art15-3-prow',
      ['statute:site-notice:21', 'statute:press-advert:14', 'statute:website:14'],
    ],
    [
      'row 4: a major needs a site notice OR letters, plus press and website',
      { ...minor, category: 'major' },
      'art15-4-major',
      [
        'statute:site-notice:21:either',
        'statute:neighbour-letters:21:either',
        'statute:press-advert:14',
        'statute:website:14',
      ],
    ],
    [
      'row 5: a minor needs a site notice OR letters, plus website, no press',
      minor,
      'art15-5-other',
      ['statute:site-notice:21:either', 'statute:neighbour-letters:21:either', 'statute:website:14'],
    ],
    [
      'row 5: a householder application',
      { applicationType: 'hh', category: 'other' },
      'art15-5-other',
      ['statute:site-notice:21:either', 'statute:neighbour-letters:21:either', 'statute:website:14'],
    ],
    [
      'row 5: a change of use',
      { applicationType: 'change-of-use', category: 'other' },
      'art15-5-other',
      ['statute:site-notice:21:either', 'statute:neighbour-letters:21:either', 'statute:website:14'],
    ],
    [
      'strictest: EIA beats departure, right of way and major',
      { ...minor, category: 'major', eia: true, departure: true, publicRightOfWay: true },
      'art15-1-eia',
      ['statute:site-notice:30', 'statute:press-advert:30', 'statute:website:30'],
    ],
    [
      'strictest: a major departure gets a required site notice, not a choice',
      { ...minor, category: 'major', departure: true },
      'art15-2-departure',
      ['statute:site-notice:21', 'statute:press-advert:14', 'statute:website:14'],
    ],
    [
      'strictest: a major affecting a right of way gets row 3',
      { ...minor, category: 'major', publicRightOfWay: true },
      'art15-3-prow',
      ['statute:site-notice:21', 'statute:press-advert:14', 'statute:website:14'],
    ],
  ])('%s', (_name, input, rowId, expected) => {
    const r = requiredPublicity(input);
    expect(r.regime).toBe('planning-permission');
    expect(r.row?.id).toBe(rowId);
    expect(items(r)).toEqual(expected);
    expect(r.heritage).toBe(false);
  });

  it('cites the legal basis of each item', () => {
    const eia = requiredPublicity({ ...minor, eia: true }).requirements;
    expect(eia.map((x) => x.legalBasis)).toEqual([
      'DMPO 2015 art. 15(2); EIA Regs 2017',
      'DMPO 2015 art. 15(2); EIA Regs 2017',
      'DMPO 2015 art. 15(7); EIA Regs 2017',
    ]);
    const major = requiredPublicity({ ...minor, category: 'major' }).requirements;
    // corrected 2026-12 (RULES.md "Corrections"): the site notice / letters choice is art. 15(4) for majors, 15(5) for others
    expect(major.map((x) => x.legalBasis)).toEqual([
      'DMPO 2015 art. 15(4)',
      'DMPO 2015 art. 15(4)',
      'DMPO 2015 art. 15(4)',
      'DMPO 2015 art. 15(7)',
    ]);
    const other = requiredPublicity(minor).requirements;
    expect(other.map((x) => x.legalBasis)).toEqual([
      'DMPO 2015 art. 15(5)',
      'DMPO 2015 art. 15(5)',
      'DMPO 2015 art. 15(7)',
    ]);
    expect(major.slice(0, 2).every((x) => x.either === NOTICE_OR_LETTERS)).toBe(true);
    // [M] in the rules file is carried through
    expect(major.find((x) => x.kind === 'website')?.evidence).toBe('M');
    expect(major.find((x) => x.kind === 'press-advert')?.evidence).toBe('S');
  });

  it('names the other rows that matched but were less strict', () => {
    const r = requiredPublicity({ ...minor, category: 'major', eia: true, departure: true });
    expect(r.notes.join(' ')).toContain('"Departure from the development plan", "Major development"');
  });

  it('overlay art. 16: within 10 m of railway land adds a notice to the infrastructure manager', () => {
    const r = requiredPublicity({ ...minor, nearRailway: true });
    expect(items(r)).toEqual([
      'statute:site-notice:21:either',
      'statute:neighbour-letters:21:either',
      'statute:website:14',
      'statute:railway-notification:21', // art. 16: 21 days (corrected 2026-12; was no period)
    ]);
    // the 21 days are [S] since the 2026-12 corrections (DMPO Sch. 3 para (f)(iii)); was [M] with no period
    expect(r.requirements[3]).toMatchObject({
      legalBasis: 'DMPO 2015 art. 16; Sch. 3 para (f)(iii) (SI 2021/746)',
      evidence: 'S',
    });
    expect(r.requirements[3]?.because).toContain('21 days');
    expect(r.notes.join(' ')).toContain('check it by hand');
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('requiredPublicity: heritage (§3, LBCA Regs regs 5 and 5A)', () => {
  const minor: PublicityInput = { applicationType: 'full', category: 'minor' };
  const setting = (...grades: Array<'I' | 'II*' | 'II'>): ConstraintTrigger => ({
    trigger: 'listed-building-setting',
    grades,
  });
  const ca = (siteAreaM2: number, newBuildingOrExtension: boolean): ConstraintTrigger => ({
    trigger: 'conservation-area',
    siteAreaM2,
    newBuildingOrExtension,
  });
  const ROW5 = ['statute:site-notice:21:either', 'statute:neighbour-letters:21:either', 'statute:website:14'];
  // corrected 2026-12: 21-day site notice in England since 6 April 2010 (SI 2010/568 reg 3(2)); was 7
  const REG5A = ['statute:site-notice:21', 'statute:press-advert:21'];
  const HE = ['statute:historic-england-copy:null'];

  it.each<[string, ConstraintTrigger[], string[]]>([
    [
      'setting of a grade II building: press and 21-day site notice, no copy to Historic England',
      [setting('II')],
      [...ROW5, ...REG5A],
    ],
    ['setting of a grade II* building: copy to Historic England', [setting('II*')], [...ROW5, ...REG5A, ...HE]],
    ['setting of a grade I building: copy to Historic England', [setting('I')], [...ROW5, ...REG5A, ...HE]],
    [
      'settings of grade II and grade I buildings: copy to Historic England',
      [setting('II', 'I')],
      [...ROW5, ...REG5A, ...HE],
    ],
    [
      'conservation area, new building on 1,001 m² (> 1,000): copy to Historic England',
      [ca(1001, true)],
      [...ROW5, ...REG5A, ...HE],
    ],
    [
      'conservation area, new building on exactly 1,000 m²: no copy (must be more than)',
      [ca(1000, true)],
      [...ROW5, ...REG5A],
    ],
    ['conservation area, 5,000 m² but no new building or extension: no copy', [ca(5000, false)], [...ROW5, ...REG5A]],
    [
      'setting and conservation area together: one press + site notice pair, one copy',
      [setting('II*'), ca(2000, true)],
      [...ROW5, ...REG5A, ...HE],
    ],
  ])('reg 5A overlay: %s', (_name, triggers, expected) => {
    const r = requiredPublicity({ ...minor, triggers });
    expect(items(r)).toEqual(expected);
    expect(r.heritage).toBe(true);
    const he = r.requirements.find((x) => x.kind === 'historic-england-copy');
    if (he) expect(he.legalBasis).toBe('LBCA Regs 1990 reg 5A(3) (substituted by SI 2015/809 reg 2)');
  });

  it('the Historic England copy says why (grade, or site area and new building)', () => {
    expect(requiredPublicity({ ...minor, triggers: [setting('II', 'II*')] }).requirements.at(-1)?.because).toContain(
      'grade II*',
    );
    expect(requiredPublicity({ ...minor, triggers: [ca(1001, true)] }).requirements.at(-1)?.because).toContain(
      '1001 m² (more than 1,000 m²)',
    );
  });

  it('an unrecorded listed grade gives no copy but a note to check', () => {
    const r = requiredPublicity({ ...minor, triggers: [setting()] });
    expect(items(r)).toEqual([...ROW5, ...REG5A]);
    expect(r.notes.join(' ')).toContain('grade I or II*');
  });

  it('overlays add to the strictest row (major + conservation area)', () => {
    const r = requiredPublicity({ applicationType: 'full', category: 'major', triggers: [ca(800, true)] });
    expect(items(r)).toEqual([
      'statute:site-notice:21:either',
      'statute:neighbour-letters:21:either',
      'statute:press-advert:14',
      'statute:website:14',
      ...REG5A,
    ]);
  });

  it('relevant demolition in a conservation area follows art. 15 plus reg 5A', () => {
    const r = requiredPublicity({
      applicationType: 'demolition-con-area',
      category: 'other',
      triggers: [ca(300, false)],
    });
    expect(r.row?.id).toBe('art15-5-other');
    expect(items(r)).toEqual([...ROW5, ...REG5A]);
  });

  // corrected 2026-12: 21-day site notice and 21 days on the website (SI 2010/568 regs 3(1) and 4); was 7 and none
  const REG5 = ['statute:press-advert:21', 'statute:site-notice:21', 'statute:website:21'];
  it.each<[string, PublicityInput['listedBuildingConsent'], string[]]>([
    [
      'interior-only works to a grade II (unstarred) building are exempt from reg 5',
      { grade: 'II', interiorOnly: true },
      [],
    ],
    ['interior-only works to a grade II* building are not exempt', { grade: 'II*', interiorOnly: true }, REG5],
    ['interior-only works to a grade I building are not exempt', { grade: 'I', interiorOnly: true }, REG5],
    ['external works to a grade II building need reg 5 publicity', { grade: 'II', interiorOnly: false }, REG5],
    [
      'interior-only works with the grade not recorded are not treated as exempt',
      { grade: null, interiorOnly: true },
      REG5,
    ],
  ])('listed building consent: %s', (_name, lbc, expected) => {
    const r = requiredPublicity({
      applicationType: 'lbc',
      category: 'other',
      ...(lbc ? { listedBuildingConsent: lbc } : {}),
    });
    expect(r.regime).toBe('listed-building-consent');
    expect(r.row).toBeNull();
    expect(items(r)).toEqual(expected);
    expect(r.heritage).toBe(expected.length > 0);
    for (const x of r.requirements)
      expect(x.legalBasis).toMatch(/^LBCA Regs 1990 reg 5 \(as amended by SI 2010\/568 reg [34]/);
  });

  it('the exemption is explained', () => {
    const r = requiredPublicity({
      applicationType: 'lbc',
      category: 'other',
      listedBuildingConsent: { grade: 'II', interiorOnly: true },
    });
    expect(r.notes.join(' ')).toContain('only the interior of a grade II (unstarred)');
  });

  it('reg 5A triggers on a listed building consent add nothing (reg 5 governs) and say so', () => {
    const r = requiredPublicity({
      applicationType: 'lbc',
      category: 'other',
      listedBuildingConsent: { grade: 'II', interiorOnly: false },
      triggers: [setting('I')],
    });
    expect(items(r)).toEqual(REG5);
    expect(r.notes.join(' ')).toContain('publicised under reg 5');
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('requiredPublicity: other application types', () => {
  it('a larger home extension notifies adjoining neighbours for 21 days (GPDO A.4)', () => {
    const r = requiredPublicity({ applicationType: 'pa-extension', category: 'other' });
    expect(r.regime).toBe('larger-home-extension');
    expect(items(r)).toEqual(['statute:neighbour-letters:21']);
    expect(r.requirements[0]?.legalBasis).toBe('GPDO 2015 Sch 2 Pt 1 para A.4');
  });

  it.each([
    ['ldc-existing-use'],
    ['non-material-amendment'],
    ['approval-condition'],
    ['consent-under-tpo'],
    ['advertising'],
  ])('%s has no statutory publicity in the rules file, and says so', (applicationType) => {
    const r = requiredPublicity({ applicationType, category: 'other' });
    expect(r.regime).toBe('none');
    expect(r.requirements).toEqual([]);
    expect(r.notes.join(' ')).toContain('no statutory publicity');
  });

  it('a prior approval (other than a larger home extension) points to its GPDO class', () => {
    const r = requiredPublicity({ applicationType: 'cho-commercial-to-dwh', category: 'other' });
    expect(r.requirements).toEqual([]);
    expect(r.notes.join(' ')).toContain('GPDO class');
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe("requiredPublicity: the authority's SCI adds, never removes", () => {
  const minor: PublicityInput = { applicationType: 'full', category: 'minor' };
  const major: PublicityInput = { applicationType: 'full', category: 'major' };

  it('letters always: a minor gets letters from the SCI on top of the statutory choice, with the radius', () => {
    const r = requiredPublicity(minor, { lettersAlways: true, letterRadiusM: 50 });
    expect(items(r)).toEqual([
      'statute:site-notice:21:either',
      'statute:neighbour-letters:21:either',
      'statute:website:14',
      'sci:neighbour-letters:21',
    ]);
    const sci = r.requirements[3]!;
    expect(sci).toMatchObject({
      legalBasis: 'Statement of Community Involvement',
      rule: 'sci-letters-always',
      radiusM: 50,
    });
    expect(sci.either).toBeUndefined();
    expect(sci.because).toContain('Statement of Community Involvement');
    expect(sci.because).toContain('within 50 m of the site boundary');
  });

  it('letters always: the SCI is cited by its name', () => {
    const r = requiredPublicity(minor, { name: 'Southwark SCI 2024', lettersAlways: true });
    expect(r.requirements.at(-1)?.legalBasis).toBe('Southwark SCI 2024');
  });

  it('letters always on an EIA application: 30 days, because letters then carry the EIA window', () => {
    expect(items(requiredPublicity({ ...minor, eia: true }, { lettersAlways: true })).at(-1)).toBe(
      'sci:neighbour-letters:30',
    );
  });

  it('letters always also covers listed building consent, even where reg 5 is exempt', () => {
    const r = requiredPublicity(
      { applicationType: 'lbc', category: 'other', listedBuildingConsent: { grade: 'II', interiorOnly: true } },
      { lettersAlways: true },
    );
    expect(items(r)).toEqual(['sci:neighbour-letters:21']);
  });

  it('the SCI does not reach types outside planning permission and LBC (e.g. a lawful development certificate)', () => {
    expect(
      requiredPublicity(
        { applicationType: 'ldc-prospective-use', category: 'other' },
        { lettersAlways: true, siteNoticeForMajors: true },
      ).requirements,
    ).toEqual([]);
  });

  it('site notice for majors: added for a major where the law gives a choice', () => {
    expect(items(requiredPublicity(major, { siteNoticeForMajors: true })).at(-1)).toBe('sci:site-notice:21');
  });

  it.each<[string, PublicityInput]>([
    ['a minor (not major)', minor],
    ['an EIA major (the law already requires a 30-day notice)', { ...major, eia: true }],
    ['a major departure (the law already requires a 21-day notice)', { ...major, departure: true }],
  ])('site notice for majors: nothing added for %s', (_name, input) => {
    expect(
      requiredPublicity(input, { siteNoticeForMajors: true }).requirements.filter((x) => x.source === 'sci'),
    ).toEqual([]);
  });

  it('press for majors: never duplicates the newspaper notice the law already requires, and skips non-majors', () => {
    expect(requiredPublicity(major, { pressForMajors: true }).requirements.filter((x) => x.source === 'sci')).toEqual(
      [],
    );
    expect(requiredPublicity(minor, { pressForMajors: true }).requirements.filter((x) => x.source === 'sci')).toEqual(
      [],
    );
  });

  it.each<[string, PublicityInput]>([
    ['EIA', { ...minor, eia: true }],
    ['departure', { ...minor, departure: true }],
    ['right of way', { ...minor, publicRightOfWay: true }],
    ['major', major],
    [
      'minor with a conservation area',
      { ...minor, triggers: [{ trigger: 'conservation-area', siteAreaM2: 5000, newBuildingOrExtension: true }] },
    ],
  ])('never removes: %s keeps every statutory item unchanged', (_name, input) => {
    const without = requiredPublicity(input);
    const withSci = requiredPublicity(input, {
      lettersAlways: true,
      siteNoticeForMajors: true,
      pressForMajors: true,
      letterRadiusM: 100,
    });
    expect(statutoryOnly(withSci)).toEqual(without.requirements);
    expect(withSci.requirements.length).toBeGreaterThan(without.requirements.length);
  });

  it('a radius without letters-always becomes a note, not a requirement', () => {
    const r = requiredPublicity(minor, { letterRadiusM: 30 });
    expect(r.requirements.filter((x) => x.source === 'sci')).toEqual([]);
    expect(r.notes.join(' ')).toContain('within 30 m');
  });

  it('refuses a radius that is not a positive number of metres', () => {
    validationError(() => requiredPublicity(minor, { lettersAlways: true, letterRadiusM: 0 }));
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('requiredPublicity: summary per kind', () => {
  const minor: PublicityInput = { applicationType: 'full', category: 'minor' };
  const brief = (r: PublicityRequirements) => r.summary.map((s) => `${s.kind}:${s.status}:${s.minimumDays}`);

  it('a plain minor: site notice or letters (one of), website required', () => {
    expect(brief(requiredPublicity(minor))).toEqual([
      'site-notice:one-of:21',
      'neighbour-letters:one-of:21',
      'website:required:14',
    ]);
  });

  it('a conservation area makes the site notice required, and it must then run 21 days to meet the art. 15 choice; letters become optional', () => {
    const r = requiredPublicity({
      ...minor,
      triggers: [{ trigger: 'conservation-area', siteAreaM2: 400, newBuildingOrExtension: true }],
    });
    expect(brief(r)).toEqual([
      'site-notice:required:21',
      'neighbour-letters:optional:21',
      'press-advert:required:21',
      'website:required:14',
    ]);
  });

  it('SCI letters always: letters required, the site notice optional', () => {
    expect(brief(requiredPublicity(minor, { lettersAlways: true }))).toEqual([
      'site-notice:optional:21',
      'neighbour-letters:required:21',
      'website:required:14',
    ]);
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('representationWindows: last day = date + (window − 1), earliest decision = max(last day) + 1 (§2b)', () => {
  it.each<[string, PublicityEvent[], WindowOptions, string[], string]>([
    // site notice 21: Mon Mar 2 + 20 = Sun Mar 22; a window ending on a Sunday is not extended
    [
      'site notice, 21 days, ending on a Sunday (not extended)',
      [{ kind: 'site-notice', date: '2026-03-02' }],
      {},
      ['2026-03-22'],
      '2026-03-23',
    ],
    // Sun Mar 1 + 20 = Sat Mar 21; decision date Sun Mar 22 is not moved to Monday
    [
      'site notice first displayed on a Sunday, earliest decision on a Sunday',
      [{ kind: 'site-notice', date: '2026-03-01' }],
      {},
      ['2026-03-21'],
      '2026-03-22',
    ],
    // Sat Mar 7 + 20 = Fri Mar 27
    [
      'site notice first displayed on a Saturday',
      [{ kind: 'site-notice', date: '2026-03-07' }],
      {},
      ['2026-03-27'],
      '2026-03-28',
    ],
    // Dec 15 + 20 = Dec 35 = Jan 4 2027, plus the public holidays inside, not counted (updated 2026-12, was Jan 4):
    // Fri Dec 25 (Christmas), Mon Dec 28 (Boxing Day substitute), Fri Jan 1 → + 3 = Jan 7
    [
      'neighbour letters, 21 days across the year end',
      [{ kind: 'neighbour-letters', date: '2026-12-15' }],
      {},
      ['2027-01-07'],
      '2027-01-08',
    ],
    // Apr 30 + 20 = Apr 50 = May 20, + 1 for Mon May 4 (early May bank holiday, not counted; updated 2026-12) = May 21
    [
      'neighbour letters from the last day of a month',
      [{ kind: 'neighbour-letters', date: '2026-04-30' }],
      {},
      ['2026-05-21'],
      '2026-05-22',
    ],
    // Jan 28 + 13 = Jan 41 = Feb 10
    [
      'press advert, 14 days across a month end',
      [{ kind: 'press-advert', date: '2027-01-28' }],
      {},
      ['2027-02-10'],
      '2027-02-11',
    ],
    // Feb 16 2028 + 13 = Feb 29 (leap day)
    [
      'press advert ending on the leap day 2028-02-29',
      [{ kind: 'press-advert', date: '2028-02-16' }],
      {},
      ['2028-02-29'],
      '2028-03-01',
    ],
    // Feb 20 2028 + 13 = Feb 33; 2028 February has 29 days → Mar 4
    [
      'website, 14 days across February of a leap year',
      [{ kind: 'website', date: '2028-02-20' }],
      {},
      ['2028-03-04'],
      '2028-03-05',
    ],
    // Feb 20 2027 + 13 = Feb 33; 2027 February has 28 days → Mar 5
    [
      'website, the same dates in a common year end a day later',
      [{ kind: 'website', date: '2027-02-20' }],
      {},
      ['2027-03-05'],
      '2027-03-06',
    ],
    // EIA 30: Jan 31 + 29 = Jan 60 = Feb 29 in a leap year; 2026 has 28 → Mar 1
    [
      'EIA site notice, 30 days, across February 2026',
      [{ kind: 'site-notice', date: '2026-01-31' }],
      { eia: true },
      ['2026-03-01'],
      '2026-03-02',
    ],
    // EIA 30: Feb 1 2028 + 29 = Feb 30 → 2028 Feb has 29 → Mar 1
    [
      'EIA neighbour letters, 30 days, across February 2028',
      [{ kind: 'neighbour-letters', date: '2028-02-01' }],
      { eia: true },
      ['2028-03-01'],
      '2028-03-02',
    ],
    // EIA 30: Dec 10 + 29 = Dec 39 = Jan 8 2027, + 3 (Dec 25, Dec 28, Jan 1 not counted; updated 2026-12) = Jan 11
    [
      'EIA press advert, 30 days across the year end',
      [{ kind: 'press-advert', date: '2026-12-10' }],
      { eia: true },
      ['2027-01-11'],
      '2027-01-12',
    ],
    // EIA 30: Jun 1 + 29 = Jun 30
    ['EIA website, 30 days', [{ kind: 'website', date: '2026-06-01' }], { eia: true }, ['2026-06-30'], '2026-07-01'],
    // per-event flag: Jun 1 + 29 = Jun 30 even though the case flag is off
    [
      'the event’s own EIA flag sets its window',
      [{ kind: 'website', date: '2026-06-01', eia: true }],
      {},
      ['2026-06-30'],
      '2026-07-01',
    ],
    // owner notice 21, no EIA variant: Jun 10 + 20 = Jun 30
    [
      "applicant's notice to owners, 21 days even for EIA",
      [{ kind: 'owner-notice', date: '2026-06-10' }],
      { eia: true },
      ['2026-06-30'],
      '2026-07-01',
    ],
    // reg 5/5A: press 21 instead of 14: Apr 1 + 20 = Apr 21
    [
      'heritage (reg 5/5A): the newspaper notice holds the decision 21 days',
      [{ kind: 'press-advert', date: '2026-04-01' }],
      { heritage: true },
      ['2026-04-21'],
      '2026-04-22',
    ],
    // without heritage: Apr 1 + 13 = Apr 14, + 2 for Easter (Good Friday Apr 3, Easter Monday Apr 6, not counted;
    // updated 2026-12) = Apr 16
    [
      'without heritage the newspaper notice runs 14 days',
      [{ kind: 'press-advert', date: '2026-04-01' }],
      {},
      ['2026-04-16'],
      '2026-04-17',
    ],
    // EIA and heritage: 30 wins: Apr 1 + 29 = Apr 30, + 2 for Easter (Apr 3, Apr 6; updated 2026-12) = May 2
    [
      'heritage does not shorten the EIA 30 days',
      [{ kind: 'press-advert', date: '2026-04-01' }],
      { heritage: true, eia: true },
      ['2026-05-02'],
      '2026-05-03',
    ],
    // site notice Sep 1 + 20 = Sep 21; press Sep 10 + 13 = Sep 23; letters Aug 28 + 20 = Aug 48 = Sep 17, + 1 for Mon
    // Aug 31 (summer bank holiday, not counted; updated 2026-12) = Sep 18; max Sep 23
    [
      'several kinds: the last window to close decides',
      [
        { kind: 'site-notice', date: '2026-09-01' },
        { kind: 'press-advert', date: '2026-09-10' },
        { kind: 'neighbour-letters', date: '2026-08-28' },
      ],
      {},
      ['2026-09-18', '2026-09-21', '2026-09-23'],
      '2026-09-24',
    ],
  ])('%s', (_name, events, options, lastDays, earliest) => {
    const w = representationWindows(events, options);
    expect(w.events.map((e) => e.lastDay)).toEqual(lastDays);
    expect(w.earliestDecisionDate).toBe(earliest);
  });

  it('a re-advertised amendment restarts the window of its kind', () => {
    // first notice May 4 + 20 = May 24, but Mon May 4 (early May) and Mon May 25 (spring) are bank holidays, not
    // counted (updated 2026-12): day 1 is May 5, May 5 + 20 = May 25, skip May 25 → May 26; re-displayed Jun 1 + 20 = Jun 21
    const w = representationWindows([
      { kind: 'site-notice', date: '2026-06-01' },
      { kind: 'site-notice', date: '2026-05-04' },
    ]);
    expect(w.events.map((e) => [e.date, e.lastDay, e.superseded])).toEqual([
      ['2026-05-04', '2026-05-26', true],
      ['2026-06-01', '2026-06-21', false],
    ]);
    expect(w.byKind).toEqual([
      expect.objectContaining({ kind: 'site-notice', lastDay: '2026-06-21', fromDate: '2026-06-01' }),
    ]);
    expect(w.earliestDecisionDate).toBe('2026-06-22');
    expect(w.events[1]?.because).toContain('window restarts');
  });

  it('a re-publicised event whose window ends sooner does not shorten it (max of old and new end)', () => {
    // EIA letters May 4 + 29 = May 33 = Jun 2, + 2 for the bank holidays May 4 and May 25 (not counted; updated
    // 2026-12) = Jun 4; re-sent non-EIA May 10 + 20 = May 30, + 1 for May 25 = May 31
    const w = representationWindows([
      { kind: 'neighbour-letters', date: '2026-05-04', eia: true },
      { kind: 'neighbour-letters', date: '2026-05-10', eia: false },
    ]);
    expect(w.byKind[0]).toMatchObject({ lastDay: '2026-06-04', fromDate: '2026-05-04' });
    expect(w.events.map((e) => e.lastDay)).toEqual(['2026-06-04', '2026-05-31']);
    expect(w.events.map((e) => e.superseded)).toEqual([false, true]);
    expect(w.earliestDecisionDate).toBe('2026-06-05');
  });

  it.each<[string, PublicityEvent, readonly string[] | undefined, string, string]>([
    // Fri Jul 3 → dispatched Mon Jul 6; Jul 6 + 21 = Jul 27
    [
      'letters on a Friday are dispatched on Monday',
      { kind: 'neighbour-letters', date: '2026-07-03' },
      undefined,
      '2026-07-06',
      '2026-07-27',
    ],
    // Fri Aug 28 → Mon Aug 31 is the summer bank holiday → Tue Sep 1; Sep 1 + 21 = Sep 22
    [
      'a bank holiday Monday pushes dispatch to Tuesday',
      { kind: 'neighbour-letters', date: '2026-08-28' },
      ['2026-08-31'],
      '2026-09-01',
      '2026-09-22',
    ],
    // same without the list: Mon Aug 31 + 21 = Aug 52 = Sep 21
    [
      'without the bank holiday list Monday counts as a working day',
      { kind: 'neighbour-letters', date: '2026-08-28' },
      undefined,
      '2026-08-31',
      '2026-09-21',
    ],
    // Thu Dec 24 → Fri 25 (Christmas), Sat, Sun, Mon 28 (Boxing Day substitute) → Tue Dec 29; Dec 29 + 21 = Dec 50 =
    // Jan 19 2027, + 1 for Fri Jan 1 (New Year's Day, not counted; updated 2026-12) = Jan 20
    [
      'Christmas: dispatched after the Boxing Day substitute holiday',
      { kind: 'neighbour-letters', date: '2026-12-24' },
      ['2026-12-25', '2026-12-28'],
      '2026-12-29',
      '2027-01-20',
    ],
    // EIA: Wed Jul 1 → Thu Jul 2; Jul 2 + 30 = Jul 32 = Aug 1
    [
      'EIA letters: dispatch + 30',
      { kind: 'neighbour-letters', date: '2026-07-01', eia: true },
      undefined,
      '2026-07-02',
      '2026-08-01',
    ],
    // posting applies to letters only: site notice Fri Jul 3 + 20 = Jul 23
    [
      'a site notice is unaffected by the posting option',
      { kind: 'site-notice', date: '2026-07-03' },
      undefined,
      '2026-07-03',
      '2026-07-23',
    ],
  ])("letters 'next-working-day' (the BOPS assumption): %s", (_name, event, bankHolidays, firstDay, lastDay) => {
    const w = representationWindows([event], {
      letters: 'next-working-day',
      ...(bankHolidays ? { bankHolidays } : {}),
    });
    expect(w.events[0]).toMatchObject({ firstDay, lastDay });
  });

  it('by default the letter date is day 1 (no posting assumption): Fri Jul 3 + 20 = Jul 23', () => {
    expect(representationWindows([{ kind: 'neighbour-letters', date: '2026-07-03' }]).events[0]).toMatchObject({
      firstDay: '2026-07-03',
      lastDay: '2026-07-23',
    });
  });

  it('no events: no earliest decision date', () => {
    const w = representationWindows([]);
    expect(w.earliestDecisionDate).toBeNull();
    expect(w.because).toContain('No publicity');
  });

  it('explains a decision date that falls on a weekend', () => {
    expect(representationWindows([{ kind: 'site-notice', date: '2026-03-01' }]).because).toContain('Sunday 2026-03-22');
  });

  it('refuses impossible dates and unknown kinds', () => {
    expect(
      validationError(() => representationWindows([{ kind: 'site-notice', date: '2026-02-29' }])).message,
    ).toContain('events[0].date');
    expect(validationError(() => representationWindows([{ kind: 'site-notice', date: '2026-3-1' }])).message).toContain(
      'events[0].date',
    );
    validationError(() => representationWindows([{ kind: 'leaflet' as never, date: '2026-03-01' }]));
    validationError(() =>
      representationWindows([{ kind: 'neighbour-letters', date: '2026-03-02' }], {
        letters: 'next-working-day',
        bankHolidays: ['25/12/2026'],
      }),
    );
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('statutoryDetermination: periods (§4) from the day after the valid date', () => {
  it.each<[string, string, Category, boolean, string, number | null, number | null, string | null]>([
    // Jan 5 + 56: Jan 5 + 26 = Jan 31, 30 left → Feb 28 (28) → Mar 2
    ['a minor: 8 weeks', 'full', 'minor', false, '2026-01-05', 8, 56, '2026-03-02'],
    // Oct 1 + 91: Oct 31 (30), Nov 30 (60), Dec 31 (91) — Thursday to Thursday
    ['a major: 13 weeks, to the year end', 'full', 'major', false, '2026-10-01', 13, 91, '2026-12-31'],
    // Nov 15 2027 + 112: Nov 30 (15), Dec 31 (46), Jan 31 (77), Feb 29 2028 (106), Mar 6 (112)
    ['EIA: 16 weeks, across a leap February', 'full', 'major', true, '2027-11-15', 16, 112, '2028-03-06'],
    // EIA wins over category: Feb 2 + 112: Feb 28 (26), Mar 31 (57), Apr 30 (87), May 25 (112)
    ['EIA on a minor is still 16 weeks', 'full', 'minor', true, '2026-02-02', 16, 112, '2026-05-25'],
    // Jan 4 2028 + 56: Jan 31 (27), Feb 29 (56)
    ['householder: 8 weeks ending on the leap day', 'hh', 'other', false, '2028-01-04', 8, 56, '2028-02-29'],
    // Oct 8 + 91: Oct 31 (23), Nov 30 (53), Dec 31 (84), Jan 7 (91)
    ['waste (major): 13 weeks', 'waste-dev', 'major', false, '2026-10-08', 13, 91, '2027-01-07'],
    // Mar 11 2024 + 56: Mar 31 (20), Apr 30 (50), May 6 (56)
    ['listed building consent: 8 weeks', 'lbc', 'other', false, '2024-03-11', 8, 56, '2024-05-06'],
    ['listed building consent ignores the EIA flag: 8 weeks', 'lbc', 'other', true, '2024-03-11', 8, 56, '2024-05-06'],
    // Dec 1 + 56: Dec 31 (30), Jan 26 (56)
    ['lawful development certificate: 8 weeks', 'ldc-existing-use', 'other', false, '2026-12-01', 8, 56, '2027-01-26'],
    // Feb 10 + 28: Feb 28 (18), Mar 10 (28)
    ['non-material amendment: 28 days', 'non-material-amendment', 'other', false, '2026-02-10', 4, 28, '2026-03-10'],
    // Jun 15 + 56: Jun 30 (15), Jul 31 (46), Aug 10 (56)
    ['details reserved by condition: 8 weeks', 'approval-condition', 'other', false, '2026-06-15', 8, 56, '2026-08-10'],
    // Nov 5 + 56: Nov 30 (25), Dec 31 (56)
    ['advertisement consent: 8 weeks', 'advertising', 'other', false, '2026-11-05', 8, 56, '2026-12-31'],
    // Jun 2 2025 + 56: Jun 30 (28), Jul 28 (56)
    ['prior approval: 56 days', 'cho-commercial-to-dwh', 'other', false, '2025-06-02', 8, 56, '2025-07-28'],
    // Apr 20 + 42: Apr 30 (10), May 31 (41), Jun 1 (42)
    ['larger home extension: 42 days', 'pa-extension', 'other', false, '2026-04-20', 6, 42, '2026-06-01'],
    // Mar 30 + 35: Mar 31 (1), Apr 30 (31), May 4 (35)
    ['permission in principle: 5 weeks', 'pip', 'minor', false, '2026-03-30', 5, 35, '2026-05-04'],
    [
      'technical details consent, minor: 5 weeks',
      'technical-details-consent',
      'minor',
      false,
      '2026-03-30',
      5,
      35,
      '2026-05-04',
    ],
    // Mar 30 + 70: Mar 31 (1), Apr 30 (31), May 31 (62), Jun 8 (70)
    [
      'technical details consent, major: 10 weeks',
      'technical-details-consent',
      'major',
      false,
      '2026-03-30',
      10,
      70,
      '2026-06-08',
    ],
    // Nov 2 + 56: Nov 30 (28), Dec 28 (56)
    ['TPO consent: 8 weeks', 'consent-under-tpo', 'other', false, '2026-11-02', 8, 56, '2026-12-28'],
    // May 1 + 42: May 31 (30), Jun 12 (42)
    [
      "s211 notice for trees in a conservation area: 6 weeks' notice",
      'notice-trees-in-con-area',
      'other',
      false,
      '2026-05-01',
      6,
      42,
      '2026-06-12',
    ],
    [
      'a type the rules file gives no period for: none',
      'hedgerow-removal',
      'other',
      false,
      '2026-05-01',
      null,
      null,
      null,
    ],
  ])('%s', (_name, applicationType, category, eia, validDate, periodWeeks, periodDays, statutoryDate) => {
    const d = statutoryDetermination({ applicationType, category, eia, validDate });
    expect(d.periodWeeks).toBe(periodWeeks);
    expect(d.periodDays).toBe(periodDays);
    expect(d.statutoryDate).toBe(statutoryDate);
    expect(d.effectiveDate).toBe(statutoryDate);
    expect(d.extension).toBeNull();
    expect(d.reasons.length).toBeGreaterThan(0);
  });

  it('states the period as the law does and cites it', () => {
    expect(
      statutoryDetermination({ applicationType: 'full', category: 'major', validDate: '2026-10-01' }),
    ).toMatchObject({ periodLabel: '13 weeks', legalBasis: 'DMPO 2015 art. 34', evidence: 'S' });
    expect(
      statutoryDetermination({ applicationType: 'cho-commercial-to-dwh', category: 'other', validDate: '2025-06-02' }),
    ).toMatchObject({ periodLabel: '56 days', evidence: 'M' });
    expect(
      statutoryDetermination({ applicationType: 'hedgerow-removal', category: 'other', validDate: '2026-05-01' })
        .reasons[0],
    ).toContain('no determination period');
  });

  // a major valid Thu Aug 27 2026: + 91 = Aug 31 (4), Sep 30 (34), Oct 31 (65), Nov 26 (91)
  const major = { applicationType: 'full', category: 'major' as const, validDate: '2026-08-27' };
  it.each<[string, Array<{ agreedOn: string; newTargetDate: string }>, string]>([
    [
      'one extension of time moves the effective date',
      [{ agreedOn: '2026-11-10', newTargetDate: '2027-01-15' }],
      '2027-01-15',
    ],
    [
      'the latest agreed extension wins, whatever the list order',
      [
        { agreedOn: '2027-01-10', newTargetDate: '2027-02-26' },
        { agreedOn: '2026-11-10', newTargetDate: '2027-01-15' },
      ],
      '2027-02-26',
    ],
    [
      'the latest agreement governs even if it sets an earlier date than a previous one',
      [
        { agreedOn: '2026-11-10', newTargetDate: '2027-02-26' },
        { agreedOn: '2027-01-10', newTargetDate: '2027-01-29' },
      ],
      '2027-01-29',
    ],
    [
      'an agreed date before the statutory date leaves the statutory date',
      [{ agreedOn: '2026-09-10', newTargetDate: '2026-11-20' }],
      '2026-11-26',
    ],
  ])('extensions of time: %s', (_name, extensionsOfTime, effective) => {
    const d = statutoryDetermination({ ...major, extensionsOfTime });
    expect(d.statutoryDate).toBe('2026-11-26');
    expect(d.effectiveDate).toBe(effective);
    expect(d.extension?.newTargetDate ?? d.statutoryDate).toBe(effective);
  });

  it('flags an extension agreed after the statutory date had passed', () => {
    const d = statutoryDetermination({
      ...major,
      extensionsOfTime: [{ agreedOn: '2026-12-01', newTargetDate: '2027-01-15' }],
    });
    expect(d.effectiveDate).toBe('2027-01-15');
    expect(d.reasons.join(' ')).toContain('agreed after the statutory date');
  });

  it('refuses an impossible valid date', () => {
    expect(validationError(() => statutoryDetermination({ ...major, validDate: '2026-02-30' })).message).toContain(
      'validDate',
    );
  });
});

// -----------------------------------------------------------------------------------------------------------------
describe('publicityFor: one case, everything together', () => {
  it('a 12-dwelling scheme in a conservation area with an SCI: classification, requirements, windows, dates', () => {
    const r = publicityFor(
      { applicationType: 'full', dwellings: 12, siteAreaHa: 0.4, validDate: '2026-10-01' },
      [{ trigger: 'conservation-area', siteAreaM2: 4000, newBuildingOrExtension: true, layerId: 'conservation-area' }],
      [
        { kind: 'site-notice', date: '2026-10-09' }, // Oct 9 + 20 = Oct 29
        { kind: 'neighbour-letters', date: '2026-10-07' }, // Oct 7 + 20 = Oct 27
        { kind: 'press-advert', date: '2026-10-15' }, // reg 5A 21 days: Oct 15 + 20 = Oct 35 = Nov 4 (14 days would be Oct 28)
        { kind: 'website', date: '2026-10-05' }, // Oct 5 + 13 = Oct 18
      ],
      { lettersAlways: true },
    );
    expect(r.classification).toMatchObject({ category: 'major', tests: ['dwellings'] });
    expect(r.publicity.row?.id).toBe('art15-4-major');
    expect(items(r.publicity)).toEqual([
      'statute:site-notice:21:either',
      'statute:neighbour-letters:21:either',
      'statute:press-advert:14',
      'statute:website:14',
      'statute:site-notice:21', // reg 5A: 21 days (corrected 2026-12; was 7)
      'statute:press-advert:21',
      'statute:historic-england-copy:null',
      'sci:neighbour-letters:21',
    ]);
    expect(r.windows.byKind.map((k) => [k.kind, k.lastDay])).toEqual([
      ['website', '2026-10-18'],
      ['neighbour-letters', '2026-10-27'],
      ['site-notice', '2026-10-29'],
      ['press-advert', '2026-11-04'],
    ]);
    expect(r.earliestDecisionDate).toBe('2026-11-05');
    expect(r.outstanding).toEqual([]);
    // Oct 1 + 91 = Dec 31
    expect(r.determination).toMatchObject({
      periodWeeks: 13,
      statutoryDate: '2026-12-31',
      effectiveDate: '2026-12-31',
    });
    expect(r.reasons.join(' ')).toContain('art. 2(c)(i)');
  });

  it('an EIA case: every window is 30 days from the case flag, and 16 weeks to decide', () => {
    const r = publicityFor(
      { applicationType: 'full', dwellings: 150, siteAreaHa: 3, eia: true, validDate: '2026-01-26' },
      [],
      [
        { kind: 'site-notice', date: '2026-01-31' }, // Jan 31 + 29 = Mar 1 (2026 Feb has 28)
        { kind: 'press-advert', date: '2026-02-02' }, // Feb 2 + 29 = Feb 31 = Mar 3
        { kind: 'website', date: '2026-02-02' }, // Mar 3
      ],
      null,
    );
    expect(r.publicity.row?.id).toBe('art15-1-eia');
    expect(r.windows.events.map((e) => e.lastDay)).toEqual(['2026-03-01', '2026-03-03', '2026-03-03']);
    expect(r.earliestDecisionDate).toBe('2026-03-04');
    expect(r.outstanding).toEqual([]);
    // Jan 26 + 112: Jan 31 (5), Feb 28 (33), Mar 31 (64), Apr 30 (94), May 18 (112)
    expect(r.determination).toMatchObject({ periodWeeks: 16, statutoryDate: '2026-05-18' });
  });

  it('nothing recorded yet: what is outstanding, no dates', () => {
    const r = publicityFor({ applicationType: 'full', dwellings: 4, siteAreaHa: 0.2 }, [], [], null);
    expect(r.classification.category).toBe('minor');
    expect(r.earliestDecisionDate).toBeNull();
    expect(r.determination).toBeNull();
    expect(r.outstanding.map((o) => `${o.kind}${o.either ? ':either' : ''}`)).toEqual([
      'site-notice:either',
      'neighbour-letters:either',
      'website',
    ]);
    expect(r.reasons.join(' ')).toContain('No valid date yet');
  });

  it('letters meet the art. 15 choice: only the newspaper notice is outstanding for a major', () => {
    const r = publicityFor(
      { applicationType: 'full', floorspaceM2: 1200 },
      [],
      [
        { kind: 'neighbour-letters', date: '2026-05-01' },
        { kind: 'website', date: '2026-05-01' },
      ],
      null,
    );
    expect(r.outstanding.map((o) => o.kind)).toEqual(['press-advert']);
    // May 1 + 20 = May 21, + 1 for Mon May 4 (early May bank holiday, not counted; updated 2026-12) = May 22
    expect(r.earliestDecisionDate).toBe('2026-05-23');
  });

  it('passes the letter-posting option and bank holidays through', () => {
    // Fri Aug 28 → Tue Sep 1 (Mon Aug 31 bank holiday); Sep 1 + 21 = Sep 22
    const r = publicityFor({ applicationType: 'hh' }, [], [{ kind: 'neighbour-letters', date: '2026-08-28' }], null, {
      letters: 'next-working-day',
      bankHolidays: ['2026-08-31'],
    });
    expect(r.windows.events[0]?.lastDay).toBe('2026-09-22');
    expect(r.earliestDecisionDate).toBe('2026-09-23');
  });

  it('an exempt interior-only grade II LBC needs nothing and has only its 8-week date', () => {
    // Mar 11 2024 + 56 = May 6
    const r = publicityFor(
      { applicationType: 'lbc', listedBuildingConsent: { grade: 'II', interiorOnly: true }, validDate: '2024-03-11' },
      [],
      [],
      null,
    );
    expect(r.publicity.requirements).toEqual([]);
    expect(r.outstanding).toEqual([]);
    expect(r.determination?.statutoryDate).toBe('2024-05-06');
  });
});
