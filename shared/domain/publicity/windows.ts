/**
 * 3. Representation windows and the earliest decision date (DMPO 2015 art. 33 and Sch. 3 as substituted by SI
 * 2021/746; EIA Regs 2017; LBCA Regs 1990 regs 5 and 5A as amended by SI 2010/568; pure). A window "begins with"
 * the event date (day 1). For the site notice, the letters to adjoining owners/occupiers and the newspaper notice,
 * public holidays (Christmas Day, Good Friday, bank holidays) are disregarded: the last day is the day on which the
 * N-th day that is not a public holiday falls. Other windows count every day: last day = date + (window − 1). The
 * earliest decision date is max(last day) + 1. A later event of the same kind restarts its window (BOPS: max(existing
 * end, new end)). Bank holidays are known only for the years the holiday list covers (shared/domain/holidays/): a
 * window that counts past them has an end Redline cannot know, and so has the earliest decision date.
 * Rules file: shared/domain/publicity/RULES.md §2b, §3 and "Corrections (2026-12)".
 */
import { covers, publicHolidayName, SHIPPED_CALENDAR, type HolidayCalendar } from '../holidays/index.ts';
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

/** Windows for representations in days (RULES.md §2b): [normal, EIA], and whether public holidays are disregarded
 *  (DMPO Sch. 3 para (f)). Owner notice has no EIA variant [M]. */
export const WINDOW_DAYS: Record<
  EventKind,
  { normal: number; eia: number; evidence: Evidence; legalBasis: string; holidaysDisregarded: boolean }
> = {
  'site-notice': {
    normal: 21,
    eia: 30,
    evidence: 'S',
    legalBasis: 'DMPO 2015 art. 33, Sch. 3 (SI 2021/746)',
    holidaysDisregarded: true,
  },
  'neighbour-letters': {
    normal: 21,
    eia: 30,
    evidence: 'S',
    legalBasis: 'DMPO 2015 art. 33, Sch. 3 (SI 2021/746)',
    holidaysDisregarded: true,
  },
  'press-advert': {
    normal: 14,
    eia: 30,
    evidence: 'S',
    legalBasis: 'DMPO 2015 art. 33, Sch. 3 (SI 2021/746)',
    holidaysDisregarded: true,
  }, // EIA 30 is [M]
  website: { normal: 14, eia: 30, evidence: 'M', legalBasis: 'DMPO 2015 arts 15(7), 33', holidaysDisregarded: false },
  'owner-notice': { normal: 21, eia: 21, evidence: 'M', legalBasis: 'DMPO 2015 art. 13', holidaysDisregarded: false },
};
/** Public service infrastructure development: 18 days instead of 21 for the site notice and the letters (DMPO
 *  Sch. 3 para (f)(i) as substituted by SI 2021/746). The newspaper's 14 days are unchanged. */
export const PSI_WINDOW_DAYS = 18;
/** Reg 5 / 5A: no decision within 21 days of the newspaper notice and of the site notice (SI 2010/568); reg 5 LBC:
 *  the website publication runs for at least 21 days (SI 2010/568 reg 4). Calendar days (the LBCA Regs do not
 *  disregard public holidays). */
export const HERITAGE_PRESS_DAYS = 21;
export const HERITAGE_DAYS = 21;

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
    const lastDay = `${w.endKnown ? '' : 'at least until '}${weekdayOf(w.end)} ${fromDay(w.end)}`;
    w.because = `${EVENT_NAME[e.kind][0]!.toUpperCase()}${EVENT_NAME[e.kind].slice(1)} on ${e.date}: ${why}${also}; last day ${lastDay}.`;
    windows.push(w);
  }
  const byKind: KindWindow[] = [...endByKind.entries()].map(([kind, { end, w }]) => ({
    kind,
    lastDay: fromDay(end),
    fromDate: w.date,
    because: `Representations on the ${EVENT_NAME[kind]} until ${w.endKnown ? '' : 'at least '}${fromDay(end)} (from ${w.date}).`,
  }));
  return earliestDecision(windows, byKind, options.holidays ?? SHIPPED_CALENDAR);
}

interface Length {
  days: number;
  holidays: boolean;
  why: string;
  /** a calendar-day floor (reg 5 / 5A: 21 days) the window must also reach */
  floor?: { days: number; why: string };
}

/** How long an event's window is, whether holidays are disregarded, and why. */
function lengthOf(e: PublicityEvent, options: WindowOptions): Length {
  const spec = WINDOW_DAYS[e.kind];
  const eia = e.eia ?? options.eia ?? false;
  const lbc = options.regime === 'listed-building-consent';
  if (lbc && (e.kind === 'site-notice' || e.kind === 'press-advert' || e.kind === 'website'))
    return {
      days: HERITAGE_DAYS,
      holidays: false,
      why: `${HERITAGE_DAYS} days (LBCA Regs 1990 reg 5 as amended by SI 2010/568: ${
        e.kind === 'website'
          ? 'on the website for at least 21 days'
          : 'no decision within 21 days of the later of display and publication'
      }; public holidays count)`,
    };
  let days = eia ? spec.eia : spec.normal;
  let basis = spec.legalBasis;
  const psi =
    !eia && options.publicServiceInfrastructure && (e.kind === 'site-notice' || e.kind === 'neighbour-letters');
  if (psi) {
    days = PSI_WINDOW_DAYS;
    basis = 'DMPO 2015 Sch. 3 para (f)(i) (SI 2021/746): public service infrastructure development';
  }
  const holidays = spec.holidaysDisregarded;
  let why = `${eia && spec.eia !== spec.normal ? 'EIA: ' : ''}${days} days (${basis})`;
  if (holidays)
    why += eia
      ? ', public holidays disregarded (as for the DMPO periods; the rules file leaves the EIA periods unverified, and disregarding them gives the later date)'
      : ', public holidays disregarded';
  const heritage =
    options.heritage && (e.kind === 'press-advert' || e.kind === 'site-notice')
      ? {
          days: HERITAGE_DAYS,
          why: `no decision within 21 days of the ${e.kind === 'press-advert' ? 'newspaper' : 'site'} notice (LBCA Regs 1990 reg 5A as amended by SI 2010/568)`,
        }
      : undefined;
  return { days, holidays, why, ...(heritage ? { floor: heritage } : {}) };
}

