/**
 * What an authority's Statement of Community Involvement adds to the statutory minimum (pure): letters on every
 * application (optionally to a radius), a site notice and a press advert for every major. It adds, never removes.
 * Rules file: shared/domain/publicity/RULES.md §2a ("Rules for the engine": SCIs add more; configurable per LPA)
 * and §5 (observed council practice).
 */
import { invalid } from './dates.ts';
import type { PublicityInput, PublicityKind, Requirement, SciPolicy } from './types.ts';

const sciName = (sci: SciPolicy) => sci.name?.trim() || 'Statement of Community Involvement';

/** True when a statutory item already requires `kind` outright (not as one of a choice) for at least `days`. */
function alreadyRequired(list: readonly Requirement[], kind: PublicityKind, days: number): boolean {
  return list.some((r) => r.kind === kind && !r.either && (r.minimumDays ?? 0) >= days);
}

export function sciAdditions(
  input: PublicityInput,
  statutory: readonly Requirement[],
  sci: SciPolicy,
): { items: Requirement[]; notes: string[] } {
  const items: Requirement[] = [];
  const notes: string[] = [];
  const name = sciName(sci);
  const period = input.eia ? 30 : 21;
  const major = input.category === 'major';
  if (sci.letterRadiusM !== undefined && (!Number.isFinite(sci.letterRadiusM) || sci.letterRadiusM <= 0))
    throw invalid('sciPolicy.letterRadiusM', 'must be a positive number of metres');
  const radius = sci.letterRadiusM;
  const satisfies = (kind: PublicityKind) =>
    statutory.some((r) => r.kind === kind && r.either)
      ? ' It also meets the statutory choice of a site notice or letters.'
      : '';
  if (sci.lettersAlways && !alreadyRequired(statutory, 'neighbour-letters', period)) {
    items.push({
      kind: 'neighbour-letters',
      minimumDays: period,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-letters-always',
      ...(radius !== undefined ? { radiusM: radius } : {}),
      because: `The authority's ${name} sends neighbour letters on every application (in addition to the statutory minimum), to adjoining owners/occupiers${radius !== undefined ? ` and properties within ${radius} m of the site boundary` : ''}; ${period} days for representations.${satisfies('neighbour-letters')}`,
    });
  } else if (radius !== undefined && !sci.lettersAlways) {
    notes.push(
      `The ${name} sends letters, when letters are sent, to properties within ${radius} m of the site boundary as well as adjoining ones.`,
    );
  }
  if (sci.siteNoticeForMajors && major && !alreadyRequired(statutory, 'site-notice', period)) {
    items.push({
      kind: 'site-notice',
      minimumDays: period,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-site-notice-majors',
      because: `The authority's ${name} puts up a site notice for every major application (in addition to the statutory minimum); ${period} days.${satisfies('site-notice')}`,
    });
  }
  if (sci.pressForMajors && major && !alreadyRequired(statutory, 'press-advert', input.eia ? 30 : 14)) {
    items.push({
      kind: 'press-advert',
      minimumDays: input.eia ? 30 : 14,
      legalBasis: name,
      evidence: 'S',
      source: 'sci',
      rule: 'sci-press-majors',
      because: `The authority's ${name} advertises every major application in a local newspaper (in addition to the statutory minimum).`,
    });
  }
  return { items, notes };
}
