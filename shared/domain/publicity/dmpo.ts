/**
 * Publicity for applications for planning permission (DMPO 2015 art. 15 and art. 16, pure): the art. 15 table, rows
 * tested strictest first, the railway notification, and the LBCA Regs reg 5A overlay on top.
 * Rules file: shared/domain/publicity/RULES.md §2a and its "Corrections (2026-12)": the site notice / letters choice
 * is art. 15(4) for major development and 15(5) for the rest; public service infrastructure development has 18 days
 * instead of 21 (SI 2021/746); the railway infrastructure manager has 21 days (18 for public service
 * infrastructure; DMPO Sch. 3 para (f)(iii)).
 */
import { heritageOverlay } from './lbca.ts';
import type { PublicityInput, Requirement, StatutoryPublicity } from './types.ts';

type Item = Omit<Requirement, 'source' | 'rule'>;
interface Art15Row {
  id: string;
  title: string;
  matches: (i: PublicityInput) => boolean;
  items: Item[];
}

export const NOTICE_OR_LETTERS = 'dmpo-art15-site-notice-or-letters';

const WEBSITE_14: Item = {
  kind: 'website',
  minimumDays: 14,
  legalBasis: 'DMPO 2015 art. 15(7)',
  evidence: 'M',
  because: 'Publish on the website, giving at least 14 days for representations from first publication.',
};
const EITHER_NOTICE: Item = {
  kind: 'site-notice',
  minimumDays: 21,
  either: NOTICE_OR_LETTERS,
  legalBasis: 'DMPO 2015 art. 15',
  evidence: 'S',
  because: 'A site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
};
const EITHER_LETTERS: Item = {
  kind: 'neighbour-letters',
  minimumDays: 21,
  either: NOTICE_OR_LETTERS,
  legalBasis: 'DMPO 2015 art. 15',
  evidence: 'S',
  because: 'Letters to any owner or occupier of land adjoining the site (21 days), or instead a site notice.',
};

/**
 * DMPO 2015 art. 15, RULES.md §2a rows 1–5, tested in order: the first that matches is the strictest.
 * The site notice / letters choice is art. 15(4) (major) and 15(5) (other) [S: RULES.md Corrections]; 15(2) for the
 * rows that need a site notice is [M]; the 30-day press and website periods for EIA are [M]; the 14-day website
 * period is [M].
 */
export const ART15_ROWS: readonly Art15Row[] = [
  {
    id: 'art15-1-eia',
    title: 'Accompanied by an environmental statement (EIA development)',
    matches: (i) => Boolean(i.eia),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(2); EIA Regs 2017',
        evidence: 'S',
        because: 'EIA development: a site notice for at least 30 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(2); EIA Regs 2017',
        evidence: 'M',
        because: 'EIA development: a notice in a local newspaper; 30 days for representations.',
      },
      {
        ...WEBSITE_14,
        minimumDays: 30,
        legalBasis: 'DMPO 2015 art. 15(7); EIA Regs 2017',
        because: 'EIA development: publish on the website; 30 days for representations.',
      },
    ],
  },
  {
    id: 'art15-2-departure',
    title: 'Departure from the development plan',
    matches: (i) => Boolean(i.departure),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 21,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Not in accordance with the development plan: a site notice for at least 21 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Not in accordance with the development plan: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-3-prow',
    title: 'Affects a public right of way (Wildlife and Countryside Act 1981 Part 3)',
    matches: (i) => Boolean(i.publicRightOfWay),
    items: [
      {
        kind: 'site-notice',
        minimumDays: 21,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Affects a public right of way: a site notice for at least 21 days.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(2)',
        evidence: 'S',
        because: 'Affects a public right of way: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-4-major',
    title: 'Major development',
    matches: (i) => i.category === 'major',
    items: [
      {
        ...EITHER_NOTICE,
        legalBasis: 'DMPO 2015 art. 15(4)',
        because:
          'Major development: a site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      {
        ...EITHER_LETTERS,
        legalBasis: 'DMPO 2015 art. 15(4)',
        because:
          'Major development: letters to any owner or occupier of land adjoining the site (21 days), or instead a site notice.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(4)',
        evidence: 'S',
        because: 'Major development: a notice in a local newspaper (14 days).',
      },
      WEBSITE_14,
    ],
  },
  {
    id: 'art15-5-other',
    title: 'All other applications',
    matches: () => true,
    items: [
      {
        ...EITHER_NOTICE,
        legalBasis: 'DMPO 2015 art. 15(5)',
        because: 'A site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      { ...EITHER_LETTERS, legalBasis: 'DMPO 2015 art. 15(5)' },
      WEBSITE_14,
    ],
  },
];

/** Public service infrastructure development: the 21-day site notice and letters become 18 days (DMPO Sch. 3 para
 *  (f)(i) as substituted by SI 2021/746); EIA periods and the newspaper's 14 days are unchanged. */
function psi(item: Item, input: PublicityInput): Item {
  if (!input.publicServiceInfrastructure || input.eia || item.minimumDays !== 21) return item;
  if (item.kind !== 'site-notice' && item.kind !== 'neighbour-letters') return item;
  return {
    ...item,
    minimumDays: 18,
    legalBasis: `${item.legalBasis}; Sch. 3 (SI 2021/746)`,
    because: `${item.because.replace('21 days', '18 days')} Public service infrastructure development: 18 days, not 21.`,
  };
}

/** The strictest art. 15 row, the art. 16 railway notification and the reg 5A overlay, in that order. */
export function planningPermissionPublicity(input: PublicityInput): StatutoryPublicity {
  const items: Requirement[] = [];
  const notes: string[] = [];
  const matching = ART15_ROWS.filter((r) => r.matches(input));
  const strictest = matching[0]!; // the last row always matches
  const row = { id: strictest.id, title: strictest.title };
  for (const item of strictest.items) items.push({ ...psi(item, input), source: 'statute', rule: strictest.id });
  const others = matching.slice(1, -1);
  if (others.length)
    notes.push(
      `Also matches ${others.map((r) => `"${r.title}"`).join(', ')}; the strictest row ("${strictest.title}") applies.`,
    );
  if (input.nearRailway) {
    items.push({
      kind: 'railway-notification',
      minimumDays: input.publicServiceInfrastructure ? 18 : 21,
      legalBasis: 'DMPO 2015 art. 16; Sch. 3 para (f)(iii) (SI 2021/746)',
      evidence: 'S',
      source: 'statute',
      rule: 'art16-railway',
      because: `Within 10 m of relevant railway land: notify the railway infrastructure manager, who has ${input.publicServiceInfrastructure ? '18 days (public service infrastructure development)' : '21 days'} from service to comment (public holidays count).`,
    });
    notes.push(
      'Redline does not record the notice to the railway infrastructure manager as a publicity event, so its window is not in the earliest decision date: check it by hand.',
    );
  }
  const overlay = heritageOverlay(input.triggers ?? []);
  items.push(...overlay.items);
  notes.push(...overlay.notes);
  return { row, items, notes, heritage: overlay.items.length > 0 };
}
