/**
 * 4. Determination period (DMPO 2015 art. 34 and related, pure): the period for the application type, the statutory
 * date (the period starts the day after the valid date, so it is the valid date + the period: the same weekday N
 * weeks later) and the effect of extensions of time agreed in writing.
 * Rules file: shared/domain/publicity/RULES.md §4 (periods) and §6c (the statutory deadline).
 */
import { resolveType, type ResolvedType } from './application-types.ts';
import { fromDay, toDay, weekdayOf } from './dates.ts';
import type { Determination, DeterminationInput, Evidence, ExtensionOfTime } from './types.ts';

interface Period {
  periodDays: number | null;
  label: string | null;
  legalBasis: string | null;
  evidence: Evidence | null;
}

export function statutoryDetermination(input: DeterminationInput): Determination {
  const t = resolveType(input.applicationType);
  const valid = toDay(input.validDate, 'validDate');
  const reasons: string[] = [];
  const { periodDays, label, legalBasis, evidence } = periodOf(input, t, reasons);
  const statutory = periodDays === null ? null : valid + periodDays;
  if (statutory !== null)
    reasons.push(
      `The period starts the day after the valid date (${input.validDate}), so the statutory date is ${weekdayOf(statutory)} ${fromDay(statutory)}.`,
    );
  const { extension, effective } = extended(input, statutory, reasons);
  return {
    periodWeeks: periodDays === null ? null : periodDays / 7,
    periodDays,
    periodLabel: label,
    legalBasis,
    evidence,
    statutoryDate: statutory === null ? null : fromDay(statutory),
    effectiveDate: effective === null ? null : fromDay(effective),
    extension,
    reasons,
  };
}

/** The type's determination period, with the reason for it pushed onto `reasons`. */
function periodOf(input: DeterminationInput, t: ResolvedType, reasons: string[]): Period {
  const p = t.rule.period;
  if (p.kind === 'planning') {
    if (!input.eia && input.publicServiceInfrastructure) {
      reasons.push(
        'Public service infrastructure development: 10 weeks (DMPO 2015 art. 34 as amended by SI 2021/746; weeks count every day, public holidays included).',
      );
      return { periodDays: 70, label: '10 weeks', legalBasis: 'DMPO 2015 art. 34 (SI 2021/746)', evidence: 'S' };
    }
    const wk = input.eia ? 16 : input.category === 'major' ? 13 : 8;
    reasons.push(
      input.eia
        ? `Accompanied by an environmental statement (EIA): 16 weeks${input.publicServiceInfrastructure ? ' (the 10 weeks of public service infrastructure development are not applied to EIA development [M])' : ''}.`
        : input.category === 'major'
          ? `Major development: 13 weeks.`
          : `${input.category === 'minor' ? 'Minor' : 'Not major'} (${t.name}): 8 weeks.`,
    );
    return { periodDays: wk * 7, label: `${wk} weeks`, legalBasis: 'DMPO 2015 art. 34', evidence: 'S' };
  }
  if (p.kind === 'fixed') {
    const label = p.statedAs === 'weeks' ? `${p.days / 7} weeks` : `${p.days} days`;
    reasons.push(
      `${p.label[0]!.toUpperCase()}${p.label.slice(1)}: ${label}${p.evidence === 'M' ? ' (rules file [M]: verify)' : ''}.`,
    );
    if (input.eia)
      reasons.push(
        'The EIA flag does not change this period: the rules file gives 16 weeks for planning applications only.',
      );
    return { periodDays: p.days, label, legalBasis: p.legalBasis, evidence: p.evidence };
  }
  if (p.kind === 'tdc') {
    const wk = input.category === 'major' ? 10 : 5;
    const label = `${wk} weeks`;
    reasons.push(
      `Technical details consent, ${input.category === 'major' ? 'major' : 'minor'}: ${label} (rules file [M]: verify).`,
    );
    return { periodDays: wk * 7, label, legalBasis: 'TCP (Permission in Principle) Order 2017', evidence: 'M' };
  }
  reasons.push(p.why);
  return { periodDays: null, label: null, legalBasis: null, evidence: null };
}

/** The latest agreed extension of time, when it moves the date later (DMPO art. 34(2)(b)), with why. */
function extended(
  input: DeterminationInput,
  statutory: number | null,
  reasons: string[],
): { extension: ExtensionOfTime | null; effective: number | null } {
  const exts = (input.extensionsOfTime ?? []).map((x, i) => ({
    x,
    i,
    agreed: toDay(x.agreedOn, `extensionsOfTime[${i}].agreedOn`),
    target: toDay(x.newTargetDate, `extensionsOfTime[${i}].newTargetDate`),
  }));
  let extension: ExtensionOfTime | null = null;
  let effective = statutory;
  if (!exts.length) return { extension, effective };
  // The latest agreement governs; agreements on the same day: the later one in the list.
  const latest = exts.reduce((a, b) => (b.agreed >= a.agreed ? b : a));
  if (statutory === null || latest.target > statutory) {
    extension = latest.x;
    effective = latest.target;
    reasons.push(
      `Extension of time agreed in writing on ${latest.x.agreedOn}: the decision is due by ${fromDay(latest.target)} (DMPO art. 34(2)(b)).`,
    );
  } else {
    reasons.push(
      `The latest extension of time (agreed ${latest.x.agreedOn}) gives ${fromDay(latest.target)}, not later than the statutory date, so the statutory date stands.`,
    );
  }
  if (statutory !== null && latest.agreed > statutory)
    reasons.push(
      `That extension was agreed after the statutory date (${fromDay(statutory)}) had passed: check the applicant had not already appealed.`,
    );
  return { extension, effective };
}
