/**
 * 2. Required publicity (pure): the statutory minimum for the application type's regime (DMPO 2015 art. 15 and
 * art. 16 with the LBCA Regs reg 5A overlay; LBCA Regs reg 5; GPDO A.4), then what the authority's SCI adds, and one
 * summary line per kind.
 * Rules file: shared/domain/publicity/RULES.md §2a, §3 and §4 (larger home extension).
 */
import { resolveType, type ResolvedType } from './application-types.ts';
import { planningPermissionPublicity } from './dmpo.ts';
import { listedBuildingConsentPublicity } from './lbca.ts';
import { sciAdditions } from './sci.ts';
import { summarisePublicity } from './summary.ts';
import type { PublicityInput, PublicityRequirements, SciPolicy, StatutoryPublicity } from './types.ts';

export function requiredPublicity(input: PublicityInput, sci?: SciPolicy | null): PublicityRequirements {
  const t = resolveType(input.applicationType);
  const regime = t.rule.regime;
  const notes: string[] = [];
  if (t.rule.publicityNote) notes.push(t.rule.publicityNote);
  const { row, items: statutory, notes: statutoryNotes, heritage } = statutoryPublicity(input, t);
  notes.push(...statutoryNotes);

  const requirements = [...statutory];
  if (sci && (regime === 'planning-permission' || regime === 'listed-building-consent')) {
    const added = sciAdditions(input, statutory, sci);
    requirements.push(...added.items);
    notes.push(...added.notes);
  }
  return { regime, row, requirements, summary: summarisePublicity(requirements), heritage, notes };
}

/** The statutory publicity of the type's regime; a type with none says so (unless its own note already does). */
function statutoryPublicity(input: PublicityInput, t: ResolvedType): StatutoryPublicity {
  switch (t.rule.regime) {
    case 'planning-permission':
      return planningPermissionPublicity(input);
    case 'listed-building-consent':
      return listedBuildingConsentPublicity(input);
    case 'larger-home-extension':
      return {
        row: null,
        items: [
          {
            kind: 'neighbour-letters',
            minimumDays: 21,
            legalBasis: 'GPDO 2015 Sch 2 Pt 1 para A.4',
            evidence: 'M',
            source: 'statute',
            rule: 'gpdo-a4-neighbours',
            because: 'Larger home extension: notify the adjoining owners/occupiers, who have 21 days to object.',
          },
        ],
        notes: [],
        heritage: false,
      };
    case 'none':
      return {
        row: null,
        items: [],
        notes: t.rule.publicityNote ? [] : [`The rules file gives no statutory publicity for ${t.name.toLowerCase()}.`],
        heritage: false,
      };
  }
}
