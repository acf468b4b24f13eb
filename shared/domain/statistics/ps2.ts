/**
 * PS2 (pure): each decided application's development-type line (Q01–Q27) and whether it was decided within the
 * statutory period, within an agreed extended time (extension of time agreed in writing, or a planning performance
 * agreement), or late; and the quarter's return, line by line. Rules: ./RULES.md §6a, §6b and the speed rule.
 */
import { classifyDevelopment } from '../publicity/classification.ts';
import { resolveType } from '../publicity/application-types.ts';
import { statutoryDetermination } from '../publicity/determination.ts';
import type { Category } from '../publicity/types.ts';
import { NOT_DETERMINED } from '../decisions.ts';
import { within, type Period } from './periods.ts';
import type { StatCase, UseType } from './types.ts';

export const PS2_LINES = [
  ['Q01', 'Largescale major – Dwellings'],
  ['Q02', 'Largescale major – Offices / R&D / light industry'],
  ['Q03', 'Largescale major – General industry / storage / warehousing'],
  ['Q04', 'Largescale major – Retail distribution and servicing'],
  ['Q05', 'Largescale major – Gypsy and traveller pitches'],
  ['Q06', 'Largescale major – All other'],
  ['Q07', 'Smallscale major – Dwellings'],
  ['Q08', 'Smallscale major – Offices / R&D / light industry'],
  ['Q09', 'Smallscale major – General industry / storage / warehousing'],
  ['Q10', 'Smallscale major – Retail distribution and servicing'],
  ['Q11', 'Smallscale major – Gypsy and traveller pitches'],
  ['Q12', 'Smallscale major – All other'],
  ['Q13', 'Minor – Dwellings'],
  ['Q14', 'Minor – Offices / R&D / light industry'],
  ['Q15', 'Minor – General industry / storage / warehousing'],
  ['Q16', 'Minor – Retail distribution and servicing'],
  ['Q17', 'Minor – Gypsy and traveller pitches'],
  ['Q18', 'Minor – All other'],
  ['Q19', 'Minerals processing'],
  ['Q20', 'Change of use'],
  ['Q21', 'Householder developments'],
  ['Q22', 'Advertisements'],
  ['Q23', 'Listed building consents to alter/extend'],
  ['Q24', 'Listed building consents to demolish'],
  ['Q25', 'Relevant demolition in a conservation area'],
  ['Q26', 'Certificates of lawful development'],
  ['Q27', 'Notifications'],
] as const;
export type Ps2Line = (typeof PS2_LINES)[number][0];
export const PS2_LINE_NAME = Object.fromEntries(PS2_LINES) as Record<Ps2Line, string>;

/** Majors (P151/P152) and non-majors (P153/P154: Q13–Q18, Q20, Q21) for the designation measures (RULES.md §6c). */
export const MAJOR_LINES: readonly Ps2Line[] = PS2_LINES.slice(0, 12).map(([q]) => q);
export const NON_MAJOR_LINES: readonly Ps2Line[] = ['Q13', 'Q14', 'Q15', 'Q16', 'Q17', 'Q18', 'Q20', 'Q21'];

/** RULES.md §6b thresholds for largescale majors. */
export const LARGESCALE = { dwellings: 200, dwellingsUnknownSiteHa: 4, floorspaceM2: 10_000, siteHa: 2 } as const;

const USE_OFFSET: Record<UseType, number> = {
  dwellings: 0,
  offices: 1,
  industry: 2,
  retail: 3,
  'traveller-pitches': 4,
  other: 5,
};
const line = (n: number) => `Q${String(n).padStart(2, '0')}` as Ps2Line;

/** Prior approval "notifications" (PS2 Q27, RULES.md §6b: telecoms, agricultural, demolition prior notifications). */
const NOTIFICATION_TYPES = new Set([
  'pa-ecomms-network',
  'pa-build-agri-forest',
  'pa-road-agri-forest',
  'pa-excavate-agri',
  'pa-fish-struct',
  'pa-demo-building',
]);

export interface LineResult {
  line: Ps2Line | null;
  category: Category | null;
  because: string;
}

/** The use-type bucket: as recorded; else dwellings when the development provides dwellings; else "all other". */
export function useTypeOf(c: Pick<StatCase, 'development'>): UseType {
  const d = c.development;
  if (d.useType) return d.useType;
  if (d.dwellings === null || (typeof d.dwellings === 'number' && d.dwellings > 0)) return 'dwellings';
  return 'other';
}

