/**
 * One line per kind of publicity (pure): what must be done, merging the art. 15 row, the overlays and the SCI, with
 * the either-group (a site notice OR letters to adjoining owners/occupiers) resolved.
 * Rules file: shared/domain/publicity/RULES.md §2a ("Apply the strictest row that matches, then add the overlays").
 */
import type { PublicityKind, Requirement, SummaryItem } from './types.ts';

const maxDays = (list: readonly Requirement[]) =>
  list.reduce<number | null>((m, r) => (r.minimumDays === null ? m : Math.max(m ?? 0, r.minimumDays)), null);
const KIND_ORDER: readonly PublicityKind[] = [
  'site-notice',
  'neighbour-letters',
  'press-advert',
  'website',
  'historic-england-copy',
  'railway-notification',
];
export const KIND_NAME: Record<PublicityKind, string> = {
  'site-notice': 'site notice',
  'neighbour-letters': 'neighbour letters',
  'press-advert': 'newspaper notice',
  website: 'website publication',
  'historic-england-copy': 'copy to Historic England',
  'railway-notification': 'notice to the railway infrastructure manager',
};

/**
 * One line per kind. A kind is 'required' when any item requires it outright; an either-group is met by a required
 * member (that member's period then covers the group's, so its minimumDays is the largest of both), and the group's
 * other members become 'optional'; otherwise the group's members are 'one-of'.
 */
export function summarisePublicity(requirements: readonly Requirement[]): SummaryItem[] {
  const out: SummaryItem[] = [];
  const requiredKinds = new Set(requirements.filter((r) => !r.either).map((r) => r.kind));
  const metGroups = new Set(requirements.filter((r) => r.either && requiredKinds.has(r.kind)).map((r) => r.either!));
  for (const kind of KIND_ORDER) {
    const items = requirements.filter((r) => r.kind === kind);
    if (!items.length) continue;
    const rules = [...new Set(items.map((r) => r.rule))];
    const group = items.find((r) => r.either)?.either;
    if (requiredKinds.has(kind)) {
      out.push({
        kind,
        status: 'required',
        minimumDays: maxDays(items),
        rules,
        because: `${KIND_NAME[kind].endsWith('letters') ? `${KIND_NAME[kind].charAt(0).toUpperCase()}${KIND_NAME[kind].slice(1)} are` : `A ${KIND_NAME[kind]} is`} required (${rules.join(', ')})${group ? '; it also meets the statutory choice of a site notice or letters' : ''}.`,
      });
    } else if (group && metGroups.has(group)) {
      out.push({
        kind,
        status: 'optional',
        minimumDays: maxDays(items),
        either: group,
        rules,
        because: `Not needed by law: the choice of a site notice or letters is met by a required item.`,
      });
    } else {
      out.push({
        kind,
        status: 'one-of',
        minimumDays: maxDays(items),
        ...(group ? { either: group } : {}),
        rules,
        because: `Either ${KIND_NAME[kind].endsWith('letters') ? 'these' : 'this'} ${KIND_NAME[kind]} or the other item of the choice is required (${rules.join(', ')}).`,
      });
    }
  }
  return out;
}
