/**
 * Publicity, representation windows and determination periods (pure): what an application must be publicised by,
 * when each window for representations closes, the earliest lawful decision date and the statutory determination
 * date. Table-driven from /work/shared/rules/planning-rules.md (England only); every answer carries the rule,
 * its legal basis and a sentence saying why.
 *
 * Evidence: each requirement and period says whether the rules file confirms it from a retrieved source ('S') or
 * gives it from working knowledge ('M', marked [M] in the file: "verify against legislation.gov.uk before coding").
 * [M] rules are implemented as written and flagged in comments below and in the output (`evidence: 'M'`).
 *
 * Conventions (all from the rules file):
 * - Dates are 'YYYY-MM-DD' calendar dates (no time zone, no clock). Weekends and bank holidays never extend a
 *   statutory period: the file gives no such rule. Bank holidays matter only for the optional BOPS letter-posting
 *   assumption (next working day), and are then a list passed in (no network).
 * - A representation window "begins with" the event date (day 1): last_day = date + (window − 1);
 *   earliest decision date = max(last_day) + 1 (§2b).
 * - A determination period starts the day after the valid date, so the statutory date is valid date + period
 *   (the same weekday N weeks later) (§6c).
 */
import { AppError } from '../errors.ts';
import { APPLICATION_TYPES } from './cases.ts';

// ---------------------------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { issues: [{ path: field, message }] });
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date; throws VALIDATION_FAILED for anything else (including 2026-02-30). */
function toDay(iso: string, field: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) throw invalid(field, `'${iso}' is not a date (YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    throw invalid(field, `'${iso}' is not a calendar date`);
  return ms / DAY_MS;
}
const fromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const weekdayOf = (day: number) => WEEKDAYS[new Date(day * DAY_MS).getUTCDay()]!;

/** date + n calendar days. */
export function addDays(iso: string, n: number): string {
  return fromDay(toDay(iso, 'date') + n);
}

/** The first day after `iso` that is Monday–Friday and not in `bankHolidays`. */
export function nextWorkingDay(iso: string, bankHolidays: readonly string[] = []): string {
  const holidays = new Set(bankHolidays.map((h, i) => toDay(h, `bankHolidays[${i}]`)));
  let day = toDay(iso, 'date') + 1;
  for (;;) {
    const dow = new Date(day * DAY_MS).getUTCDay();
    if (dow !== 0 && dow !== 6 && !holidays.has(day)) return fromDay(day);
    day++;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Application types: which regime, how a non-major is told apart, which determination period
// ---------------------------------------------------------------------------------------------------------------

export type Category = 'major' | 'minor' | 'other';
export type Evidence = 'S' | 'M';

/** Which publicity law applies to the application type. */
export type Regime =
  | 'planning-permission' // DMPO 2015 art. 15 (+ LBCA Regs reg 5A overlay)
  | 'listed-building-consent' // LBCA Regs 1990 reg 5
  | 'larger-home-extension' // GPDO 2015 Sch 2 Pt 1 Class A (A.4)
  | 'none'; // the rules file gives no statutory publicity for this type

type PeriodRule =
  | { kind: 'planning' } // EIA 16 / major 13 / else 8 weeks (DMPO art. 34)
  | { kind: 'fixed'; days: number; statedAs: 'weeks' | 'days'; legalBasis: string; evidence: Evidence; label: string }
  | { kind: 'tdc' } // technical details consent: 5 weeks minor, 10 weeks major [M]
  | { kind: 'unknown'; why: string };

interface TypeRule {
  regime: Regime;
  /** whether the DMPO art. 2 major tests apply (applications for planning permission and their relatives) */
  art2: boolean;
  /** the category when no art. 2 test fires: 'minor' for PS2 minor lines (Q13–Q18), 'other' for everything else */
  nonMajor: 'minor' | 'other';
  period: PeriodRule;
  /** a sentence explaining the classification of this type */
  classNote: string;
  /** a caveat shown with the publicity (where the rules file is silent) */
  publicityNote?: string;
}

const PLANNING: PeriodRule = { kind: 'planning' };
const weeks = (n: number, legalBasis: string, evidence: Evidence, label: string): PeriodRule => ({
  kind: 'fixed',
  days: n * 7,
  statedAs: 'weeks',
  legalBasis,
  evidence,
  label,
});
const days = (n: number, legalBasis: string, evidence: Evidence, label: string): PeriodRule => ({
  kind: 'fixed',
  days: n,
  statedAs: 'days',
  legalBasis,
  evidence,
  label,
});
const unknownPeriod = (name: string): PeriodRule => ({
  kind: 'unknown',
  why: `The rules file gives no determination period for ${name}; set the target date by hand.`,
});

const PP_MINOR =
  'an application for planning permission: major if an art. 2 test is met, otherwise minor (PS2 Q13–Q18)';
const COUNTY = 'a county matter: major under DMPO art. 2';

/**
 * Rules per planning.data.gov.uk application type. A type not listed uses its parent's rule (e.g. outline-all →
 * outline, ldc-existing-use → ldc, cho-* → prior-approval); a type with neither falls back to DEFAULT_RULE.
 *
 * Minor vs other (the rules file §6b, PS2 lines): after the art. 2 tests, applications for planning permission for
 * building or engineering development are 'minor' (Q13–Q18). Householder (Q21), change of use (Q20) and relevant
 * demolition in a conservation area (Q25) are 'other' unless an art. 2 test fires (householder: never major, see
 * below). Consents and certificates that are not planning permission (LBC Q23/Q24, advertisements Q22, LDCs Q26,
 * prior approvals and notifications Q27, TPO, NMA, details reserved by condition, …) are 'other' and the art. 2
 * tests are not applied to them, except that county matters (minerals, waste) are always major.
 *
 * Periods with evidence 'M' are [M] in the rules file §4 (LDC, NMA, details reserved by condition, advertisements,
 * prior approval 56 days, larger home extension 42 days, PiP, TDC, TPO, s211): implemented as written, verify.
 * The LBC 8 weeks is [S] (Hull) with the reg 3 pinpoint [M]. Art. 34 8/13/16 weeks is [S].
 */
const TYPE_RULES: Record<string, TypeRule> = {
  full: { regime: 'planning-permission', art2: true, nonMajor: 'minor', period: PLANNING, classNote: PP_MINOR },
  outline: { regime: 'planning-permission', art2: true, nonMajor: 'minor', period: PLANNING, classNote: PP_MINOR },
  'reserved-matters': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: PP_MINOR,
    // The rules file does not say whether art. 15 covers reserved matters; treating it as if it does errs towards more publicity.
    publicityNote:
      'The rules file does not say whether DMPO art. 15 applies to approval of reserved matters; publicised as an application for planning permission (more publicity, never less).',
  },
  s73: {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: `${PP_MINOR} (s73 is an application for planning permission)`,
  },
  'reg-3': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: `${PP_MINOR} (the authority's own development)`,
  },
  'reg-4': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: `${PP_MINOR} (the authority's land)`,
  },
  'psi-app': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: unknownPeriod('public service infrastructure applications'),
    classNote: PP_MINOR,
  },
  hh: {
    regime: 'planning-permission',
    art2: false,
    nonMajor: 'other',
    period: PLANNING,
    // The brief and PS2 Q21: householder is 'other'. Strictly art. 2(e) (site ≥ 1 ha) is not excluded for householder
    // development; this module follows PS2 and never makes a householder application major.
    classNote:
      'a householder application (works within the curtilage of a house, PS2 Q21): always "other", never major',
  },
  'change-of-use': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'other',
    period: PLANNING,
    classNote: 'a change of use: major if an art. 2 test is met, otherwise "other" (PS2 Q20)',
  },
  'demolition-con-area': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'other',
    period: PLANNING,
    classNote:
      'relevant demolition in a conservation area (planning permission since 2013, PS2 Q25): major if an art. 2 test is met, otherwise "other"',
  },
  'mineral-extraction': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: COUNTY,
  },
  'mineral-app': { regime: 'planning-permission', art2: true, nonMajor: 'minor', period: PLANNING, classNote: COUNTY },
  'extraction-oil-gas': {
    regime: 'planning-permission',
    art2: true,
    nonMajor: 'minor',
    period: PLANNING,
    classNote: COUNTY,
  },
  'waste-dev': { regime: 'planning-permission', art2: true, nonMajor: 'minor', period: PLANNING, classNote: COUNTY },
  romp: {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: unknownPeriod('a review of mineral permissions (ROMP)'),
    classNote: `${COUNTY} (the code list marks ROMP as a minerals county matter)`,
  },
  lbc: {
    regime: 'listed-building-consent',
    art2: false,
    nonMajor: 'other',
    period: weeks(8, 'LBCA Regs 1990 reg 3', 'S', 'listed building consent'), // [S] Hull for 8 weeks; reg 3 pinpoint [M]
    classNote: 'listed building consent (PS2 Q23/Q24): not planning permission, so "other"',
  },
  advertising: {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: weeks(8, 'TCP (Control of Advertisements) (England) Regs 2007', 'M', 'advertisement consent'),
    classNote: 'advertisement consent (PS2 Q22): "other"',
  },
  ldc: {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: weeks(8, 'DMPO 2015 art. 39', 'M', 'a lawful development certificate'),
    classNote: 'a lawful development certificate (PS2 Q26): "other"',
  },
  'ldc-proposed-work-lb': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: unknownPeriod('a certificate of lawfulness of proposed works to a listed building'),
    classNote: 'a certificate for works to a listed building: "other"',
  },
  'prior-approval': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: days(56, 'GPDO 2015 Sch 2 Pt 3 para W(11)', 'M', 'prior approval'),
    classNote: 'a prior approval (PS1, not PS2 major/minor): "other"',
    publicityNote: 'Prior approval publicity depends on the GPDO class; the rules file does not give it.',
  },
  'pa-extension': {
    regime: 'larger-home-extension',
    art2: false,
    nonMajor: 'other',
    period: days(42, 'GPDO 2015 Sch 2 Pt 1 para A.4', 'M', 'a larger home extension prior approval'),
    classNote: 'a larger home extension prior approval: "other"',
  },
  'approval-condition': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: weeks(8, 'DMPO 2015 arts 27–30', 'M', 'approval of details reserved by condition'),
    classNote: 'approval of details reserved by condition: "other"',
  },
  'non-material-amendment': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: days(28, 'DMPO 2015 art. 10', 'M', 'a non-material amendment (s96A)'),
    classNote: 'a non-material amendment (s96A): "other"',
  },
  'consent-under-tpo': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: weeks(8, 'TCP (Tree Preservation) (England) Regs 2012', 'M', 'consent under a TPO'),
    classNote: 'works to protected trees: "other"',
  },
  'notice-trees-in-con-area': {
    regime: 'none',
    art2: false,
    nonMajor: 'other',
    period: weeks(6, 'TCPA 1990 s211', 'M', "a s211 notice (six weeks' notice)"),
    classNote: 'a s211 notice of works to trees in a conservation area: "other"',
  },
  pip: {
    regime: 'none',
    art2: true,
    nonMajor: 'minor',
    period: weeks(5, 'TCP (Permission in Principle) Order 2017', 'M', 'permission in principle'),
    classNote: 'permission in principle: major if an art. 2 test is met, otherwise minor',
    publicityNote: 'The rules file does not give the publicity for permission in principle.',
  },
  'technical-details-consent': {
    regime: 'none',
    art2: true,
    nonMajor: 'minor',
    period: { kind: 'tdc' },
    classNote: 'technical details consent: major if an art. 2 test is met, otherwise minor',
    publicityNote: 'The rules file does not give the publicity for technical details consent.',
  },
};
const DEFAULT_RULE: Omit<TypeRule, 'period' | 'classNote'> = { regime: 'none', art2: false, nonMajor: 'other' };

