/** What the statistics read from a case (pure): the fields of case_record the returns need, as recorded. */

export const USE_TYPES = ['dwellings', 'offices', 'industry', 'retail', 'traveller-pitches', 'other'] as const;
/** The PS2 use-type bucket of a development (RULES.md §6b): offices = offices / R&D / light industry; industry =
 *  general industry / storage / warehousing; retail = retail distribution and servicing; traveller-pitches = gypsy
 *  and traveller pitches. */
export type UseType = (typeof USE_TYPES)[number];

export const DECISION_MAKERS = ['delegated', 'committee'] as const;
export type DecisionMaker = (typeof DECISION_MAKERS)[number];

export const APPEAL_TYPES = ['refusal', 'conditions', 'non-determination'] as const;
export const APPEAL_OUTCOMES = ['allowed', 'dismissed', 'split', 'withdrawn'] as const;
export interface Appeal {
  lodgedOn: string;
  type: (typeof APPEAL_TYPES)[number];
  decidedOn?: string | null;
  outcome?: (typeof APPEAL_OUTCOMES)[number] | null;
}

export interface Ppa {
  agreedOn: string;
  targetDate: string;
}

export interface StatDevelopment {
  dwellings?: number | null;
  floorspaceM2?: number;
  eia?: boolean;
  publicServiceInfrastructure?: boolean;
  useType?: UseType;
  /** listed building consent to demolish (PS2 Q24) rather than to alter or extend (Q23) */
  listedBuildingDemolition?: boolean;
}

export interface StatCase {
  id: number;
  reference: string;
  kind: 'application' | 'enforcement';
  applicationType: string | null;
  development: StatDevelopment;
  /** the current site's area in hectares; undefined when the case has no site */
  siteAreaHa?: number;
  status: string;
  receivedDate: string;
  validDate: string | null;
  decision: string | null;
  decisionDate: string | null;
  decisionMaker: DecisionMaker | null;
  extensionsOfTime: ReadonlyArray<{ agreedOn: string; newTargetDate: string }>;
  ppa: Ppa | null;
  appeals: readonly Appeal[];
  noticesServed: ReadonlyArray<{ type: string; servedOn: string }>;
}
