/**
 * 3. Representation windows and the earliest decision date (DMPO art. 33; EIA Regs 2017; LBCA Regs regs 5 and 5A;
 * pure). A window "begins with" the event date (day 1): last day = date + (window − 1); the earliest decision date
 * is max(last day) + 1. A later event of the same kind restarts its window (BOPS: max(existing end, new end)).
 * Rules file: shared/domain/publicity/RULES.md §2b (and its "Corrections (2026-12)" on public holidays, not yet
 * applied here: see index.ts).
 */
import { DAY_MS, fromDay, invalid, nextWorkingDay, toDay, weekdayOf } from './dates.ts';
import type {
  EventKind,
  EventWindow,
  Evidence,
  KindWindow,
  PublicityEvent,
  RepresentationWindows,
  WindowOptions,
} from './types.ts';

/** Windows for representations in days (RULES.md §2b): [normal, EIA]. Owner notice has no EIA variant [M]. */
export const WINDOW_DAYS: Record<EventKind, { normal: number; eia: number; evidence: Evidence; legalBasis: string }> = {
  'site-notice': { normal: 21, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' },
  'neighbour-letters': { normal: 21, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' },
  'press-advert': { normal: 14, eia: 30, evidence: 'S', legalBasis: 'DMPO 2015 art. 33' }, // EIA 30 is [M]
  website: { normal: 14, eia: 30, evidence: 'M', legalBasis: 'DMPO 2015 arts 15(7), 33' },
  'owner-notice': { normal: 21, eia: 21, evidence: 'M', legalBasis: 'DMPO 2015 art. 13' },
};
/** Reg 5 / 5A: no decision within 21 days of the newspaper notice [M]. */
export const HERITAGE_PRESS_DAYS = 21;

const EVENT_NAME: Record<EventKind, string> = {
  'site-notice': 'site notice displayed',
  'neighbour-letters': 'neighbour letters',
  'press-advert': 'newspaper notice published',
  website: 'website publication',
  'owner-notice': "applicant's notice to owners",
};

type Window = EventWindow & { end: number };

export function representationWindows(
  events: readonly PublicityEvent[],
  options: WindowOptions = {},
): RepresentationWindows {
  const parsed = events.map((e, i) => {
    if (!(e.kind in WINDOW_DAYS))
      throw invalid(`events[${i}].kind`, `'${String(e.kind)}' is not a publicity event kind`);
    return { e, i, day: toDay(e.date, `events[${i}].date`) };
  });
  parsed.sort((a, b) => a.day - b.day || a.i - b.i);
  const windows: Window[] = [];
  const endByKind = new Map<EventKind, { end: number; w: Window }>();
  for (const { e, day } of parsed) {
    const { w, why } = windowOf(e, day, options);
    const also = governing(w, endByKind);
    w.because = `${EVENT_NAME[e.kind][0]!.toUpperCase()}${EVENT_NAME[e.kind].slice(1)} on ${e.date}: ${why}${also}; last day ${weekdayOf(w.end)} ${fromDay(w.end)}.`;
    windows.push(w);
  }
  const byKind: KindWindow[] = [...endByKind.entries()].map(([kind, { end, w }]) => ({
    kind,
    lastDay: fromDay(end),
    fromDate: w.date,
    because: `Representations on the ${EVENT_NAME[kind]} until ${fromDay(end)} (from ${w.date}).`,
  }));
  return earliestDecision(windows, byKind);
}

/** One event's window: its length (EIA, the heritage press rule), its first and last day, and why. */
function windowOf(e: PublicityEvent, day: number, options: WindowOptions): { w: Window; why: string } {
  const spec = WINDOW_DAYS[e.kind];
  const eia = e.eia ?? options.eia ?? false;
  let windowDays = eia ? spec.eia : spec.normal;
  let why = `${eia && spec.eia !== spec.normal ? 'EIA: ' : ''}${windowDays} days (${spec.legalBasis})`;
  if (e.kind === 'press-advert' && options.heritage && windowDays < HERITAGE_PRESS_DAYS) {
    windowDays = HERITAGE_PRESS_DAYS;
    why = `${windowDays} days: no decision within 21 days of the newspaper notice (LBCA Regs 1990 reg 5/5A), longer than the 14 days of DMPO art. 33`;
  }
  let first = day;
  let end: number;
  if (e.kind === 'neighbour-letters' && (options.letters ?? 'event-date') === 'next-working-day') {
    first = toDay(nextWorkingDay(e.date, options.bankHolidays ?? []), 'date');
    end = first + windowDays;
    why += `; posting assumed as BOPS does: dispatched the next working day (${weekdayOf(first)} ${fromDay(first)}), closing ${windowDays} days after dispatch`;
  } else {
    end = day + windowDays - 1;
    why += `, beginning with ${weekdayOf(day)} ${e.date} as day 1`;
  }
  const w: Window = {
    kind: e.kind,
    date: e.date,
    windowDays,
    firstDay: fromDay(first),
    lastDay: fromDay(end),
    superseded: false,
    because: '',
    end,
  };
  return { w, why };
}

/** Settles which event of `w`'s kind governs (the one whose window ends last; marks the other superseded) and says
 *  why, when there was an earlier one. */
function governing(w: Window, endByKind: Map<EventKind, { end: number; w: Window }>): string {
  const prior = endByKind.get(w.kind);
  if (!prior) {
    endByKind.set(w.kind, { end: w.end, w });
    return '';
  }
  if (w.end > prior.end) {
    prior.w.superseded = true;
    endByKind.set(w.kind, { end: w.end, w });
    return `; re-publicised after the ${EVENT_NAME[w.kind]} of ${prior.w.date}, so the window restarts (its end moves from ${fromDay(prior.end)} to ${fromDay(w.end)})`;
  }
  w.superseded = true;
  return `; ends before the earlier ${EVENT_NAME[w.kind]} of ${prior.w.date} (${fromDay(prior.end)}), which still governs`;
}

/** The windows as returned, and the earliest decision date: the day after the last window closes. */
function earliestDecision(windows: Window[], byKind: KindWindow[]): RepresentationWindows {
  const events = windows.map(({ end: _end, ...w }) => w);
  if (!windows.length)
    return { events, byKind, earliestDecisionDate: null, because: 'No publicity has been recorded yet.' };
  const last = windows.reduce((a, b) => (b.end > a.end ? b : a));
  const decision = last.end + 1;
  const dow = new Date(decision * DAY_MS).getUTCDay();
  return {
    events,
    byKind,
    earliestDecisionDate: fromDay(decision),
    because:
      `The last window to close is the ${EVENT_NAME[last.kind]} of ${last.date} (last day ${last.lastDay}), so the earliest decision date is the day after: ${weekdayOf(decision)} ${fromDay(decision)}.` +
      (dow === 0 || dow === 6 ? ' Weekends do not extend statutory periods.' : ''),
  };
}