/** The day on which the n-th counted day falls, counting from `first` (day 1) and skipping public holidays when
 *  asked; the holidays skipped, and whether every year counted through is covered by the holiday list. */
function countDays(first: number, n: number, holidays: boolean, calendar: HolidayCalendar) {
  const skipped: Array<{ iso: string; text: string }> = [];
  if (!holidays) return { end: first + n - 1, skipped, known: true };
  let known = true;
  let counted = 0;
  let day = first;
  for (;;) {
    const iso = fromDay(day);
    if (!covers(calendar, iso)) known = false;
    const name = publicHolidayName(iso, calendar);
    if (name) skipped.push({ iso, text: `${weekdayOf(day)} ${iso} (${name})` });
    else if (++counted === n) return { end: day, skipped, known };
    day++;
  }
}

/** One event's window: its length (EIA, PSI, the heritage rules), its first and last day, and why. */
function windowOf(e: PublicityEvent, day: number, options: WindowOptions): { w: Window; why: string } {
  const calendar = options.holidays ?? SHIPPED_CALENDAR;
  const len = lengthOf(e, options);
  let why = len.why;
  let first = day;
  let counted: ReturnType<typeof countDays>;
  if (e.kind === 'neighbour-letters' && (options.letters ?? 'event-date') === 'next-working-day') {
    first = toDay(nextWorkingDay(e.date, options.bankHolidays ?? []), 'date');
    // BOPS: closes N days after dispatch, so the day after dispatch is day 1
    counted = countDays(first + 1, len.days, len.holidays, calendar);
    why += `; posting assumed as BOPS does: dispatched the next working day (${weekdayOf(first)} ${fromDay(first)}), closing ${len.days} days after dispatch`;
  } else {
    counted = countDays(day, len.days, len.holidays, calendar);
    why += `, beginning with ${weekdayOf(day)} ${e.date} as day 1`;
  }
  if (counted.skipped.length) why += `; not counted: ${counted.skipped.map((s) => s.text).join(', ')}`;
  if (!counted.known)
    why += `; the holiday list (${calendar.source}) covers ${calendar.firstYear}–${calendar.lastYear} only, so bank holidays outside those years are not known and the window may end later`;
  let end = counted.end;
  const known = counted.known;
  if (len.floor && day + len.floor.days - 1 > end) {
    end = day + len.floor.days - 1;
    why += `; ${len.floor.days} days: ${len.floor.why}, longer than that`;
  }
  const w: Window = {
    kind: e.kind,
    date: e.date,
    windowDays: len.floor ? Math.max(len.days, len.floor.days) : len.days,
    holidaysDisregarded: len.holidays,
    holidaysNotCounted: counted.skipped.map((s) => s.iso),
    endKnown: known,
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

/** The windows as returned, and the earliest decision date: the day after the last window closes (not known when a
 *  window that governs counts through a year the holiday list does not cover). */
function earliestDecision(windows: Window[], byKind: KindWindow[], calendar: HolidayCalendar): RepresentationWindows {
  const events = windows.map(({ end: _end, ...w }) => w);
  if (!windows.length)
    return {
      events,
      byKind,
      earliestDecisionDate: null,
      earliestDecisionDateAtLeast: null,
      because: 'No publicity has been recorded yet.',
    };
  const last = windows.reduce((a, b) => (b.end > a.end ? b : a));
  const decision = last.end + 1;
  const unknown = windows.filter((w) => !w.superseded && !w.endKnown);
  if (unknown.length)
    return {
      events,
      byKind,
      earliestDecisionDate: null,
      earliestDecisionDateAtLeast: fromDay(decision),
      because: `The earliest decision date is not known: the ${unknown.map((w) => `${EVENT_NAME[w.kind]} of ${w.date}`).join(' and ')} counts through a year whose bank holidays Redline does not have (its list, ${calendar.source}, covers ${calendar.firstYear}–${calendar.lastYear}; refresh it with holidays:refresh). It is no earlier than ${weekdayOf(decision)} ${fromDay(decision)}.`,
    };
  const dow = new Date(decision * DAY_MS).getUTCDay();
  return {
    events,
    byKind,
    earliestDecisionDate: fromDay(decision),
    earliestDecisionDateAtLeast: fromDay(decision),
    because:
      `The last window to close is the ${EVENT_NAME[last.kind]} of ${last.date} (last day ${last.lastDay}), so the earliest decision date is the day after: ${weekdayOf(decision)} ${fromDay(decision)}.` +
      (dow === 0 || dow === 6 ? ' Weekends do not extend statutory periods.' : ''),
  };
}
