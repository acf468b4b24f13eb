/**
 * PS1 (pure): the quarter's volumes: applications received, decided (granted, refused, other), delegated and
 * committee decisions, withdrawn, on hand at the quarter's end, prior approvals decided, agreements on time (PPAs,
 * extensions of time) and enforcement notices served by type. Rules: ./RULES.md §6a.
 */
import { NOTICE_TYPES } from '../cases.ts';
import { decisionFamily } from '../decisions.ts';
import { within, type Period } from './periods.ts';
import { GRANTED, REFUSED, isDetermination } from './ps2.ts';
import type { StatCase } from './types.ts';

export interface Ps1Row {
  section: 'applications' | 'agreements' | 'enforcement';
  measure: string;
  label: string;
  count: number;
}

export interface Ps1Return {
  period: Period;
  rows: Ps1Row[];
}

const NOTICE_LABEL: Record<(typeof NOTICE_TYPES)[number], string> = {
  'planning-contravention-notice': 'Planning contravention notices served',
  'enforcement-notice': 'Enforcement notices served',
  'breach-of-condition-notice': 'Breach of condition notices served',
  'stop-notice': 'Stop notices served',
  'temporary-stop-notice': 'Temporary stop notices served',
  'listed-building-enforcement-notice': 'Listed building enforcement notices served',
  'section-215-notice': 'Section 215 (untidy land) notices served',
  'tree-replacement-notice': 'Tree replacement notices served',
  'discontinuance-notice': 'Discontinuance notices served',
};

export function ps1Return(cases: readonly StatCase[], period: Period): Ps1Return {
  const apps = cases.filter((c) => c.kind === 'application');
  const decided = apps.filter((c) => isDetermination(c.decision) && within(c.decisionDate, period));
  const count = (xs: readonly StatCase[], f: (c: StatCase) => boolean) => xs.filter(f).length;
  const a = (measure: string, label: string, n: number): Ps1Row => ({
    section: 'applications',
    measure,
    label,
    count: n,
  });
  const rows: Ps1Row[] = [
    a(
      'received',
      'Applications received',
      count(apps, (c) => within(c.receivedDate, period)),
    ),
    a('decided', 'Applications decided', decided.length),
    a(
      'granted',
      'Granted',
      count(decided, (c) => GRANTED.has(c.decision!)),
    ),
    a(
      'refused',
      'Refused',
      count(decided, (c) => REFUSED.has(c.decision!)),
    ),
    a(
      'other-outcome',
      'Other outcome (split decision, prior approval required)',
      count(decided, (c) => !GRANTED.has(c.decision!) && !REFUSED.has(c.decision!)),
    ),
    a(
      'delegated',
      'Decided under delegated powers',
      count(decided, (c) => c.decisionMaker === 'delegated'),
    ),
    a(
      'committee',
      'Decided by committee',
      count(decided, (c) => c.decisionMaker === 'committee'),
    ),
    a(
      'decision-maker-not-recorded',
      'Decision maker not recorded',
      count(decided, (c) => c.decisionMaker === null),
    ),
    a(
      'withdrawn',
      'Withdrawn',
      count(apps, (c) => c.decision === 'withdrawn' && within(c.decisionDate, period)),
    ),
    a(
      'declined',
      'Declined to determine (s70A/s70B)',
      count(apps, (c) => c.decision === 'declined-to-determine' && within(c.decisionDate, period)),
    ),
    a(
      'prior-approvals-decided',
      'Prior approval applications decided',
      count(decided, (c) => decisionFamily(c.applicationType!) === 'prior-approval'),
    ),
    a(
      'on-hand',
      'On hand at the end of the quarter (received, not yet decided or withdrawn)',
      count(apps, (c) => c.receivedDate <= period.to && !(c.decisionDate && c.decisionDate <= period.to)),
    ),
    {
      section: 'agreements',
      measure: 'ppas-agreed',
      label: 'Planning performance agreements made',
      count: count(apps, (c) => within(c.ppa?.agreedOn, period)),
    },
    {
      section: 'agreements',
      measure: 'extensions-agreed',
      label: 'Extensions of time agreed',
      count: apps.reduce((n, c) => n + c.extensionsOfTime.filter((e) => within(e.agreedOn, period)).length, 0),
    },
  ];
  const served = cases.filter((c) => c.kind === 'enforcement').flatMap((c) => c.noticesServed);
  for (const t of NOTICE_TYPES)
    rows.push({
      section: 'enforcement',
      measure: t,
      label: NOTICE_LABEL[t],
      count: served.filter((n) => n.type === t && within(n.servedOn, period)).length,
    });
  return { period, rows };
}
