/** What a document's template is filled from: the variables every kind has (the case, the map), the publicity
 *  dates and windows of letters, notices and adverts, and the values the kinds add (server/modules/documents/kinds.ts).
 *  Variable names and meanings: shared/domain/documents.ts KIND_VARIABLES. */
import { APPLICATION_TYPES } from '../../../shared/domain/cases.ts';
import {
  decisionOutcome,
  DECISION_WORDS,
  NOT_KNOWN,
  ukDate,
  words,
  type ViewValue,
} from '../../../shared/domain/documents.ts';
import {
  addDays,
  representationWindows,
  type EventKind,
  type PublicityEvent,
  type Regime,
  type WindowOptions,
} from '../../../shared/domain/publicity/index.ts';
import { currentHolidayCalendar } from '../publicity/holidays.ts';
import type { CaseRow, NearbyRow } from '../cases/repo.ts';
import { effectiveTargetDate } from '../cases/service.ts';
import type { casePublicity } from '../publicity/service.ts';
import { urlFor, type AuthorityDetails } from '../authority/details.ts';

export type Flat = Record<string, ViewValue>;

/** Statutory consultees have 21 days to respond (DMPO 2015 art. 22; rules file [M]). */
export const CONSULTEE_DAYS = 21;

export const typeName = (ref: string | null) => APPLICATION_TYPES.find((t) => t.reference === ref)?.name ?? ref ?? '';
export const wordsOrUnknown = (iso: string | null | undefined) => (iso ? ukDate(iso) : NOT_KNOWN);
const round = (v: number, dp: number) => Math.round(v * 10 ** dp) / 10 ** dp;

/** The map as the template sees it (empty values when the template has no [[map]]). */
export interface MapView {
  scale: number;
  description: string;
}

/** The authority and case officer as the view's `authority.*` and `officer.*` variables are made from. */
export interface ContactSources {
  authority: AuthorityDetails;
  officer: { name: string; email: string | null; phone: string | null } | null;
}

/** `authority.*` and `officer.*`: the council's contact details (and the comment and plans links filled with the
 *  case reference), the case officer's; each optional one with its `…Known` flag. Nothing is invented: a value not
 *  configured is empty and its flag false, and the templates then say how to reach the council without it. */
export function contactView(c: CaseRow, s: ContactSources): Flat {
  const a = s.authority;
  const address = [...a.addressLines, a.postcode ?? '']
    .map((l) => l.trim())
    .filter(Boolean)
    .join(', ');
  const commentUrl = c.kind === 'application' ? urlFor(a.commentUrlTemplate, c.reference) : null;
  const plansUrl = c.kind === 'application' ? urlFor(a.plansUrlTemplate, c.reference) : null;
  const known = (name: string, v: string | null | undefined): Flat => ({
    [name]: v ?? '',
    [`${name}Known`]: Boolean(v),
  });
  return {
    'authority.name': a.name,
    ...known('authority.address', address || null),
    ...known('authority.phone', a.phone),
    ...known('authority.email', a.email),
    ...known('authority.website', a.website),
    ...known('authority.commentUrl', commentUrl),
    ...known('authority.plansUrl', plansUrl),
    'officer.name': s.officer?.name ?? 'the case officer',
    'officer.nameKnown': Boolean(s.officer),
    ...known('officer.email', s.officer?.email),
    ...known('officer.phone', s.officer?.phone),
  };
}

/** The variables every kind has. */
export function commonView(c: CaseRow, s: ContactSources & { date: string; map: MapView | null }): Flat {
  const application = c.kind === 'application';
  return {
    ...contactView(c, s),
    'document.date': ukDate(s.date),
    'case.reference': c.reference,
    'case.address': c.siteAddress ?? (s.map ? 'the site shown on the map' : 'no address recorded'),
    // a sentence's worth: no full stop of its own, so "… roof slope. (Householder …)" never doubles it
    'case.description': c.description.trim().replace(/\.+$/, ''),
    'case.isApplication': application,
    'case.isEnforcement': !application,
    'case.applicationType': application ? typeName(c.applicationType) : 'Enforcement case',
    'case.receivedDate': ukDate(c.receivedDate),
    'case.validDate': c.validDate ? ukDate(c.validDate) : 'not valid yet',
    'case.officer': s.officer?.name ?? 'the case officer',
    'case.targetDate': wordsOrUnknown(effectiveTargetDate(c)),
    'map.scale': s.map ? `1:${s.map.scale.toLocaleString('en-GB')}` : '',
    'map.description': s.map?.description ?? '',
  };
}

