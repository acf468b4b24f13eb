/**
 * The public types of the publicity rules (pure): application categories, the art. 2 classification, publicity
 * requirements and their summary, publicity events and representation windows, determination periods, and what a
 * case's publicity is made of. Rules file: shared/domain/publicity/RULES.md.
 */
import type { HolidayCalendar } from '../holidays/index.ts';

export type Category = 'major' | 'minor' | 'other';
export type Evidence = 'S' | 'M';

/** Which publicity law applies to the application type. */
export type Regime =
  | 'planning-permission' // DMPO 2015 art. 15 (+ LBCA Regs reg 5A overlay)
  | 'listed-building-consent' // LBCA Regs 1990 reg 5
  | 'larger-home-extension' // GPDO 2015 Sch 2 Pt 1 Class A (A.4)
  | 'none'; // the rules file gives no statutory publicity for this type

/** The art. 2 "major development" tests, in the order of the definition (a)–(e). */
export type MajorTest = 'minerals' | 'waste' | 'dwellings' | 'dwellings-unknown-site-area' | 'floorspace' | 'site-area';

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

/** What a constraint check found that triggers LBCA Regs reg 5A (see shared/domain/constraints.ts `publicity`). */
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
  /** public service infrastructure development (DMPO art. 2 as amended by SI 2021/746): 18-day periods */
  publicServiceInfrastructure?: boolean;
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
  /** England and Wales bank holidays, 'YYYY-MM-DD'; used only for the dispatch day of letters: 'next-working-day' */
  bankHolidays?: readonly string[];
  /**
   * The public holidays the DMPO periods disregard (site notice, letters, newspaper): Christmas Day and Good Friday
   * are worked out; bank holidays come from this calendar. Default: the list shipped with Redline
   * (shared/domain/holidays/).
   */
  holidays?: HolidayCalendar;
  /** 'listed-building-consent': reg 5 periods (21 calendar days for the site notice, newspaper and website) */
  regime?: Regime;
  /** public service infrastructure development: 18 days for the site notice and the letters (not EIA) */
  publicServiceInfrastructure?: boolean;
}

export interface EventWindow {
  kind: EventKind;
  date: string;
  windowDays: number;
  /** public holidays are not counted in this window (DMPO Sch. 3: site notice, letters, newspaper) */
  holidaysDisregarded: boolean;
  /** the public holidays inside the window that were not counted, 'YYYY-MM-DD' */
  holidaysNotCounted: string[];
  /** false when the window counts through a year whose bank holidays are not in the list: lastDay is then the
   *  earliest it can be */
  endKnown: boolean;
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
  /** max(last day) + 1, or null when nothing has been recorded or a window's end is not known */
  earliestDecisionDate: string | null;
  /** the earliest decision date, or when it is not known the date it cannot be earlier than (null: no events) */
  earliestDecisionDateAtLeast: string | null;
  because: string;
}

export interface ExtensionOfTime {
  agreedOn: string;
  newTargetDate: string;
}
export interface DeterminationInput {
  validDate: string;
  category: Category;
  eia?: boolean;
  applicationType: string;
  /** public service infrastructure development: 10 weeks for a planning application (SI 2021/746) */
  publicServiceInfrastructure?: boolean;
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

export interface CasePublicityInput extends DevelopmentInput {
  eia?: boolean;
  departure?: boolean;
  publicRightOfWay?: boolean;
  nearRailway?: boolean;
  publicServiceInfrastructure?: boolean;
  listedBuildingConsent?: ListedBuildingConsentInput;
  validDate?: string | null;
  extensionsOfTime?: readonly ExtensionOfTime[];
}
export type PublicityOptions = Pick<WindowOptions, 'letters' | 'bankHolidays' | 'holidays'>;

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

/** Internal (not re-exported by index.ts): the statutory publicity one regime gives, before the SCI is added. */
export interface StatutoryPublicity {
  row: PublicityRequirements['row'];
  items: Requirement[];
  notes: string[];
  heritage: boolean;
}
