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
 * - Dates are 'YYYY-MM-DD' calendar dates (no time zone, no clock). Weekends and bank holidays never extend a
 *   statutory period. Bank holidays matter only for the optional BOPS letter-posting assumption (next working
 *   day), and are then a list passed in (no network).
 * - A representation window "begins with" the event date (day 1): last_day = date + (window − 1);
 *   earliest decision date = max(last_day) + 1 (§2b).
 * - A determination period starts the day after the valid date, so the statutory date is valid date + period
 *   (the same weekday N weeks later) (§6c).
 *
 * Not yet applied: RULES.md ends with "Corrections (2026-12)", which post-date this code. They say the reg 5 and
 * reg 5A site notices are 21 days (here 7), that LBC applications are on the website for at least 21 days (here no
 * period), that the DMPO 21/14-day windows disregard public holidays (here they do not), and that the site notice /
 * letters choice is art. 15(4) for majors and 15(5) for others (here 15(3) and 15(4)). Changing them changes the
 * answers, so it is a separate decision from this folder's layout.
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
export { WINDOW_DAYS, HERITAGE_PRESS_DAYS, representationWindows } from './windows.ts';
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
