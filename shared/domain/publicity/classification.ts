/**
 * 1. Classification (DMPO 2015 art. 2, pure): major, minor or other, with the art. 2 tests that fired and why.
 * Rules file: shared/domain/publicity/RULES.md §1 (art. 2 definition) and §6b (PS2 lines for minor vs other).
 */
import { resolveType } from './application-types.ts';
import { invalid } from './dates.ts';
import type { Classification, DevelopmentInput, MajorTest } from './types.ts';

/** DMPO 2015 art. 2 thresholds [S] (RULES.md §1). */
export const MAJOR_THRESHOLDS = {
  dwellings: 10,
  /** site area when dwellings are provided but their number is not known */
  dwellingsUnknownSiteHa: 0.5,
  floorspaceM2: 1000,
  siteHa: 1,
} as const;

function checkNumber(v: number | null | undefined, field: string) {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(field, 'must be a number, 0 or more');
}

export function classifyDevelopment(input: DevelopmentInput): Classification {
  const t = resolveType(input.applicationType);
  checkNumber(input.dwellings, 'dwellings');
  checkNumber(input.siteAreaHa, 'siteAreaHa');
  checkNumber(input.floorspaceM2, 'floorspaceM2');
  const legalBasis = 'DMPO 2015 art. 2';
  const tests: MajorTest[] = [];
  const reasons: string[] = [];
  const T = MAJOR_THRESHOLDS;
  if (t.countyMatter === 'minerals') {
    tests.push('minerals');
    reasons.push(`${t.name} is the winning and working of minerals (a county matter): major under art. 2(a).`);
  }
  if (t.countyMatter === 'waste') {
    tests.push('waste');
    reasons.push(`${t.name} is waste development (a county matter): major under art. 2(b).`);
  }
  if (t.rule.art2) {
    const { dwellings, siteAreaHa, floorspaceM2 } = input;
    if (typeof dwellings === 'number' && dwellings >= T.dwellings) {
      tests.push('dwellings');
      reasons.push(`${dwellings} dwellings: ${T.dwellings} or more is major under art. 2(c)(i).`);
    }
    if (dwellings === null && siteAreaHa !== undefined && siteAreaHa >= T.dwellingsUnknownSiteHa) {
      tests.push('dwellings-unknown-site-area');
      reasons.push(
        `Dwellings of unknown number on a site of ${siteAreaHa} ha: ${T.dwellingsUnknownSiteHa} ha or more is major under art. 2(c)(ii).`,
      );
    }
    if (floorspaceM2 !== undefined && floorspaceM2 >= T.floorspaceM2) {
      tests.push('floorspace');
      reasons.push(
        `${floorspaceM2} m² of floor space created: ${T.floorspaceM2.toLocaleString('en-GB')} m² or more is major under art. 2(d).`,
      );
    }
    if (siteAreaHa !== undefined && siteAreaHa >= T.siteHa) {
      tests.push('site-area');
      reasons.push(`A site of ${siteAreaHa} ha: ${T.siteHa} ha or more is major under art. 2(e).`);
    }
  }
  if (tests.length) return { category: 'major', tests, reasons, legalBasis };
  if (!t.rule.art2) {
    reasons.push(`${t.name} is ${t.rule.classNote}.`);
    return { category: 'other', tests, reasons, legalBasis };
  }
  const missing: string[] = [];
  if (input.dwellings === undefined && input.floorspaceM2 === undefined) missing.push('dwellings or floor space');
  if (input.siteAreaHa === undefined) missing.push('site area');
  reasons.push(
    `No art. 2 major test is met (fewer than ${T.dwellings} dwellings, under ${T.floorspaceM2.toLocaleString('en-GB')} m² created, a site under ${T.siteHa} ha` +
      `${input.dwellings === null ? ` and under ${T.dwellingsUnknownSiteHa} ha with the number of dwellings unknown` : ''}): ${t.name} is ${t.rule.classNote}.`,
  );
  if (missing.length) reasons.push(`Not recorded: ${missing.join(', ')}; the classification may change when they are.`);
  return { category: t.rule.nonMajor, tests, reasons, legalBasis };
}
