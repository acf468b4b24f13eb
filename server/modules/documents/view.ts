/** What a document's template is filled from: the variables every kind has (the case, the map), the publicity
 *  dates and windows of letters, notices and adverts, and the values the kinds add (server/modules/documents/kinds.ts).
 *  Variable names and meanings: shared/domain/documents.ts KIND_VARIABLES. */
import { APPLICATION_TYPES } from '../../../shared/domain/cases.ts';
import { DECISION_WORDS, NOT_KNOWN, ukDate, words, type ViewValue } from '../../../shared/domain/documents.ts';
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

/** The variables every kind has. */
export function commonView(
  c: CaseRow,
  s: { authority: string; officer: string | null; date: string; map: MapView | null },
): Flat {
  return {
    'authority.name': s.authority,
    'document.date': ukDate(s.date),
    'case.reference': c.reference,
    'case.address': c.siteAddress ?? (s.map ? 'the site shown on the map' : 'no address recorded'),
    'case.description': c.description,
    'case.applicationType': c.kind === 'application' ? typeName(c.applicationType) : 'Enforcement case',
    'case.receivedDate': ukDate(c.receivedDate),
    'case.validDate': c.validDate ? ukDate(c.validDate) : 'not valid yet',
    'case.officer': s.officer ?? 'the case officer',
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
  const w: Window =
    event === 'consultation'
      ? {
          windowDays: CONSULTEE_DAYS,
          holidaysDisregarded: false,
          commentBy: publicityDate ? addDays(publicityDate, CONSULTEE_DAYS - 1) : null,
          earliest: pub.earliestDecisionDate,
        }
      : eventWindow(pub, eia, dev?.publicServiceInfrastructure === true, event, publicityDate);
  const flat: Flat = {
    'publicity.windowDays': String(w.windowDays),
    'publicity.holidaysDisregarded': w.holidaysDisregarded,
    'publicity.date': wordsOrUnknown(publicityDate),
    'publicity.dateKnown': Boolean(publicityDate),
    'publicity.commentByDate': wordsOrUnknown(w.commentBy),
    'publicity.commentByKnown': w.commentBy !== null,
    'publicity.earliestDecisionDate': wordsOrUnknown(w.earliest),
    'publicity.earliestDecisionDateKnown': w.earliest !== null,
  };
  const details = {
    publicityDate: publicityDate ?? null,
    windowDays: w.windowDays,
    holidaysDisregarded: w.holidaysDisregarded,
    commentBy: w.commentBy,
    earliestDecisionDate: w.earliest,
  };
  return { flat, details };
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
    receivedDate: ukDate(r.received_date),
    decision: r.decision
      ? `${DECISION_WORDS[r.decision]?.outcome ?? words(r.decision)}${r.decision_date ? ` on ${ukDate(r.decision_date)}` : ''}`
      : `Not decided (${words(r.status)})`,
    relation: relationWords(r),
  };
}
