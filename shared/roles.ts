/** Roles and what each may do: the one place the role lists are written. The routes (requireRole), the case and
 *  document rules, the OpenAPI document (x-roles) and the role tests all read them from here. */

/** Every staff role, in the order they are listed to people. */
export const ROLES = ['admin', 'gis', 'support', 'officer', 'enforcement'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may create and change planning applications (and record their publicity). */
const APPLICATION_WRITERS = ['admin', 'support', 'officer'] as const satisfies readonly Role[];
/** Roles that may create and change enforcement cases. */
const ENFORCEMENT_WRITERS = ['admin', 'support', 'enforcement'] as const satisfies readonly Role[];
/** Roles that may change a case of one kind or the other (the service then checks the kind). */
const CASE_WRITERS = ROLES.filter((r) =>
  ([...APPLICATION_WRITERS, ...ENFORCEMENT_WRITERS] as readonly Role[]).includes(r),
) as readonly Role[];

/** Named permissions: each the readonly list of roles that have it. */
export const PERMISSIONS = {
  /** Sign in and ask who you are. */
  signedIn: ROLES,
  /** Read cases, their sites and history, stored checks, notification runs, maps and documents. */
  caseRead: ROLES,
  /** Register a case or change one, its site, checks, notification runs and documents (of a kind they write). */
  caseWrite: CASE_WRITERS,
  /** Register and change planning applications. */
  applicationWrite: APPLICATION_WRITERS,
  /** Register and change enforcement cases. */
  enforcementWrite: ENFORCEMENT_WRITERS,
  /** Record publicity (site notice, letters, advert) on a planning application. */
  publicityWrite: APPLICATION_WRITERS,
  /** Confirm or dismiss a constraint hit (a planning judgement, so not support). */
  hitDecide: ['admin', 'officer', 'enforcement'],
  /** See personal details (applicant, agent, complainant) and documents that name people. */
  partyRead: CASE_WRITERS,
  /** Check a posted geometry, run a live constraint check, preview a neighbour selection, render an ad hoc map. */
  geometryCheck: ROLES,
  /** List and read constraint layers and document templates. */
  referenceRead: ROLES,
  /** Define local layers and load or refresh layer data. */
  layerAdmin: ['admin', 'gis'],
  /** Load or replace address points and property outlines. */
  addressAdmin: ['admin', 'gis'],
  /** Produce enforcement letters (complainant, owner or occupier, PCN cover, case closed). */
  enforcementLetterWrite: ['admin', 'enforcement'],
  /** Save new versions of the letter and notice templates. */
  templateAdmin: ['admin'],
  /** Manage staff accounts and API tokens. */
  userAdmin: ['admin'],
  /** Read the audit log. */
  auditRead: ['admin'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;
