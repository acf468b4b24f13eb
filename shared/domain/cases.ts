/** Case vocabulary (pure): kinds, statuses, enforcement breach and notice types, roles that may change each kind,
 *  application types from the planning.data.gov.uk code list. */
import applicationTypes from './codelists/planning-application-type.json' with { type: 'json' };
import { PERMISSIONS, ROLES, type Role } from '../roles.ts';

// the roles are defined in shared/roles.ts; these names stay for the modules that import them from here
export { ROLES, type Role };

export const CASE_KINDS = ['application', 'enforcement'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];

export const APPLICATION_STATUSES = [
  'received',
  'invalid',
  'valid',
  'consultation',
  'under-assessment',
  'awaiting-decision',
  'decided',
  'withdrawn',
  'appealed',
] as const;
export const ENFORCEMENT_STATUSES = [
  'received',
  'investigating',
  'no-breach',
  'breach-resolved',
  'notice-served',
  'complied',
  'prosecution',
  'closed',
] as const;
export const APPLICATION_DECISIONS = [
  'granted',
  'refused',
  'split-decision',
  'consent-granted',
  'consent-refused',
  'prior-approval-required',
  'prior-approval-not-required',
  'prior-approval-granted',
  'prior-approval-refused',
  'certificate-granted',
  'certificate-refused',
  'withdrawn',
  'declined-to-determine',
] as const;
export const ENFORCEMENT_DECISIONS = [
  'no-breach',
  'not-expedient',
  'breach-resolved',
  'notice-served',
  'prosecution',
] as const;

/** What an enforcement complaint alleges. Derelict and empty properties are s215 (untidy land) or empty-homes work. */
export const BREACH_TYPES = [
  'unauthorised-building-works',
  'unauthorised-change-of-use',
  'breach-of-condition',
  'unauthorised-works-to-listed-building',
  'works-to-protected-trees',
  'unauthorised-advertisement',
  'untidy-land',
  'derelict-property',
  'empty-property',
  'unauthorised-demolition-in-conservation-area',
  'other',
] as const;

export const NOTICE_TYPES = [
  'planning-contravention-notice',
  'enforcement-notice',
  'breach-of-condition-notice',
  'stop-notice',
  'temporary-stop-notice',
  'listed-building-enforcement-notice',
  'section-215-notice',
  'tree-replacement-notice',
  'discontinuance-notice',
] as const;

export const SITE_SOURCES = ['drawn', 'imported', 'property', 'amended'] as const;

export interface ApplicationType {
  reference: string;
  parent: string | null;
  name: string;
  countyMatter: 'minerals' | 'waste' | null;
}
export const APPLICATION_TYPES = applicationTypes as ApplicationType[];
const APPLICATION_TYPE_SET = new Set(APPLICATION_TYPES.map((t) => t.reference));
export const isApplicationType = (ref: string) => APPLICATION_TYPE_SET.has(ref);

/** Roles that may create and change cases of each kind (reading is open to every staff role). */
export const CASE_WRITERS: Record<CaseKind, readonly Role[]> = {
  application: PERMISSIONS.applicationWrite,
  enforcement: PERMISSIONS.enforcementWrite,
};
/** Roles that see personal details (applicant, agent, complainant). */
export const PARTY_READERS: readonly Role[] = PERMISSIONS.partyRead;

/** Prefix of generated references, Southwark style: 26/AP/0001, 26/EN/0001. */
export const REFERENCE_PREFIX: Record<CaseKind, string> = { application: 'AP', enforcement: 'EN' };

export function formatReference(year: number, prefix: string, n: number): string {
  return `${String(year % 100).padStart(2, '0')}/${prefix}/${String(n).padStart(4, '0')}`;
}

/** Parses an If-Match header: "v3", W/"v3", or a bare number. Returns null when absent or unreadable. */
export function versionFromIfMatch(header: string | undefined): number | null {
  if (!header) return null;
  const m = /^\s*(?:W\/)?"?v?(\d+)"?\s*$/.exec(header);
  return m ? Number(m[1]) : null;
}
export const etagOf = (version: number) => `"v${version}"`;