/** The PS2 development-type line of an application, or null (with why) when it is not a PS2 line. */
export function ps2LineOf(c: Pick<StatCase, 'applicationType' | 'development' | 'siteAreaHa'>): LineResult {
  if (!c.applicationType) return { line: null, category: null, because: 'Not a planning application.' };
  let t;
  let category: Category;
  try {
    t = resolveType(c.applicationType);
    const d = c.development;
    category = classifyDevelopment({
      applicationType: c.applicationType,
      ...(d.dwellings !== undefined ? { dwellings: d.dwellings } : {}),
      ...(c.siteAreaHa !== undefined ? { siteAreaHa: c.siteAreaHa } : {}),
      ...(typeof d.floorspaceM2 === 'number' ? { floorspaceM2: d.floorspaceM2 } : {}),
    }).category;
  } catch (e) {
    return { line: null, category: null, because: `Cannot be classified: ${(e as Error).message}` };
  }
  if (t.countyMatter)
    return {
      line: null,
      category,
      because: `${t.name} is a county matter: reported on CPS1/CPS2, not on the district PS2.`,
    };
  const use = useTypeOf(c);
  if (category === 'major') {
    const d = c.development;
    const site = c.siteAreaHa;
    const large =
      use === 'dwellings'
        ? (typeof d.dwellings === 'number' && d.dwellings >= LARGESCALE.dwellings) ||
          (d.dwellings === null && site !== undefined && site >= LARGESCALE.dwellingsUnknownSiteHa)
        : (d.floorspaceM2 ?? 0) >= LARGESCALE.floorspaceM2 || (site ?? 0) >= LARGESCALE.siteHa;
    const q = line((large ? 1 : 7) + USE_OFFSET[use]);
    return { line: q, category, because: `Major, ${large ? 'largescale' : 'smallscale'}, ${use}: ${q}.` };
  }
  const ref = c.applicationType;
  if (category === 'minor') {
    const q = line(13 + USE_OFFSET[use]);
    return { line: q, category, because: `Minor, ${use}: ${q}.` };
  }
  const fixed: Record<string, Ps2Line> = {
    hh: 'Q21',
    'change-of-use': 'Q20',
    'demolition-con-area': 'Q25',
    advertising: 'Q22',
    ldc: 'Q26',
    'ldc-existing-use': 'Q26',
    'ldc-prospective-use': 'Q26',
    'ldc-proposed-work-lb': 'Q26',
  };
  if (ref === 'lbc') {
    const q: Ps2Line = c.development.listedBuildingDemolition ? 'Q24' : 'Q23';
    return {
      line: q,
      category,
      because: `Listed building consent ${q === 'Q24' ? 'to demolish' : 'to alter/extend'}: ${q}.`,
    };
  }
  if (fixed[ref]) return { line: fixed[ref], category, because: `${t.name}: ${fixed[ref]}.` };
  if (NOTIFICATION_TYPES.has(ref)) return { line: 'Q27', category, because: `${t.name} (a notification): Q27.` };
  return {
    line: null,
    category,
    because: `${t.name} is not one of the PS2 development types (RULES.md §6b)${ref.startsWith('pa-') || ref.startsWith('cho-') || ref === 'prior-approval' ? '; prior approvals are counted on PS1' : ''}.`,
  };
}

export const GRANTED = new Set([
  'granted',
  'consent-granted',
  'certificate-granted',
  'prior-approval-granted',
  'prior-approval-not-required',
]);
export const REFUSED = new Set(['refused', 'consent-refused', 'certificate-refused', 'prior-approval-refused']);

/** A decision that determines the application (not withdrawn, not declined to determine). */
export const isDetermination = (decision: string | null): decision is string =>
  decision !== null && !NOT_DETERMINED.has(decision);

export type Timeliness = 'statutory' | 'agreed' | 'late' | 'unknown';

export interface TimelinessResult {
  timeliness: Timeliness;
  statutoryDate: string | null;
  /** the agreed date (latest extension of time or the PPA's), when there is one later than the statutory date */
  agreedDate: string | null;
  because: string;
}

/**
 * Speed rule (RULES.md §6c): in time when decision date ≤ max(statutory date, agreed date). Within the statutory
 * period first (decision date ≤ valid date + 8/13/16 weeks, ./determination), else within the agreed time, else late.
 * Unknown when there is no valid date or no period for the type: never counted as late.
 */
