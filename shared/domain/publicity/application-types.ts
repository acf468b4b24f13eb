/**
 * Application types (pure): which publicity regime each planning.data.gov.uk application type falls under, how a
 * non-major one is told apart (minor or other), and which determination period applies.
 * Rules file: shared/domain/publicity/RULES.md §1 (art. 2), §4 (periods), §6b (PS2 lines).
 */
import { APPLICATION_TYPES } from '../cases.ts';
import { invalid } from './dates.ts';
import type { Evidence, Regime } from './types.ts';

export type PeriodRule =
  | { kind: 'planning' } // EIA 16 / major 13 / else 8 weeks (DMPO art. 34)
  | { kind: 'fixed'; days: number; statedAs: 'weeks' | 'days'; legalBasis: string; evidence: Evidence; label: string }
  | { kind: 'tdc' } // technical details consent: 5 weeks minor, 10 weeks major [M]
  | { kind: 'unknown'; why: string };

export interface TypeRule {
  regime: Regime;
  /** whether the DMPO art. 2 major tests apply (applications for planning permission and their relatives) */
  art2: boolean;
  /** the category when no art. 2 test fires: 'minor' for PS2 minor lines (Q13–Q18), 'other' for everything else */
  nonMajor: 'minor' | 'other';
  period: PeriodRule;
  /** a sentence explaining the classification of this type */
  classNote: string;
  /** a caveat shown with the publicity (where RULES.md is silent) */
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
 * Minor vs other (RULES.md §6b, PS2 lines): after the art. 2 tests, applications for planning permission for
 * building or engineering development are 'minor' (Q13–Q18). Householder (Q21), change of use (Q20) and relevant
 * demolition in a conservation area (Q25) are 'other' unless an art. 2 test fires (householder: never major, see
 * below). Consents and certificates that are not planning permission (LBC Q23/Q24, advertisements Q22, LDCs Q26,
 * prior approvals and notifications Q27, TPO, NMA, details reserved by condition, …) are 'other' and the art. 2
 * tests are not applied to them, except that county matters (minerals, waste) are always major.
 *
 * Periods with evidence 'M' are [M] in RULES.md §4 (LDC, NMA, details reserved by condition, advertisements,
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
    // RULES.md does not say whether art. 15 covers reserved matters; treating it as if it does errs towards more publicity.
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

export interface ResolvedType {
  reference: string;
  name: string;
  countyMatter: 'minerals' | 'waste' | null;
  rule: TypeRule;
}

export function resolveType(reference: string): ResolvedType {
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