/** casePublicity for an application (documents that have publicity are for applications only). */
export type CasePublicity = Awaited<ReturnType<typeof casePublicity>> & {
  applies: true;
  publicity: { heritage: boolean; regime: Regime; requirements: Array<{ kind: string; rule: string }> };
  events: Array<PublicityEvent & { eia: boolean | null }>;
  windows: {
    byKind: Array<{ kind: string; lastDay: string }>;
    events: Array<{ kind: string; windowDays: number; superseded: boolean; lastDay: string; endKnown: boolean }>;
  };
  earliestDecisionDate: string | null;
  triggers: Array<{ trigger: string }>;
  outstanding?: Array<{ kind: string; either?: string }>;
};

interface Window {
  windowDays: number;
  /** public holidays are not counted in the period (DMPO Sch. 3) */
  holidaysDisregarded: boolean;
  commentBy: string | null;
  earliest: string | null;
}

/** The comment period of a publicity event: from the date given, else from the event already recorded, else not
 *  known (and then neither is the earliest decision date). */
function eventWindow(
  pub: CasePublicity,
  eia: boolean,
  psi: boolean,
  eventKind: EventKind,
  publicityDate?: string,
): Window {
  const options: WindowOptions = {
    eia,
    heritage: pub.publicity.heritage,
    regime: pub.publicity.regime,
    publicServiceInfrastructure: psi,
    holidays: currentHolidayCalendar(),
  };
  const recorded: PublicityEvent[] = pub.events.map((e) => ({
    kind: e.kind,
    date: e.date,
    ...(e.eia !== null && e.eia !== undefined ? { eia: e.eia } : {}),
  }));
  const probe = representationWindows([{ kind: eventKind, date: publicityDate ?? '2026-03-02' }], options);
  const { windowDays, holidaysDisregarded } = probe.events[0]!;
  if (publicityDate) {
    const all = representationWindows([...recorded, { kind: eventKind, date: publicityDate }], options);
    // a window counting through a year whose bank holidays are not known has no known last day
    const commentBy = probe.events[0]!.endKnown ? probe.events[0]!.lastDay : null;
    return { windowDays, holidaysDisregarded, commentBy, earliest: all.earliestDecisionDate };
  }
  if (recorded.some((e) => e.kind === eventKind)) {
    // already recorded: the window that governs (a re-publicised one restarts it)
    const governing = pub.windows.events.find((e) => e.kind === eventKind && !e.superseded);
    const commentBy = governing?.endKnown === false ? null : (governing?.lastDay ?? null);
    return { windowDays, holidaysDisregarded, commentBy, earliest: pub.earliestDecisionDate };
  }
  // otherwise this publicity has not happened yet: its end, and so the earliest decision date, are not known
  return { windowDays, holidaysDisregarded, commentBy: null, earliest: null };
}

/** The publicity variables and details of a letter, notice or advert: the window of `event`, or a consultation's
 *  own 21 days. */
export function publicityView(
  pub: CasePublicity,
  c: CaseRow,
  event: EventKind | 'consultation',
  publicityDate: string | undefined,
): { flat: Flat; details: Record<string, unknown> } {
  const dev = c.development as { eia?: unknown; publicServiceInfrastructure?: unknown } | null;
  const eia = dev?.eia === true;
  const w0: Window =
    event === 'consultation'
      ? {
          windowDays: CONSULTEE_DAYS,
          holidaysDisregarded: false,
          commentBy: publicityDate ? addDays(publicityDate, CONSULTEE_DAYS - 1) : null,
          earliest: pub.earliestDecisionDate,
        }
      : eventWindow(pub, eia, dev?.publicServiceInfrastructure === true, event, publicityDate);
  // the earliest decision date is the case's own only when no other required publicity is still to be done: until
  // then its window would move the date later, so the document does not give one it might not keep
  // (the website publication is left out: its 14 days run from when the application is published, normally long
  // before the letters, notices and adverts end)
  const pending = (pub.outstanding ?? []).filter(
    (o) =>
      EVENT_OF[o.kind] !== undefined &&
      !(event !== 'consultation' && (EVENT_OF[o.kind] === event || (o.either && EITHER_EVENTS.includes(event)))),
  );
  const w: Window = pending.length ? { ...w0, earliest: null } : w0;
  const flat: Flat = {
    'publicity.windowDays': String(w.windowDays),
    'publicity.holidaysDisregarded': w.holidaysDisregarded,
    'publicity.date': wordsOrUnknown(publicityDate),
    'publicity.dateKnown': Boolean(publicityDate),
    'publicity.commentByDate': wordsOrUnknown(w.commentBy),
    'publicity.commentByKnown': w.commentBy !== null,
    'publicity.earliestDecisionDate': wordsOrUnknown(w.earliest),
    'publicity.earliestDecisionDateKnown': w.earliest !== null,
    ...noticeView(pub, event),
  };
  const details = {
    publicityDate: publicityDate ?? null,
    publicityPending: pending.map((o) => o.kind),
    windowDays: w.windowDays,
    holidaysDisregarded: w.holidaysDisregarded,
    commentBy: w.commentBy,
    earliestDecisionDate: w.earliest,
  };
  return { flat, details };
}

