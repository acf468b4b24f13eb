/**
 * Publicity for applications for planning permission (DMPO 2015 art. 15 and art. 16, pure): the art. 15 table, rows
 * tested strictest first, the railway notification, and the LBCA Regs reg 5A overlay on top.
 * Rules file: shared/domain/publicity/RULES.md §2a (and its "Corrections (2026-12)" on the art. 15 paragraph numbers,
 * not yet applied here: see index.ts).
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
 * [M]: the paragraph numbers (15(2), 15(3), 15(4)) are not reproduced by RULES.md except 15(3) for majors (itself [M]);
 * the 30-day press and website periods for EIA are [M]; the 14-day website period is [M].
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
        legalBasis: 'DMPO 2015 art. 15(3)',
        evidence: 'M',
        because:
          'Major development: a site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      {
        ...EITHER_LETTERS,
        legalBasis: 'DMPO 2015 art. 15(3)',
        evidence: 'M',
        because:
          'Major development: letters to any owner or occupier of land adjoining the site (21 days), or instead a site notice.',
      },
      {
        kind: 'press-advert',
        minimumDays: 14,
        legalBasis: 'DMPO 2015 art. 15(3)',
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
        legalBasis: 'DMPO 2015 art. 15(4)',
        because: 'A site notice for at least 21 days, or instead letters to adjoining owners/occupiers.',
      },
      { ...EITHER_LETTERS, legalBasis: 'DMPO 2015 art. 15(4)' },
      WEBSITE_14,
    ],
  },
];

/** The strictest art. 15 row, the art. 16 railway notification and the reg 5A overlay, in that order. */
export function planningPermissionPublicity(input: PublicityInput): StatutoryPublicity {
  const items: Requirement[] = [];
  const notes: string[] = [];
  const matching = ART15_ROWS.filter((r) => r.matches(input));
  const strictest = matching[0]!; // the last row always matches
  const row = { id: strictest.id, title: strictest.title };
  for (const item of strictest.items) items.push({ ...item, source: 'statute', rule: strictest.id });
  const others = matching.slice(1, -1);
  if (others.length)
    notes.push(
      `Also matches ${others.map((r) => `"${r.title}"`).join(', ')}; the strictest row ("${strictest.title}") applies.`,
    );
  if (input.nearRailway) {
    items.push({
      kind: 'railway-notification',
      minimumDays: null,
      legalBasis: 'DMPO 2015 art. 16',
      evidence: 'M',
      source: 'statute',
      rule: 'art16-railway',
      because: 'Within 10 m of relevant railway land: notify the railway infrastructure manager.',
    });
  }
  const overlay = heritageOverlay(input.triggers ?? []);
  items.push(...overlay.items);
  notes.push(...overlay.notes);
  return { row, items, notes, heritage: overlay.items.length > 0 };
}
