/**
 * The designation measures (pure, s62A/s62B TCPA 1990; RULES.md §6c): speed (majors ≥ 60%, non-majors ≥ 70% decided
 * within the statutory period or an agreed time) and quality (decisions overturned at appeal ≤ 10% of all decisions)
 * over an assessment period ending with a quarter. Speed: 24 months (the 2022 criteria; 12 months, October to
 * September, from 2025 — pass speedMonths 12). Quality: 24 months, counting appeals decided up to 9 months after
 * the period ends.
 */
import { endOfMonthAfter, monthsEndingWithQuarter, type Period } from './periods.ts';
import { MAJOR_LINES, NON_MAJOR_LINES, isDetermination, ps2Decision, ps2LineOf, type Ps2Line } from './ps2.ts';
import type { StatCase } from './types.ts';

export const DESIGNATION = {
  speed: { majors: 60, nonMajors: 70 },
  /** more than this % overturned at appeal is under-performing */
  quality: { overturnedMax: 10 },
  qualityMonths: 24,
  appealLagMonths: 9,
} as const;

export type Group = 'majors' | 'non-majors';
const LINES: Record<Group, readonly Ps2Line[]> = { majors: MAJOR_LINES, 'non-majors': NON_MAJOR_LINES };

export interface SpeedMeasure {
  group: Group;
  period: Period;
  decisions: number;
  inTime: number;
  /** decisions whose timeliness is unknown (no valid date or no period): left out of the percentage */
  timeUnknown: number;
  percent: number | null;
  threshold: number;
  /** meets the threshold; null when there are no decisions of known timeliness */
  meets: boolean | null;
}

export interface QualityMeasure {
  group: Group;
  period: Period;
  /** appeals decided up to this day are counted */
  appealsCountedTo: string;
  /** the lag has not run its course on asOf: more appeals may still be decided */
  provisional: boolean;
  decisions: number;
  /** of which non-determination appeals on applications not decided in the period */
  nonDetermination: number;
  overturned: number;
  /** appeals allowed in part (split): not counted as overturned, shown so they can be checked */
  split: number;
  percent: number | null;
  threshold: number;
  /** more than the threshold overturned; null when there are no decisions */
  underPerforming: boolean | null;
}

export interface Designation {
  toQuarter: string;
  asOf: string;
  speed: SpeedMeasure[];
  quality: QualityMeasure[];
}

const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

export function speedMeasure(cases: readonly StatCase[], group: Group, period: Period): SpeedMeasure {
  let decisions = 0;
  let inTime = 0;
  let timeUnknown = 0;
  for (const c of cases) {
    const d = ps2Decision(c, period);
    if (!d?.line || !LINES[group].includes(d.line) || !d.time) continue;
    decisions++;
    if (d.time.timeliness === 'unknown') timeUnknown++;
    else if (d.time.timeliness !== 'late') inTime++;
  }
  const percent = pct(inTime, decisions - timeUnknown);
  const threshold = group === 'majors' ? DESIGNATION.speed.majors : DESIGNATION.speed.nonMajors;
  return {
    group,
    period,
    decisions,
    inTime,
    timeUnknown,
    percent,
    threshold,
    meets: percent === null ? null : percent >= threshold,
  };
}

export function qualityMeasure(cases: readonly StatCase[], group: Group, period: Period, asOf: string): QualityMeasure {
  const appealsCountedTo = endOfMonthAfter(period.to, DESIGNATION.appealLagMonths);
  const counted = (d: string | null | undefined) => typeof d === 'string' && d <= appealsCountedTo && d <= asOf;
  let decisions = 0;
  let nonDetermination = 0;
  let overturned = 0;
  let split = 0;
  for (const c of cases) {
    if (c.kind !== 'application') continue;
    const decided = ps2Decision(c, period);
    let inGroup: boolean;
    if (decided) inGroup = decided.line !== null && LINES[group].includes(decided.line);
    else {
      // an application appealed for non-determination in the period (and not decided in it) counts as a decision
      const nd = c.appeals.some(
        (a) => a.type === 'non-determination' && a.lodgedOn >= period.from && a.lodgedOn <= period.to,
      );
      const line = nd && !isDetermination(c.decision) ? ps2LineOf(c).line : null;
      inGroup = line !== null && LINES[group].includes(line);
      if (inGroup) nonDetermination++;
    }
    if (!inGroup) continue;
    decisions++;
    const appeals = c.appeals.filter((a) => counted(a.decidedOn));
    if (appeals.some((a) => a.outcome === 'allowed')) overturned++;
    else if (appeals.some((a) => a.outcome === 'split')) split++;
  }
  const percent = pct(overturned, decisions);
  return {
    group,
    period,
    appealsCountedTo,
    provisional: asOf < appealsCountedTo,
    decisions,
    nonDetermination,
    overturned,
    split,
    percent,
    threshold: DESIGNATION.quality.overturnedMax,
    underPerforming: percent === null ? null : percent > DESIGNATION.quality.overturnedMax,
  };
}

export function designationMeasures(
  cases: readonly StatCase[],
  toQuarter: string,
  asOf: string,
  speedMonths: 12 | 24 = 24,
): Designation {
  const speedPeriod = monthsEndingWithQuarter(toQuarter, speedMonths);
  const qualityPeriod = monthsEndingWithQuarter(toQuarter, DESIGNATION.qualityMonths);
  const groups: Group[] = ['majors', 'non-majors'];
  return {
    toQuarter,
    asOf,
    speed: groups.map((g) => speedMeasure(cases, g, speedPeriod)),
    quality: groups.map((g) => qualityMeasure(cases, g, qualityPeriod, asOf)),
  };
}