/** The publicity kinds of the rules (requirements, outstanding) and the events that do them. */
const EVENT_OF: Record<string, EventKind | undefined> = {
  'site-notice': 'site-notice',
  'neighbour-letters': 'neighbour-letters',
  'press-advert': 'press-advert',
};
/** the events of the statutory choice (art. 15: a site notice or letters to adjoining owners and occupiers) */
const EITHER_EVENTS: Array<EventKind | 'consultation'> = ['site-notice', 'neighbour-letters'];

const DMPO_15 = 'article 15 of the Town and Country Planning (Development Management Procedure) (England) Order 2015';
const LBCA_ACT = 'the Planning (Listed Buildings and Conservation Areas) Act 1990';
const LBCA_REGS = 'the Planning (Listed Buildings and Conservation Areas) Regulations 1990';
const PROVISION_SCI = "the council's Statement of Community Involvement";
const both = (one: string, many: string, items: string[]) =>
  items.length === 1 ? `${one} ${items[0]}` : `${many} ${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/** Why a site notice is posted (or letters sent), one sentence per reason, by the rule that requires it. */
const NOTICE_REASONS: Record<string, string> = {
  'art15-1-eia': 'The application is accompanied by an environmental statement.',
  'art15-2-departure': 'The proposal does not accord with the development plan (a departure).',
  'art15-3-prow': 'The proposal affects a public right of way.',
  'art15-4-major': 'It is a major development.',
  'art15-5-other': 'The law requires the council to publicise every planning application.',
  'sci-site-notice-majors': 'It is a major development.',
  'sci-letters-always': "The council's Statement of Community Involvement asks for it.",
  'gpdo-a4-neighbours': 'It is a prior approval application for a larger home extension.',
  'reg5-lbc': 'It is an application for listed building consent.',
};

/** Why the publicity of `event` is done and under which provisions, from the case's publicity rules (the rules
 *  that require that kind of publicity) and its heritage triggers. */
export function noticeView(pub: CasePublicity, event: EventKind | 'consultation'): Flat {
  const kind = event === 'consultation' ? null : event;
  const own = kind ? pub.publicity.requirements.filter((r) => r.kind === kind) : [];
  // the provisions: those of all the application's statutory publicity (an advert under reg 5A is for an
  // application publicised under art. 15 as well), and the authority's own policy where it asks for this one
  const all = pub.publicity.requirements.filter(
    (r) => ['site-notice', 'neighbour-letters', 'press-advert'].includes(r.kind) || r === own[0],
  );
  const setting = pub.triggers.some((t) => t.trigger === 'listed-building-setting');
  const area = pub.triggers.some((t) => t.trigger === 'conservation-area');
  const reasons = new Set<string>();
  for (const r of own) {
    if (r.rule === 'reg5a-overlay') {
      if (setting) reasons.add('The proposal may affect the setting of a listed building.');
      if (area) reasons.add('The proposal may affect the character or appearance of a conservation area.');
      continue;
    }
    const reason =
      kind === 'press-advert' ? (ADVERT_REASONS[r.rule] ?? NOTICE_REASONS[r.rule]) : NOTICE_REASONS[r.rule];
    if (reason) reasons.add(reason);
  }
  // "every application is publicised" says nothing when there is a more particular reason
  if (reasons.size > 1) reasons.delete(NOTICE_REASONS['art15-5-other']!);
  let dmpo = false;
  let sci = false;
  const sections: string[] = [];
  const regs: string[] = [];
  for (const r of all) {
    if (r.rule.startsWith('art15')) dmpo = true;
    else if (r.rule === 'reg5-lbc' && !regs.includes('5')) regs.unshift('5');
    else if (r.rule === 'reg5a-overlay') {
      if (setting && !sections.includes('67')) sections.push('67');
      if (area && !sections.includes('73')) sections.push('73');
      if ((setting || area) && !regs.includes('5A')) regs.push('5A');
    } else if (r.rule.startsWith('sci-') && own.includes(r)) sci = true;
  }
  const list: string[] = [];
  if (dmpo || (kind && !regs.length && !sections.length && !sci)) list.push(DMPO_15);
  if (sections.length) list.push(`${both('section', 'sections', sections.sort())} of ${LBCA_ACT}`);
  if (regs.length) list.push(`${both('regulation', 'regulations', regs)} of ${LBCA_REGS}`);
  if (sci) list.push(PROVISION_SCI);
  const joined = list.length > 1 ? `${list.slice(0, -1).join('; ')} and ${list.at(-1)}` : (list[0] ?? '');
  return {
    'publicity.reasons': [...reasons],
    'publicity.hasReasons': reasons.size > 0,
    'publicity.provisions': list.map((p) => p.charAt(0).toUpperCase() + p.slice(1)),
    'publicity.provisionsText': joined,
    'publicity.hasProvisions': list.length > 0,
  };
}

/** Why a press advert is needed, one sentence per reason, from the publicity rules that require it. */
const ADVERT_REASONS: Record<string, string> = {
  'art15-1-eia': 'The application is accompanied by an environmental statement.',
  'art15-2-departure': 'The proposal does not accord with the development plan.',
  'art15-3-prow': 'The proposal affects a public right of way.',
  'art15-4-major': 'It is a major development.',
  'sci-press-majors': 'It is a major development.',
  'reg5-lbc': 'It is an application for listed building consent.',
};
/** The heritage triggers behind the overlay rule (reg. 5A), each its own reason. */
const OVERLAY_REASONS: Array<[string, string]> = [
  ['listed-building-setting', 'The proposal may affect the setting of a listed building.'],
  ['conservation-area', 'The proposal may affect the character or appearance of a conservation area.'],
];

export function advertView(pub: CasePublicity): Flat {
  const reasons = new Set<string>();
  for (const r of pub.publicity.requirements.filter((x) => x.kind === 'press-advert')) {
    if (ADVERT_REASONS[r.rule]) reasons.add(ADVERT_REASONS[r.rule]!);
    else if (r.rule === 'reg5a-overlay')
      for (const [trigger, reason] of OVERLAY_REASONS)
        if (pub.triggers.some((t) => t.trigger === trigger)) reasons.add(reason);
  }
  return { 'advert.reasons': [...reasons], 'advert.hasReasons': reasons.size > 0 };
}

/** Free-text party address → lines (newlines or commas), with the postcode last. */
export function partyLines(p: {
  name: string | null;
  organisation: string | null;
  address: string | null;
  postcode: string | null;
}): string[] {
  const lines = [p.name, p.organisation, ...(p.address ?? '').split(/\r?\n|,/)]
    .map((l) => (l ?? '').trim())
    .filter(Boolean);
  const pc = p.postcode?.trim().toUpperCase();
  if (pc && !lines.some((l) => l.toUpperCase() === pc)) lines.push(pc);
  return lines;
}

/** A case of a site history: the case itself (relation "self") or one nearby. */
export type HistoryRow = Pick<
  NearbyRow,
  | 'reference'
  | 'kind'
  | 'application_type'
  | 'description'
  | 'site_address'
  | 'status'
  | 'received_date'
  | 'decision'
  | 'decision_date'
  | 'distance_m'
  | 'overlap_m2'
> & { relation: NearbyRow['relation'] | 'self' };

/** The case itself as the first row of its site history. */
export function selfRow(c: CaseRow): HistoryRow {
  return {
    reference: c.reference,
    kind: c.kind,
    application_type: c.applicationType,
    description: c.description,
    site_address: c.siteAddress,
    status: c.status,
    received_date: c.receivedDate,
    decision: c.decision,
    decision_date: c.decisionDate,
    relation: 'self',
    distance_m: 0,
    overlap_m2: 0,
  };
}

function relationWords(r: HistoryRow): string {
  if (r.relation === 'self') return 'This case';
  if (r.relation === 'overlaps')
    return `Overlaps the site (${round(r.overlap_m2, 1).toLocaleString('en-GB')} m² shared)`;
  if (r.relation === 'touches') return 'Touches the site';
  return `${round(r.distance_m, 1).toLocaleString('en-GB')} m from the site`;
}

/** One item of history.items. */
export function historyItem(r: HistoryRow) {
  return {
    reference: r.reference,
    address: r.site_address ?? 'no address recorded',
    description: r.description,
    type: r.kind === 'application' ? typeName(r.application_type) : 'Enforcement case',
    descriptionLabel: r.kind === 'application' ? 'Proposal' : 'Alleged breach',
    receivedDate: ukDate(r.received_date),
    decision: r.decision
      ? `${r.kind === 'application' ? decisionOutcome(r.decision, r.application_type) : (DECISION_WORDS[r.decision]?.outcome ?? words(r.decision))}${r.decision_date ? ` on ${ukDate(r.decision_date)}` : ''}`
      : `Not decided (${words(r.status)})`,
    relation: relationWords(r),
  };
}