export function timelinessOf(
  c: Pick<StatCase, 'applicationType' | 'development' | 'validDate' | 'decisionDate' | 'extensionsOfTime' | 'ppa'>,
  category: Category,
): TimelinessResult {
  const none = (because: string): TimelinessResult => ({
    timeliness: 'unknown',
    statutoryDate: null,
    agreedDate: null,
    because,
  });
  if (!c.decisionDate) return none('No decision date.');
  if (!c.validDate) return none('No valid date: the statutory period has no start.');
  const det = statutoryDetermination({
    validDate: c.validDate,
    category,
    applicationType: c.applicationType!,
    ...(c.development.eia !== undefined ? { eia: c.development.eia } : {}),
    ...(c.development.publicServiceInfrastructure !== undefined
      ? { publicServiceInfrastructure: c.development.publicServiceInfrastructure }
      : {}),
    extensionsOfTime: c.extensionsOfTime,
  });
  if (!det.statutoryDate) return none(det.reasons.at(-1) ?? 'No determination period for the type.');
  const eot = det.extension ? det.effectiveDate : null;
  const ppa = c.ppa && c.ppa.targetDate > det.statutoryDate ? c.ppa.targetDate : null;
  const agreed =
    [eot, ppa]
      .filter((d): d is string => d !== null)
      .sort()
      .at(-1) ?? null;
  const base = { statutoryDate: det.statutoryDate, agreedDate: agreed };
  if (c.decisionDate <= det.statutoryDate)
    return {
      timeliness: 'statutory',
      ...base,
      because: `Decided ${c.decisionDate}, on or before the statutory date ${det.statutoryDate} (${det.periodLabel}).`,
    };
  if (agreed && c.decisionDate <= agreed)
    return {
      timeliness: 'agreed',
      ...base,
      because: `Decided ${c.decisionDate}, after the statutory date ${det.statutoryDate} but on or before the agreed date ${agreed} (${agreed === ppa ? 'planning performance agreement' : 'extension of time'}).`,
    };
  return {
    timeliness: 'late',
    ...base,
    because: `Decided ${c.decisionDate}, after the statutory date ${det.statutoryDate}${agreed ? ` and the agreed date ${agreed}` : ''}.`,
  };
}

export interface Ps2Row {
  line: Ps2Line;
  name: string;
  total: number;
  granted: number;
  refused: number;
  /** split decisions, prior approval required */
  otherOutcome: number;
  withinStatutory: number;
  withinAgreed: number;
  late: number;
  timeUnknown: number;
}

export interface Ps2CaseDetail {
  id: number;
  reference: string;
  line: Ps2Line | null;
  decision: string;
  decisionDate: string;
  timeliness: Timeliness | null;
  because: string;
}

export interface Ps2Return {
  period: Period;
  rows: Ps2Row[];
  total: Omit<Ps2Row, 'line' | 'name'>;
  /** decided applications in the quarter that are on no PS2 line */
  excluded: Ps2CaseDetail[];
  cases: Ps2CaseDetail[];
}

/** The decision on one case as PS2 counts it (null when it is not a determination in the period). */
export function ps2Decision(c: StatCase, period: Period) {
  if (c.kind !== 'application' || !isDetermination(c.decision) || !within(c.decisionDate, period)) return null;
  const l = ps2LineOf(c);
  const t = l.line && l.category ? timelinessOf(c, l.category) : null;
  return { c, line: l.line, lineBecause: l.because, time: t };
}

export function ps2Return(cases: readonly StatCase[], period: Period): Ps2Return {
  const rows = new Map<Ps2Line, Ps2Row>(
    PS2_LINES.map(([q, name]) => [
      q,
      {
        line: q,
        name,
        total: 0,
        granted: 0,
        refused: 0,
        otherOutcome: 0,
        withinStatutory: 0,
        withinAgreed: 0,
        late: 0,
        timeUnknown: 0,
      },
    ]),
  );
  const excluded: Ps2CaseDetail[] = [];
  const details: Ps2CaseDetail[] = [];
  for (const c of cases) {
    const d = ps2Decision(c, period);
    if (!d) continue;
    const detail: Ps2CaseDetail = {
      id: c.id,
      reference: c.reference,
      line: d.line,
      decision: c.decision!,
      decisionDate: c.decisionDate!,
      timeliness: d.time?.timeliness ?? null,
      because: d.time ? `${d.lineBecause} ${d.time.because}` : d.lineBecause,
    };
    if (!d.line || !d.time) {
      excluded.push(detail);
      continue;
    }
    details.push(detail);
    const r = rows.get(d.line)!;
    r.total++;
    if (GRANTED.has(c.decision!)) r.granted++;
    else if (REFUSED.has(c.decision!)) r.refused++;
    else r.otherOutcome++;
    const key = { statutory: 'withinStatutory', agreed: 'withinAgreed', late: 'late', unknown: 'timeUnknown' } as const;
    r[key[d.time.timeliness]]++;
  }
  const list = [...rows.values()];
  const sum = (k: keyof Omit<Ps2Row, 'line' | 'name'>) => list.reduce((a, r) => a + r[k], 0);
  return {
    period,
    rows: list,
    total: {
      total: sum('total'),
      granted: sum('granted'),
      refused: sum('refused'),
      otherOutcome: sum('otherOutcome'),
      withinStatutory: sum('withinStatutory'),
      withinAgreed: sum('withinAgreed'),
      late: sum('late'),
      timeUnknown: sum('timeUnknown'),
    },
    excluded,
    cases: details,
  };
}
