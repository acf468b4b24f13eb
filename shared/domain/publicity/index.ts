/**
 * Publicity, representation windows and determination periods (pure): what an application must be publicised by,
 * when each window for representations closes, the earliest lawful decision date and the statutory determination
 * date. Table-driven from the rules file, shared/domain/publicity/RULES.md (England only; a copy of the project's
 * shared research notes, with their sources); every answer carries the rule, its legal basis and a sentence saying
 * why. "The rules file" in comments and messages of this folder means RULES.md.
 *
 * Evidence: each requirement and period says whether the rules file confirms it from a retrieved source ('S') or
 * gives it from working knowledge ('M', marked [M] in the file: "verify against legislation.gov.uk before coding").
 * [M] rules are implemented as written and flagged in comments and in the output (`evidence: 'M'`).
 *
 * Conventions (all from the rules file):
 * - Dates are 'YYYY-MM-DD' calendar dates (no time zone, no clock). Weekends never extend a statutory period.
 * - A representation window "begins with" the event date (day 1). The site notice, the letters to adjoining
 *   owners/occupiers and the newspaper notice disregard public holidays (Christmas Day, Good Friday, bank holidays
 *   and substitute days; DMPO Sch. 3 as substituted by SI 2021/746): the last day is the day the N-th other day falls
 *   on. Other windows: last day = date + (window − 1). Earliest decision date = max(last day) + 1 (§2b). Bank
 *   holidays come from a dated list (shared/domain/holidays/, refreshable); a window that counts through a year the
 *   list does not cover has an end, and so an earliest decision date, that Redline cannot know (null, with the date
 *   it cannot be earlier than).
 * - 21-day site notices for listed building consent (reg 5) and for the setting / conservation area overlay (reg
 *   5A), and 21 days on the website for listed building consent (SI 2010/568). Public service infrastructure
 *   development: 18-day site notice and letters, 10-week determination period (SI 2021/746). The site notice /
 *   letters choice is art. 15(4) (major) and 15(5) (other).
 * - A determination period starts the day after the valid date, so the statutory date is valid date + period
 *   (the same weekday N weeks later) (§6c); weeks count every day.
 *
 * Sections, one file each: dates.ts (date arithmetic), types.ts (the public types), application-types.ts (regime
 * and period per application type), classification.ts (1. DMPO art. 2), dmpo.ts (2. DMPO art. 15 and 16),
 * lbca.ts (2. LBCA Regs reg 5 and 5A), sci.ts (2. the authority's SCI), summary.ts (2. one line per kind),
 * requirements.ts (2. all required publicity), windows.ts (3. representation windows), determination.ts
 * (4. determination period), case.ts (5. all together for a case). This file is the public API.
 */
export { addDays, nextWorkingDay } from './dates.ts';
export { MAJOR_THRESHOLDS, classifyDevelopment } from './classification.ts';
export { NOTICE_OR_LETTERS, ART15_ROWS } from './dmpo.ts';
export { HE_CONSERVATION_AREA_SITE_M2 } from './lbca.ts';
export { summarisePublicity } from './summary.ts';
export { requiredPublicity } from './requirements.ts';
export { WINDOW_DAYS, HERITAGE_PRESS_DAYS, HERITAGE_DAYS, PSI_WINDOW_DAYS, representationWindows } from './windows.ts';
export { statutoryDetermination } from './determination.ts';
export { publicityFor } from './case.ts';
export type {
  Category,
  Evidence,
  Regime,
  MajorTest,
  DevelopmentInput,
  Classification,
  PublicityKind,
  ListedGrade,
  Requirement,
  ConstraintTrigger,
  ListedBuildingConsentInput,
  PublicityInput,
  SciPolicy,
  SummaryStatus,
  SummaryItem,
  PublicityRequirements,
  EventKind,
  PublicityEvent,
  WindowOptions,
  EventWindow,
  KindWindow,
  RepresentationWindows,
  ExtensionOfTime,
  DeterminationInput,
  Determination,
  CasePublicityInput,
  PublicityOptions,
  OutstandingItem,
  CasePublicity,
} from './types.ts';