const TYPES_BY_REF = new Map(APPLICATION_TYPES.map((t) => [t.reference, t]));

interface ResolvedType {
  reference: string;
  name: string;
  countyMatter: 'minerals' | 'waste' | null;
  rule: TypeRule;
}

function resolveType(reference: string): ResolvedType {
  const t = TYPES_BY_REF.get(reference);
  if (!t) throw invalid('applicationType', `'${reference}' is not a planning.data.gov.uk application type`);
  const rule = TYPE_RULES[reference] ??
    (t.parent ? TYPE_RULES[t.parent] : undefined) ?? {
      ...DEFAULT_RULE,
      period: unknownPeriod(t.name.toLowerCase()),
      classNote: `${t.name.toLowerCase()}: not planning permission, so "other"`,
    };
  return { reference, name: t.name, countyMatter: t.countyMatter, rule };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Classification (DMPO 2015 art. 2)
// ---------------------------------------------------------------------------------------------------------------

/** The art. 2 "major development" tests, in the order of the definition (a)–(e). */
export type MajorTest = 'minerals' | 'waste' | 'dwellings' | 'dwellings-unknown-site-area' | 'floorspace' | 'site-area';

/** DMPO 2015 art. 2 thresholds [S] (rules file §1). */
export const MAJOR_THRESHOLDS = {
  dwellings: 10,
  /** site area when dwellings are provided but their number is not known */
  dwellingsUnknownSiteHa: 0.5,
  floorspaceM2: 1000,
  siteHa: 1,
} as const;

export interface DevelopmentInput {
  /** planning.data.gov.uk application-type reference */
  applicationType: string;
  /**
   * Dwellinghouses provided. A number when known (0 = none); null when the development provides dwellinghouses but
   * their number is not known (e.g. outline), which is when art. 2(c)(ii) (site ≥ 0.5 ha) applies; omitted when the
   * development provides no dwellinghouses (the 0.5 ha test then does not apply).
   */
  dwellings?: number | null;
  /** site area in hectares (the red line) */
  siteAreaHa?: number;
  /** floor space created by the development, m² */
  floorspaceM2?: number;
}

export interface Classification {
  category: Category;
  /** the art. 2 tests that fired (empty unless major) */
  tests: MajorTest[];
  reasons: string[];
  legalBasis: string;
}

function checkNumber(v: number | null | undefined, field: string) {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(field, 'must be a number, 0 or more');
}

export function classifyDevelopment(input: DevelopmentInput): Classification {
  const t = resolveType(input.applicationType);
  checkNumber(input.dwellings, 'dwellings');
  checkNumber(input.siteAreaHa, 'siteAreaHa');
  checkNumber(input.floorspaceM2, 'floorspaceM2');
  const legalBasis = 'DMPO 2015 art. 2';
  const tests: MajorTest[] = [];
  const reasons: string[] = [];
  const T = MAJOR_THRESHOLDS;
  if (t.countyMatter === 'minerals') {
    tests.push('minerals');
    reasons.push(`${t.name} is the winning and working of minerals (a county matter): major under art. 2(a).`);
  }
  if (t.countyMatter === 'waste') {
    tests.push('waste');
    reasons.push(`${t.name} is waste development (a county matter): major under art. 2(b).`);
  }
  if (t.rule.art2) {
    const { dwellings, siteAreaHa, floorspaceM2 } = input;
    if (typeof dwellings === 'number' && dwellings >= T.dwellings) {
      tests.push('dwellings');
      reasons.push(`${dwellings} dwellings: ${T.dwellings} or more is major under art. 2(c)(i).`);
    }
    if (dwellings === null && siteAreaHa !== undefined && siteAreaHa >= T.dwellingsUnknownSiteHa) {
      tests.push('dwellings-unknown-site-area');
      reasons.push(
        `Dwellings of unknown number on a site of ${siteAreaHa} ha: ${T.dwellingsUnknownSiteHa} ha or more is major under art. 2(c)(ii).`,
      );
    }
    if (floorspaceM2 !== undefined && floorspaceM2 >= T.floorspaceM2) {
      tests.push('floorspace');
      reasons.push(
        `${floorspaceM2} m² of floor space created: ${T.floorspaceM2.toLocaleString('en-GB')} m² or more is major under art. 2(d).`,
      );
    }
    if (siteAreaHa !== undefined && siteAreaHa >= T.siteHa) {
      tests.push('site-area');
      reasons.push(`A site of ${siteAreaHa} ha: ${T.siteHa} ha or more is major under art. 2(e).`);
    }
  }
  if (tests.length) return { category: 'major', tests, reasons, legalBasis };
  if (!t.rule.art2) {
    reasons.push(`${t.name} is ${t.rule.classNote}.`);
    return { category: 'other', tests, reasons, legalBasis };
  }
  const missing: string[] = [];
  if (input.dwellings === undefined && input.floorspaceM2 === undefined) missing.push('dwellings or floor space');
  if (input.siteAreaHa === undefined) missing.push('site area');
  reasons.push(
    `No art. 2 major test is met (fewer than ${T.dwellings} dwellings, under ${T.floorspaceM2.toLocaleString('en-GB')} m² created, a site under ${T.siteHa} ha` +
      `${input.dwellings === null ? ` and under ${T.dwellingsUnknownSiteHa} ha with the number of dwellings unknown` : ''}): ${t.name} is ${t.rule.classNote}.`,
  );
  if (missing.length) reasons.push(`Not recorded: ${missing.join(', ')}; the classification may change when they are.`);
  return { category: t.rule.nonMajor, tests, reasons, legalBasis };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Required publicity (DMPO 2015 art. 15, art. 16; LBCA Regs 1990 regs 5 and 5A; GPDO A.4; the SCI)
// ---------------------------------------------------------------------------------------------------------------

export type PublicityKind =
  'site-notice' | 'neighbour-letters' | 'press-advert' | 'website' | 'historic-england-copy' | 'railway-notification';
export type ListedGrade = 'I' | 'II*' | 'II';

export interface Requirement {
  kind: PublicityKind;
  /** the period the rules file sets for this item (display / representation period), or null when it sets none */
  minimumDays: number | null;
  legalBasis: string;
  because: string;
  /** group id: the law is satisfied by ONE item of the group (a site notice OR letters to adjoining owners/occupiers) */
  either?: string;
  /** 'statute' for the legal minimum, 'sci' for what the authority's Statement of Community Involvement adds */
  source: 'statute' | 'sci';
  evidence: Evidence;
  /** id of the table row or overlay that produced it */
  rule: string;
  /** SCI letters: notify properties within this distance of the site boundary */
  radiusM?: number;
}

/** What a constraint check found that triggers LBCA Regs reg 5A (see constraints.ts `publicity`). */
export type ConstraintTrigger =
  | { trigger: 'listed-building-setting'; grades: ListedGrade[]; layerId?: string; because?: string }
  | {
      trigger: 'conservation-area';
      siteAreaM2: number;
      newBuildingOrExtension: boolean;
      layerId?: string;
      because?: string;
    };

export interface ListedBuildingConsentInput {
  /** grade of the building the works are to; null when not recorded */
  grade: ListedGrade | null;
  /** the works affect only the interior */
  interiorOnly: boolean;
}

export interface PublicityInput {
  applicationType: string;
  category: Category;
  /** accompanied by an environmental statement */
  eia?: boolean;
  /** does not accord with the development plan */
  departure?: boolean;
  /** affects a public right of way to which Part 3 of the Wildlife and Countryside Act 1981 applies */
  publicRightOfWay?: boolean;
  /** within 10 m of relevant railway land (DMPO art. 16) */
  nearRailway?: boolean;
  /** for listed building consent applications */
  listedBuildingConsent?: ListedBuildingConsentInput;
  triggers?: readonly ConstraintTrigger[];
}

/** An authority's Statement of Community Involvement: publicity it adds to the statutory minimum (never removes). */
export interface SciPolicy {
  /** how the SCI is cited, default 'Statement of Community Involvement' */
  name?: string;
  /** neighbour letters on every application */
  lettersAlways?: boolean;
  /** a site notice for every major application */
  siteNoticeForMajors?: boolean;
  /** a press advert for every major application */
  pressForMajors?: boolean;
  /** letters go to properties within this distance of the site boundary, as well as adjoining ones */
  letterRadiusM?: number;
}

export type SummaryStatus = 'required' | 'one-of' | 'optional';
export interface SummaryItem {
  kind: PublicityKind;
  /** required: must be done; one-of: one item of `either` must be done; optional: its group is met by a required item */
  status: SummaryStatus;
  minimumDays: number | null;
  either?: string;
  rules: string[];
  because: string;
}

export interface PublicityRequirements {
  regime: Regime;
  /** the strictest art. 15 row that matched (planning-permission regime only) */
  row: { id: string; title: string } | null;
  requirements: Requirement[];
  /** one line per kind: what must be done, merging rows, overlays and the SCI */
  summary: SummaryItem[];
  /** the press and site notice fall under LBCA Regs reg 5 or 5A: no decision within 21 days of the later */
  heritage: boolean;
  notes: string[];
}

type Item = Omit<Requirement, 'source' | 'rule'>;
interface Art15Row {
  id: string;
  title: string;
  matches: (i: PublicityInput) => boolean;
  items: Item[];
}

export const NOTICE_OR_LETTERS = 'dmpo-art15-site-notice-or-letters';

const WEBSITE_14: Item = {
  kind: 'website',
  minimumDays: 14,
  legalBasis: 'DMPO 2015 art. 15(7)',
  evidence: 'M',
  because: 'Publish on the website, giving at least 14 days for representations from first publication.',
};
const EITHER_NOTICE: Item = {
  kind: 'site-notice',
  minimumDays: 21,
  either: NOTICE_OR_LETTERS,
  legalBasis: 'DMPO 2015 art. 15',
  evidence: 'S',
  because: 'A site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
};
const EITHER_LETTERS: Item = {
  kind: 'neighbour-letters',
  minimumDays: 21,
  either: NOTICE_OR_LETTERS,
  legalBasis: 'DMPO 2015 art. 15',
  evidence: 'S',
  because: 'Letters to any owner or occupier of land adjoining the site (21 days), or instead a site notice.',
};

/**
 * DMPO 2015 art. 15, rules file §2a rows 1–5, tested in order: the first that matches is the strictest.
 * [M]: the paragraph numbers (15(2), 15(3), 15(4)) are not reproduced by the file except 15(3) for majors (itself [M]);
 * the 30-day press and website periods for EIA are [M]; the 14-day website period is [M].
 */
export const ART15_ROWS: readonly Art15Row[] = [
  {
    id: 'art15-1-eia',
    title: 'Accompanied by an environmental statement (EIA development)',
    matches: (i) => Boolean(i.eia),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(2); EIA Regs 2017',
        evidence: 'S',
        because: 'EIA development: a site notice for at least 30 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(2); EIA Regs 2017',
        evidence: 'M',
        because: 'EIA development: a notice in a local newspaper; 30 days for representations.',
      },
      {
        ...WEBSITE_14,
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(7); EIA Regs 2017',
        because: 'EIA development: publish on the website; 30 days for representations.',
      },
    ],
  },
  {
    id: 'art15-2-departure',
    title: 'Departure from the development plan',
    matches: (i) => Boolean(i.departure),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 21,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Not in accordance with the development plan: a site notice for at least 21 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Not in accordance with the development plan: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-3-prow',
    title: 'Affects a public right of way (Wildlife and Countryside Act 1981 Part 3)',
    matches: (i) => Boolean(i.publicRightOfWay),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 21,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Affects a public right of way: a site notice for at least 21 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Affects a public right of way: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-4-major',
    title: 'Major development',
    matches: (i) => i.category === 'major',
    items: [
      {
        ...EITHER_NOTICE,
        legalBasis: 'DMPO 2015 art. 15(3)',
        evidence: 'M',
        because:
          'Major development: a site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      {
        ...EITHER_LETTERS,
        legalBasis: 'DMPO 2015 art. 15(3)',
        evidence: 'M',
        because:
          'Major development: letters to any owner or occupier of land adjoining the site (21 days), or instead a site notice.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(3)',
        evidence: 'S',
        because: 'Major development: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-5-other',
    title: 'All other applications',
    matches: () => true,
    items: [
      {
        ...EITHER_NOTICE,
        legalBasis: 'DMPO 2015 art. 15(4)',
        because: 'A site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      { ...EITHER_LETTERS, legalBasis: 'DMPO 2015 art. 15(4)' },
      WEBSITE_14,
    ],
  },
];

/** LBCA Regs 1990 reg 5A overlay [S for newspaper + site notice; M for the 7 and 21 days]. */
const REG5A_BASIS = 'LBCA Regs 1990 reg 5A';
/** LBCA Regs 1990 reg 5 (listed building consent) [M: England text]. */
const REG5_BASIS = 'LBCA Regs 1990 reg 5';
const HE_BASIS = 'LBCA Regs 1990 reg 5A(3) (substituted by SI 2015/809 reg 2)';
/** reg 5A(3)(b): the conservation-area copy goes to Historic England only when the site is MORE than this [S]. */
export const HE_CONSERVATION_AREA_SITE_M2 = 1000;

function heritageOverlay(triggers: readonly ConstraintTrigger[]): { items: Requirement[]; notes: string[] } {
  const items: Requirement[] = [];
  const notes: string[] = [];
  if (!triggers.length) return { items, notes };
  const what = [
    triggers.some((t) => t.trigger === 'listed-building-setting') ? 'the setting of a listed building' : null,
    triggers.some((t) => t.trigger === 'conservation-area')
      ? 'the character or appearance of a conservation area'
      : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const rule = 'reg5a-overlay';
  items.push(
    {
      kind: 'site-notice',
      minimumDays: 7,
      legalBasis: REG5A_BASIS,
      evidence: 'M',
      source: 'statute',
      rule,
      because: `Affects ${what}: display a site notice for at least 7 days; no decision within 21 days of the later of the site notice and the newspaper notice.`,
    },
    {
      kind: 'press-advert',
      minimumDays: 21,
      legalBasis: REG5A_BASIS,
      evidence: 'M',
      source: 'statute',
      rule,
      because: `Affects ${what}: publish a notice in a local newspaper; no decision within 21 days of the later of the newspaper notice and the site notice.`,
    },
  );
  const he: string[] = [];
  for (const t of triggers) {
    if (t.trigger === 'listed-building-setting') {
      const high = t.grades.filter((g) => g === 'I' || g === 'II*');
      if (high.length)
        he.push(
          `the listed building${t.grades.length > 1 ? 's include' : ' is'} grade ${[...new Set(high)].join(' and ')}`,
        );
      else if (!t.grades.length)
        notes.push(
          'The grade of the listed building whose setting is affected is not recorded: if it is grade I or II*, a copy of the notice must go to Historic England (reg 5A(3)).',
        );
    } else if (t.newBuildingOrExtension && t.siteAreaM2 > HE_CONSERVATION_AREA_SITE_M2) {
      he.push(
        `in a conservation area, a new building or extension on a site of ${t.siteAreaM2} m² (more than ${HE_CONSERVATION_AREA_SITE_M2.toLocaleString('en-GB')} m²)`,
      );
    }
  }
  if (he.length) {
    items.push({
      kind: 'historic-england-copy',
      minimumDays: null,
      legalBasis: HE_BASIS,
      evidence: 'S',
      source: 'statute',
      rule: 'reg5a-historic-england',
      because: `Send a copy of the notice to Historic England: ${he.join('; ')}.`,
    });
  }
  return { items, notes };
}

const sciName = (sci: SciPolicy) => sci.name?.trim() || 'Statement of Community Involvement';

/** True when a statutory item already requires `kind` outright (not as one of a choice) for at least `days`. */
function alreadyRequired(list: readonly Requirement[], kind: PublicityKind, days: number): boolean {
  return list.some((r) => r.kind === kind && !r.either && (r.minimumDays ?? 0) >= days);
}

function sciAdditions(
  input: PublicityInput,
  statutory: readonly Requirement[],
  sci: SciPolicy,
): { items: Requirement[]; notes: string[] } {
  const items: Requirement[] = [];
  const notes: string[] = [];
  const name = sciName(sci);
  const period = input.eia ? 30 : 21;
  const major = input.category === 'major';
  if (sci.letterRadiusM !== undefined && (!Number.isFinite(sci.letterRadiusM) || sci.letterRadiusM <= 0))
    throw invalid('sciPolicy.letterRadiusM', 'must be a positive number of metres');
  const radius = sci.letterRadiusM;
  const satisfies = (kind: PublicityKind) =>
    statutory.some((r) => r.kind === kind && r.either)
      ? ' It also meets the statutory choice of a site notice or letters.'
      : '';
  if (sci.lettersAlways && !alreadyRequired(statutory, 'neighbour-letters', period)) {
    items.push({
      kind: 'neighbour-letters',
      minimumDays: period,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-letters-always',
      ...(radius !== undefined ? { radiusM: radius } : {}),
      because: `The authority's ${name} sends neighbour letters on every application (in addition to the statutory minimum), to adjoining owners/occupiers${radius !== undefined ? ` and properties within ${radius} m of the site boundary` : ''}; ${period} days for representations.${satisfies('neighbour-letters')}`,
    });
  } else if (radius !== undefined && !sci.lettersAlways) {
    notes.push(
      `The ${name} sends letters, when letters are sent, to properties within ${radius} m of the site boundary as well as adjoining ones.`,
    );
  }
  if (sci.siteNoticeForMajors && major && !alreadyRequired(statutory, 'site-notice', period)) {
    items.push({
      kind: 'site-notice',
      minimumDays: period,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-site-notice-majors',
      because: `The authority's ${name} puts up a site notice for every major application (in addition to the statutory minimum); ${period} days.${satisfies('site-notice')}`,
    });
  }
  if (sci.pressForMajors && major && !alreadyRequired(statutory, 'press-advert', input.eia ? 30 : 14)) {
    items.push({
      kind: 'press-advert',
      minimumDays: input.eia ? 30 : 14,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-press-majors',
      because: `The authority's ${name} advertises every major application in a local newspaper (in addition to the statutory minimum).`,
    });
  }
  return { items, notes };
}

const maxDays = (list: readonly Requirement[]) =>
  list.reduce<number | null>((m, r) => (r.minimumDays === null ? m : Math.max(m ?? 0, r.minimumDays)), null);
const KIND_ORDER: readonly PublicityKind[] = [
  'site-notice',
  'neighbour-letters',
  'press-advert',
  'website',
  'historic-england-copy',
  'railway-notification',
];
const KIND_NAME: Record<PublicityKind, string> = {
  'site-notice': 'site notice',
  'neighbour-letters': 'neighbour letters',
  'press-advert': 'newspaper notice',
  website: 'website publication',
  'historic-england-copy': 'copy to Historic England',
  'railway-notification': 'notice to the railway infrastructure manager',
};

/**
 * One line per kind. A kind is 'required' when any item requires it outright; an either-group is met by a required
 * member (that member's period then covers the group's, so its minimumDays is the largest of both), and the group's
 * other members become 'optional'; otherwise the group's members are 'one-of'.
 */
export function summarisePublicity(requirements: readonly Requirement[]): SummaryItem[] {
  const out: SummaryItem[] = [];
  const requiredKinds = new Set(requirements.filter((r) => !r.either).map((r) => r.kind));
  const metGroups = new Set(requirements.filter((r) => r.either && requiredKinds.has(r.kind)).map((r) => r.either!));
  for (const kind of KIND_ORDER) {
    const items = requirements.filter((r) => r.kind === kind);
    if (!items.length) continue;
    const rules = [...new Set(items.map((r) => r.rule))];
    const group = items.find((r) => r.either)?.either;
    if (requiredKinds.has(kind)) {
      out.push({
        kind,
        status: 'required',
        minimumDays: maxDays(items),
        rules,
        because: `A ${KIND_NAME[kind]} is required (${rules.join(', ')})${group ? '; it also meets the statutory choice of a site notice or letters' : ''}.`,
      });
    } else if (group && metGroups.has(group)) {
      out.push({
        kind,
        status: 'optional',
        minimumDays: maxDays(items),
        either: group,
        rules,
        because: `Not needed by law: the choice of a site notice or letters is met by a required item.`,
      });
    } else {
      out.push({
        kind,
        status: 'one-of',
        minimumDays: maxDays(items),
        ...(group ? { either: group } : {}),
        rules,
        because: `Either this ${KIND_NAME[kind]} or the other item of the choice is required (${rules.join(', ')}).`,
      });
    }
  }
  return out;
}

export function requiredPublicity(input: PublicityInput, sci?: SciPolicy | null): PublicityRequirements {
  const t = resolveType(input.applicationType);
  const regime = t.rule.regime;
  const triggers = input.triggers ?? [];
  const notes: string[] = [];
  const statutory: Requirement[] = [];
  let row: PublicityRequirements['row'] = null;
  let heritage = false;
  if (t.rule.publicityNote) notes.push(t.rule.publicityNote);

  if (regime === 'planning-permission') {
    const matching = ART15_ROWS.filter((r) => r.matches(input));
    const strictest = matching[0]!; // the last row always matches
    row = { id: strictest.id, title: strictest.title };
    for (const item of strictest.items) statutory.push({ ...item, source: 'statute', rule: strictest.id });
    const others = matching.slice(1, -1);
    if (others.length)
      notes.push(
        `Also matches ${others.map((r) => `"${r.title}"`).join(', ')}; the strictest row ("${strictest.title}") applies.`,
      );
    if (input.nearRailway) {
      statutory.push({
        kind: 'railway-notification',
        minimumDays: null,
        legalBasis: 'DMPO 2015 art. 16',
        evidence: 'M',
        source: 'statute',
        rule: 'art16-railway',
        because: 'Within 10 m of relevant railway land: notify the railway infrastructure manager.',
      });
    }
    const overlay = heritageOverlay(triggers);
    statutory.push(...overlay.items);
    notes.push(...overlay.notes);
    heritage = overlay.items.length > 0;
  } else if (regime === 'listed-building-consent') {
    const lbc = input.listedBuildingConsent;
    if (lbc?.interiorOnly && lbc.grade === 'II') {
      notes.push(
        'Works affecting only the interior of a grade II (unstarred) listed building: reg 5 publicity does not apply (LBCA Regs 1990 reg 5 exception), so no statutory publicity.',
      );
    } else {
      if (lbc?.interiorOnly && lbc.grade === null)
        notes.push(
          'Interior-only works, but the grade is not recorded: the reg 5 exemption covers grade II (unstarred) only, so the notices are listed.',
        );
      const rule = 'reg5-lbc';
      statutory.push(
        {
          kind: 'press-advert',
          minimumDays: 21,
          legalBasis: REG5_BASIS,
          evidence: 'M',
          source: 'statute',
          rule,
          because:
            'Listed building consent: publish a notice in a local newspaper (nature of the works, where to inspect); no decision within 21 days of the later of publication and display.',
        },
        {
          kind: 'site-notice',
          minimumDays: 7,
          legalBasis: REG5_BASIS,
          evidence: 'M',
          source: 'statute',
          rule,
          because:
            'Listed building consent: display a notice on or near the building for not less than 7 days; no decision within 21 days of the later of display and publication.',
        },
        {
          kind: 'website',
          minimumDays: null,
          legalBasis: REG5_BASIS,
          evidence: 'M',
          source: 'statute',
          rule,
          because: 'Listed building consent: publish the notice on the website.',
        },
      );
      heritage = true;
    }
    if (triggers.length)
      notes.push(
        'Reg 5A (setting / conservation area) applies to applications for planning permission; this listed building consent is publicised under reg 5.',
      );
  } else if (regime === 'larger-home-extension') {
    statutory.push({
      kind: 'neighbour-letters',
      minimumDays: 21,
      legalBasis: 'GPDO 2015 Sch 2 Pt 1 para A.4',
      evidence: 'M',
      source: 'statute',
      rule: 'gpdo-a4-neighbours',
      because: 'Larger home extension: notify the adjoining owners/occupiers, who have 21 days to object.',
    });
  } else if (!t.rule.publicityNote) {
    notes.push(`The rules file gives no statutory publicity for ${t.name.toLowerCase()}.`);
  }

  const requirements = [...statutory];
  if (sci && (regime === 'planning-permission' || regime === 'listed-building-consent')) {
    const added = sciAdditions(input, statutory, sci);
    requirements.push(...added.items);
    notes.push(...added.notes);
  }
  return { regime, row, requirements, summary: summarisePublicity(requirements), heritage, notes };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Representation windows and the earliest decision date (DMPO art. 33; EIA Regs 2017; LBCA Regs regs 5 and 5A)
// ---------------------------------------------------------------------------------------------------------------

export type EventKind = 'site-notice' | 'neighbour-letters' | 'press-advert' | 'website' | 'owner-notice';
export interface PublicityEvent {
  kind: EventKind;
  /** 'YYYY-MM-DD': first displayed / served / published */
  date: string;
  /** the window is the EIA one (30 days); defaults to the case's EIA flag */
  eia?: boolean;
}

export interface WindowOptions {
  /** the application is accompanied by an environmental statement */
  eia?: boolean;
  /** LBCA Regs reg 5 or 5A applies: no decision within 21 days of the newspaper notice (as of the site notice) */
  heritage?: boolean;
  /**
   * 'event-date' (default): the letter date is day 1, like every other event.
   * 'next-working-day': the BOPS assumption (letters dispatched the next working day, Monday–Friday excluding the
   * bank holidays given): last day = dispatch day + window.
   */
  letters?: 'event-date' | 'next-working-day';
  /** England and Wales bank holidays, 'YYYY-MM-DD'; used only by letters: 'next-working-day' */
  bankHolidays?: readonly string[];
}

/** Windows for representations in days (§2b): [normal, EIA]. Owner notice has no EIA variant [M]. */
export const WINDOW_DAYS: Record<EventKind, { normal: number; eia: number; evidence: Evidence; legalBasis: string }> = {
  'site-notice': { normal: 21, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' },
  'neighbour-letters': { normal: 21, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' },
  'press-advert': { normal: 14, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' }, // EIA 30 is [M]
  website: { normal: 14, eia: 30, evidence: 'M', legalBasis: 'DMPO 2015 arts 15(7), 33' },
  'owner-notice': { normal: 21, eia: 21, evidence: 'M', legalBasis: 'DMPO 2015 art. 13' },
};
/** Reg 5 / 5A: no decision within 21 days of the newspaper notice [M]. */
export const HERITAGE_PRESS_DAYS = 21;

export interface EventWindow {
  kind: EventKind;
  date: string;
  windowDays: number;
  /** day 1 of the window (the event date, or the BOPS dispatch day) */
  firstDay: string;
  lastDay: string;
  /** a later event of the same kind that ended later replaced this one's end */
  superseded: boolean;
  because: string;
}
export interface KindWindow {
  kind: EventKind;
  lastDay: string;
  /** the event whose window ends last */
  fromDate: string;
  because: string;
}
export interface RepresentationWindows {
  events: EventWindow[];
  byKind: KindWindow[];
  /** max(last day) + 1, or null when nothing has been recorded */
  earliestDecisionDate: string | null;
  because: string;
}

const EVENT_NAME: Record<EventKind, string> = {
  'site-notice': 'site notice displayed',
  'neighbour-letters': 'neighbour letters',
  'press-advert': 'newspaper notice published',
  website: 'website publication',
  'owner-notice': "applicant's notice to owners",
};

export function representationWindows(
  events: readonly PublicityEvent[],
  options: WindowOptions = {},
): RepresentationWindows {
  const mode = options.letters ?? 'event-date';
  const parsed = events.map((e, i) => {
    if (!(e.kind in WINDOW_DAYS))
      throw invalid(`events[${i}].kind`, `'${String(e.kind)}' is not a publicity event kind`);
    return { e, i, day: toDay(e.date, `events[${i}].date`) };
  });
  parsed.sort((a, b) => a.day - b.day || a.i - b.i);
  const windows: Array<EventWindow & { end: number }> = [];
  const endByKind = new Map<EventKind, { end: number; w: EventWindow & { end: number } }>();
  for (const { e, day } of parsed) {
    const spec = WINDOW_DAYS[e.kind];
    const eia = e.eia ?? options.eia ?? false;
    let windowDays = eia ? spec.eia : spec.normal;
    let why = `${eia && spec.eia !== spec.normal ? 'EIA: ' : ''}${windowDays} days (${spec.legalBasis})`;
    if (e.kind === 'press-advert' && options.heritage && windowDays < HERITAGE_PRESS_DAYS) {
      windowDays = HERITAGE_PRESS_DAYS;
      why = `${windowDays} days: no decision within 21 days of the newspaper notice (LBCA Regs 1990 reg 5/5A), longer than the 14 days of DMPO art. 33`;
    }
    let first = day;
    let end: number;
    if (e.kind === 'neighbour-letters' && mode === 'next-working-day') {
      first = toDay(nextWorkingDay(e.date, options.bankHolidays ?? []), 'date');
      end = first + windowDays;
      why += `; posting assumed as BOPS does: dispatched the next working day (${weekdayOf(first)} ${fromDay(first)}), closing ${windowDays} days after dispatch`;
    } else {
      end = day + windowDays - 1;
      why += `, beginning with ${weekdayOf(day)} ${e.date} as day 1`;
    }
    const w = {
      kind: e.kind,
      date: e.date,
      windowDays,
      firstDay: fromDay(first),
      lastDay: fromDay(end),
      superseded: false,
      because: '',
      end,
    };
    const prior = endByKind.get(e.kind);
    if (prior) {
      if (end > prior.end) {
        prior.w.superseded = true;
        why += `; re-publicised after the ${EVENT_NAME[e.kind]} of ${prior.w.date}, so the window restarts (its end moves from ${fromDay(prior.end)} to ${fromDay(end)})`;
        endByKind.set(e.kind, { end, w });
      } else {
        w.superseded = true;
        why += `; ends before the earlier ${EVENT_NAME[e.kind]} of ${prior.w.date} (${fromDay(prior.end)}), which still governs`;
      }
    } else {
      endByKind.set(e.kind, { end, w });
    }
    w.because = `${EVENT_NAME[e.kind][0]!.toUpperCase()}${EVENT_NAME[e.kind].slice(1)} on ${e.date}: ${why}; last day ${weekdayOf(end)} ${fromDay(end)}.`;
    windows.push(w);
  }
  const byKind: KindWindow[] = [...endByKind.entries()].map(([kind, { end, w }]) => ({
    kind,
    lastDay: fromDay(end),
    fromDate: w.date,
    because: `Representations on the ${EVENT_NAME[kind]} until ${fromDay(end)} (from ${w.date}).`,
  }));
  const events_ = windows.map(({ end: _end, ...w }) => w);
  if (!windows.length)
    return { events: events_, byKind, earliestDecisionDate: null, because: 'No publicity has been recorded yet.' };
  const last = windows.reduce((a, b) => (b.end > a.end ? b : a));
  const decision = last.end + 1;
  const dow = new Date(decision * DAY_MS).getUTCDay();
  return {
    events: events_,
    byKind,
    earliestDecisionDate: fromDay(decision),
    because:
      `The last window to close is the ${EVENT_NAME[last.kind]} of ${last.date} (last day ${last.lastDay}), so the earliest decision date is the day after: ${weekdayOf(decision)} ${fromDay(decision)}.` +
      (dow === 0 || dow === 6 ? ' Weekends do not extend statutory periods.' : ''),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Determination period (DMPO 2015 art. 34 and related)
// ---------------------------------------------------------------------------------------------------------------

export interface ExtensionOfTime {
  agreedOn: string;
  newTargetDate: string;
}
export interface DeterminationInput {
  validDate: string;
  category: Category;
  eia?: boolean;
  applicationType: string;
  extensionsOfTime?: readonly ExtensionOfTime[];
}
export interface Determination {
  /** the period in weeks (whole weeks; null when the rules file gives none for the type) */
  periodWeeks: number | null;
  periodDays: number | null;
  /** how the law states it: '13 weeks', '56 days' */
  periodLabel: string | null;
  legalBasis: string | null;
  evidence: Evidence | null;
  /** valid date + period (the period starts the day after the valid date) */
  statutoryDate: string | null;
  /** the latest agreed extension's new date, when later than the statutory date; else the statutory date */
  effectiveDate: string | null;
  /** the extension of time that sets effectiveDate, if any */
  extension: ExtensionOfTime | null;
  reasons: string[];
}

export function statutoryDetermination(input: DeterminationInput): Determination {
  const t = resolveType(input.applicationType);
  const valid = toDay(input.validDate, 'validDate');
  const reasons: string[] = [];
  let periodDays: number | null = null;
  let label: string | null = null;
  let legalBasis: string | null = null;
  let evidence: Evidence | null = null;
  const p = t.rule.period;
  if (p.kind === 'planning') {
    const wk = input.eia ? 16 : input.category === 'major' ? 13 : 8;
    periodDays = wk * 7;
    label = `${wk} weeks`;
    legalBasis = 'DMPO 2015 art. 34';
    evidence = 'S';
    reasons.push(
      input.eia
        ? `Accompanied by an environmental statement (EIA): 16 weeks.`
        : input.category === 'major'
          ? `Major development: 13 weeks.`
          : `${input.category === 'minor' ? 'Minor' : 'Not major'} (${t.name}): 8 weeks.`,
    );
  } else if (p.kind === 'fixed') {
    periodDays = p.days;
    label = p.statedAs === 'weeks' ? `${p.days / 7} weeks` : `${p.days} days`;
    legalBasis = p.legalBasis;
    evidence = p.evidence;
    reasons.push(
      `${p.label[0]!.toUpperCase()}${p.label.slice(1)}: ${label}${evidence === 'M' ? ' (rules file [M]: verify)' : ''}.`,
    );
    if (input.eia)
      reasons.push(
        'The EIA flag does not change this period: the rules file gives 16 weeks for planning applications only.',
      );
  } else if (p.kind === 'tdc') {
    const wk = input.category === 'major' ? 10 : 5;
    periodDays = wk * 7;
    label = `${wk} weeks`;
    legalBasis = 'TCP (Permission in Principle) Order 2017';
    evidence = 'M';
    reasons.push(
      `Technical details consent, ${input.category === 'major' ? 'major' : 'minor'}: ${label} (rules file [M]: verify).`,
    );
  } else {
    reasons.push(p.why);
  }
  const statutory = periodDays === null ? null : valid + periodDays;
  if (statutory !== null)
    reasons.push(
      `The period starts the day after the valid date (${input.validDate}), so the statutory date is ${weekdayOf(statutory)} ${fromDay(statutory)}.`,
    );

  const exts = (input.extensionsOfTime ?? []).map((x, i) => ({
    x,
    i,
    agreed: toDay(x.agreedOn, `extensionsOfTime[${i}].agreedOn`),
    target: toDay(x.newTargetDate, `extensionsOfTime[${i}].newTargetDate`),
  }));
  let extension: ExtensionOfTime | null = null;
  let effective = statutory;
  if (exts.length) {
    // The latest agreement governs; agreements on the same day: the later one in the list.
    const latest = exts.reduce((a, b) => (b.agreed >= a.agreed ? b : a));
    if (statutory === null || latest.target > statutory) {
      extension = latest.x;
      effective = latest.target;
      reasons.push(
        `Extension of time agreed in writing on ${latest.x.agreedOn}: the decision is due by ${fromDay(latest.target)} (DMPO art. 34(2)(b)).`,
      );
    } else {
      reasons.push(
        `The latest extension of time (agreed ${latest.x.agreedOn}) gives ${fromDay(latest.target)}, not later than the statutory date, so the statutory date stands.`,
      );
    }
    if (statutory !== null && latest.agreed > statutory)
      reasons.push(
        `That extension was agreed after the statutory date (${fromDay(statutory)}) had passed: check the applicant had not already appealed.`,
      );
  }
  return {
    periodWeeks: periodDays === null ? null : periodDays / 7,
    periodDays,
    periodLabel: label,
    legalBasis,
    evidence,
    statutoryDate: statutory === null ? null : fromDay(statutory),
    effectiveDate: effective === null ? null : fromDay(effective),
    extension,
    reasons,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 5. All together for a case (what GET on a case's publicity returns)
// ---------------------------------------------------------------------------------------------------------------

export interface CasePublicityInput extends DevelopmentInput {
  eia?: boolean;
  departure?: boolean;
  publicRightOfWay?: boolean;
  nearRailway?: boolean;
  listedBuildingConsent?: ListedBuildingConsentInput;
  validDate?: string | null;
  extensionsOfTime?: readonly ExtensionOfTime[];
}
export type PublicityOptions = Pick<WindowOptions, 'letters' | 'bankHolidays'>;

export interface OutstandingItem {
  kind: PublicityKind;
  either?: string;
  because: string;
}
export interface CasePublicity {
  classification: Classification;
  publicity: PublicityRequirements;
  /** required publicity with no recorded event (either-groups: none of the group recorded) */
  outstanding: OutstandingItem[];
  windows: RepresentationWindows;
  earliestDecisionDate: string | null;
  determination: Determination | null;
  reasons: string[];
}

/** Event kinds that can meet a requirement kind (copies and notifications are not publicity events). */
const EVENT_FOR: Partial<Record<PublicityKind, EventKind>> = {
  'site-notice': 'site-notice',
  'neighbour-letters': 'neighbour-letters',
  'press-advert': 'press-advert',
  website: 'website',
};

export function publicityFor(
  caseInput: CasePublicityInput,
  constraintTriggers: readonly ConstraintTrigger[],
  events: readonly PublicityEvent[],
  sciPolicy: SciPolicy | null,
  options: PublicityOptions = {},
): CasePublicity {
  const classification = classifyDevelopment(caseInput);
  const category = classification.category;
  const publicity = requiredPublicity(
    {
      applicationType: caseInput.applicationType,
      category,
      ...(caseInput.eia !== undefined ? { eia: caseInput.eia } : {}),
      ...(caseInput.departure !== undefined ? { departure: caseInput.departure } : {}),
      ...(caseInput.publicRightOfWay !== undefined ? { publicRightOfWay: caseInput.publicRightOfWay } : {}),
      ...(caseInput.nearRailway !== undefined ? { nearRailway: caseInput.nearRailway } : {}),
      ...(caseInput.listedBuildingConsent ? { listedBuildingConsent: caseInput.listedBuildingConsent } : {}),
      triggers: constraintTriggers,
    },
    sciPolicy,
  );
  const windows = representationWindows(events, {
    eia: caseInput.eia ?? false,
    heritage: publicity.heritage,
    ...(options.letters ? { letters: options.letters } : {}),
    ...(options.bankHolidays ? { bankHolidays: options.bankHolidays } : {}),
  });
  const recorded = new Set(events.map((e) => e.kind));
  const outstanding: OutstandingItem[] = [];
  for (const s of publicity.summary) {
    const ev = EVENT_FOR[s.kind];
    if (!ev || s.status === 'optional' || recorded.has(ev)) continue;
    if (s.status === 'one-of') {
      const groupDone = publicity.summary.some(
        (o) => o.either === s.either && o !== s && EVENT_FOR[o.kind] && recorded.has(EVENT_FOR[o.kind]!),
      );
      if (groupDone) continue;
      outstanding.push({
        kind: s.kind,
        ...(s.either ? { either: s.either } : {}),
        because: `Neither a site notice nor neighbour letters have been recorded: one of them is required.`,
      });
    } else {
      outstanding.push({ kind: s.kind, because: `A ${KIND_NAME[s.kind]} is required and none has been recorded.` });
    }
  }
  const determination = caseInput.validDate
    ? statutoryDetermination({
        validDate: caseInput.validDate,
        category,
        applicationType: caseInput.applicationType,
        ...(caseInput.eia !== undefined ? { eia: caseInput.eia } : {}),
        ...(caseInput.extensionsOfTime ? { extensionsOfTime: caseInput.extensionsOfTime } : {}),
      })
    : null;
  const reasons = [...classification.reasons];
  if (publicity.row) reasons.push(`Publicity: ${publicity.row.title} (${publicity.row.id}).`);
  reasons.push(windows.because);
  if (outstanding.length)
    reasons.push(
      `Publicity still to record: ${[...new Set(outstanding.map((o) => (o.either ? 'a site notice or neighbour letters' : KIND_NAME[o.kind])))].join(', ')}; the earliest decision date will move when it is done.`,
    );
  if (!determination) reasons.push('No valid date yet: the determination period has not started.');
  return {
    classification,
    publicity,
    outstanding,
    windows,
    earliestDecisionDate: windows.earliestDecisionDate,
    determination,
    reasons,
  };
}
