/**
 * Heritage publicity (LBCA Regs 1990, pure): the reg 5A overlay on applications for planning permission that affect
 * the setting of a listed building or the character or appearance of a conservation area (with the copy to Historic
 * England), and reg 5 publicity for listed building consent.
 * Rules file: shared/domain/publicity/RULES.md §3 and its "Corrections (2026-12)": in England the reg 5 and reg 5A
 * site notices are displayed for at least 21 days (SI 2010/568 reg 3; 7 days is the Welsh rule), and a listed
 * building consent application is on the website for at least 21 days (SI 2010/568 reg 4).
 */
import type { ConstraintTrigger, PublicityInput, Requirement, StatutoryPublicity } from './types.ts';

/** LBCA Regs 1990 reg 5A overlay [S: newspaper + site notice for at least 21 days, SI 2010/568 reg 3(2); M: no
 *  decision within 21 days]. */
const REG5A_BASIS = 'LBCA Regs 1990 reg 5A (as amended by SI 2010/568 reg 3(2))';
/** LBCA Regs 1990 reg 5 (listed building consent) [S: 21 days, SI 2010/568 regs 3(1) and 4; M: other text]. */
const REG5_BASIS = 'LBCA Regs 1990 reg 5 (as amended by SI 2010/568 reg 3(1))';
const HE_BASIS = 'LBCA Regs 1990 reg 5A(3) (substituted by SI 2015/809 reg 2)';
/** reg 5A(3)(b): the conservation-area copy goes to Historic England only when the site is MORE than this [S]. */
export const HE_CONSERVATION_AREA_SITE_M2 = 1000;

/** The reg 5A overlay: a site notice and a newspaper notice, and a copy to Historic England where reg 5A(3) says. */
export function heritageOverlay(triggers: readonly ConstraintTrigger[]): { items: Requirement[]; notes: string[] } {
  const items: Requirement[] = [];
  const notes: string[] = [];
  if (!triggers.length) return { items, notes };
  const what = [
    triggers.some((t) => t.trigger === 'listed-building-setting') ? 'the setting of a listed building' : null,
    triggers.some((t) => t.trigger === 'conservation-area')
      ? 'the character or appearance of a conservation area'
      : null,
  ]
    .filter(Boolean)
    .join(' and ');
  const rule = 'reg5a-overlay';
  items.push(
    {
      kind: 'site-notice',
      minimumDays: 21,
      legalBasis: REG5A_BASIS,
      evidence: 'S',
      source: 'statute',
      rule,
      because: `Affects ${what}: display a site notice for at least 21 days; no decision within 21 days of the later of the site notice and the newspaper notice.`,
    },
    {
      kind: 'press-advert',
      minimumDays: 21,
      legalBasis: REG5A_BASIS,
      evidence: 'M',
      source: 'statute',
      rule,
      because: `Affects ${what}: publish a notice in a local newspaper; no decision within 21 days of the later of the newspaper notice and the site notice.`,
    },
  );
  const copy = historicEnglandCopy(triggers, notes);
  if (copy) items.push(copy);
  return { items, notes };
}

/** reg 5A(3): the copy of the notice to Historic England, or null when no trigger needs one (notes say when a
 *  listed building's grade is not recorded, so it cannot be told). */
function historicEnglandCopy(triggers: readonly ConstraintTrigger[], notes: string[]): Requirement | null {
  const he: string[] = [];
  for (const t of triggers) {
    if (t.trigger === 'listed-building-setting') {
      const high = t.grades.filter((g) => g === 'I' || g === 'II*');
      if (high.length)
        he.push(
          `the listed building${t.grades.length > 1 ? 's include' : ' is'} grade ${[...new Set(high)].join(' and ')}`,
        );
      else if (!t.grades.length)
        notes.push(
          'The grade of the listed building whose setting is affected is not recorded: if it is grade I or II*, a copy of the notice must go to Historic England (reg 5A(3)).',
        );
    } else if (t.newBuildingOrExtension && t.siteAreaM2 > HE_CONSERVATION_AREA_SITE_M2) {
      he.push(
        `in a conservation area, a new building or extension on a site of ${t.siteAreaM2} m² (more than ${HE_CONSERVATION_AREA_SITE_M2.toLocaleString('en-GB')} m²)`,
      );
    }
  }
  if (!he.length) return null;
  return {
    kind: 'historic-england-copy',
    minimumDays: null,
    legalBasis: HE_BASIS,
    evidence: 'S',
    source: 'statute',
    rule: 'reg5a-historic-england',
    because: `Send a copy of the notice to Historic England: ${he.join('; ')}.`,
  };
}

/** Reg 5 publicity for an application for listed building consent (none for interior-only works to a grade II
 *  building); reg 5A is for applications for planning permission, and a note says so when triggers were found. */
export function listedBuildingConsentPublicity(input: PublicityInput): StatutoryPublicity {
  const triggers = input.triggers ?? [];
  const items: Requirement[] = [];
  const notes: string[] = [];
  let heritage = false;
  const lbc = input.listedBuildingConsent;
  if (lbc?.interiorOnly && lbc.grade === 'II') {
    notes.push(
      'Works affecting only the interior of a grade II (unstarred) listed building: reg 5 publicity does not apply (LBCA Regs 1990 reg 5 exception), so no statutory publicity.',
    );
  } else {
    if (lbc?.interiorOnly && lbc.grade === null)
      notes.push(
        'Interior-only works, but the grade is not recorded: the reg 5 exemption covers grade II (unstarred) only, so the notices are listed.',
      );
    items.push(...reg5Notices());
    heritage = true;
  }
  if (triggers.length)
    notes.push(
      'Reg 5A (setting / conservation area) applies to applications for planning permission; this listed building consent is publicised under reg 5.',
    );
  return { row: null, items, notes, heritage };
}

function reg5Notices(): Requirement[] {
  const rule = 'reg5-lbc';
  return [
    {
      kind: 'press-advert',
      minimumDays: 21,
      legalBasis: REG5_BASIS,
      evidence: 'M',
      source: 'statute',
      rule,
      because:
        'Listed building consent: publish a notice in a local newspaper (nature of the works, where to inspect); no decision within 21 days of the later of publication and display.',
    },
    {
      kind: 'site-notice',
      minimumDays: 21,
      legalBasis: REG5_BASIS,
      evidence: 'S',
      source: 'statute',
      rule,
      because:
        'Listed building consent: display a notice on or near the building for not less than 21 days; no decision within 21 days of the later of display and publication.',
    },
    {
      kind: 'website',
      minimumDays: 21,
      legalBasis: 'LBCA Regs 1990 reg 5 (as amended by SI 2010/568 reg 4)',
      evidence: 'S',
      source: 'statute',
      rule,
      because: 'Listed building consent: publish the notice on the website for not less than 21 days.',
    },
  ];
}
