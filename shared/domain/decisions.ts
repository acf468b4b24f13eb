/** Which decisions fit which application type, and the dates a decision may carry (pure).
 *  A listed building consent is granted or refused as consent, a lawful development certificate as a certificate,
 *  a prior approval as prior approval; every other application as permission. */
import { APPLICATION_TYPES } from './cases.ts';

export const DECISION_FAMILIES = ['permission', 'consent', 'certificate', 'prior-approval'] as const;
export type DecisionFamily = (typeof DECISION_FAMILIES)[number];

/** Decisions a case of each family may record. Withdrawn and declined (s70A/s81A) close any application. */
export const DECISIONS_BY_FAMILY: Record<DecisionFamily, readonly string[]> = {
  permission: ['granted', 'refused', 'split-decision', 'declined-to-determine', 'withdrawn'],
  consent: ['consent-granted', 'consent-refused', 'split-decision', 'declined-to-determine', 'withdrawn'],
  certificate: ['certificate-granted', 'certificate-refused', 'withdrawn'],
  'prior-approval': [
    'prior-approval-required',
    'prior-approval-not-required',
    'prior-approval-granted',
    'prior-approval-refused',
    'withdrawn',
  ],
};

/** Application types decided as consent rather than permission: listed building, advertisement, TPO, hazardous
 *  substances. */
const CONSENT_TYPES = new Set(['lbc', 'advertising', 'consent-under-tpo', 'haz-substance-consent']);
const PARENT = new Map(APPLICATION_TYPES.map((t) => [t.reference, t.parent]));

export function decisionFamily(applicationType: string): DecisionFamily {
  const root = PARENT.get(applicationType) ?? applicationType;
  if (CONSENT_TYPES.has(applicationType)) return 'consent';
  if (root === 'ldc' || applicationType.startsWith('ldc-')) return 'certificate';
  if (root === 'prior-approval') return 'prior-approval';
  return 'permission';
}

export const decisionsFor = (applicationType: string) => DECISIONS_BY_FAMILY[decisionFamily(applicationType)];

/** Decisions that close an application without deciding it: they may come before publicity has run its course. */
export const NOT_DETERMINED = new Set(['withdrawn', 'declined-to-determine']);

export type DecisionDateProblem =
  { rule: 'future'; today: string } | { rule: 'before-earliest'; earliestDecisionDate: string };

/**
 * The rule a decision date breaks, or null: after today (Europe/London, `today` as YYYY-MM-DD) it is in the future;
 * before the earliest decision date (the day after the last publicity window closes) it needs an override reason.
 * An unknown earliest date (null: no publicity recorded) is not a breach here: the publicity view says what is
 * outstanding.
 */
export function decisionDateProblem(d: {
  decision: string | null;
  decisionDate: string;
  today: string;
  earliestDecisionDate: string | null;
  overrideReason: string | null;
}): DecisionDateProblem | null {
  if (d.decisionDate > d.today) return { rule: 'future', today: d.today };
  if (d.decision !== null && NOT_DETERMINED.has(d.decision)) return null;
  if (d.earliestDecisionDate && d.decisionDate < d.earliestDecisionDate && !d.overrideReason)
    return { rule: 'before-earliest', earliestDecisionDate: d.earliestDecisionDate };
  return null;
}
