/**
 * Reporting periods (pure): calendar quarters ('2026-Q3' = 1 July to 30 September 2026, the quarters the
 * government's "Planning applications in England" releases are published for), ISO 8601 weeks ('2026-W48', Monday
 * to Sunday) for the weekly list, and the months of a designation assessment period. Dates are 'YYYY-MM-DD'.
 */
import { AppError } from '../../errors.ts';
import { MONTHS, ukDate } from '../uk-dates.ts';

export interface Period {
  /** first day, inclusive */
  from: string;
  /** last day, inclusive */
  to: string;
  label: string;
}

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => Date.UTC(y, m, d);
/** the last day of month m (0-based) of year y */
const lastOfMonth = (y: number, m: number) => iso(utc(y, m + 1, 0));

function bad(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { issues: [{ path: field, message }] });
}

export const QUARTER_PATTERN = /^(\d{4})-Q([1-4])$/;

/** '2026-Q3' → 1 July 2026 to 30 September 2026. */
export function parseQuarter(q: string, field = 'quarter'): Period {
  const m = QUARTER_PATTERN.exec(q);
  if (!m) throw bad(field, `'${q}' is not a quarter like 2026-Q3`);
  const y = Number(m[1]);
  const n = Number(m[2]);
  if (y < 1990 || y > 2200) throw bad(field, 'must be a year from 1990 to 2200');
  const first = (n - 1) * 3;
  return {
    from: iso(utc(y, first, 1)),
    to: lastOfMonth(y, first + 2),
    label: `${MONTHS[first]} to ${MONTHS[first + 2]} ${y}`,
  };
}

/** The quarter a date falls in: '2026-07-01' → '2026-Q3'. */
export function quarterOf(date: string): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  return `${y}-Q${Math.floor((m - 1) / 3) + 1}`;
}

/** The quarter n quarters after q (n may be negative). */
export function shiftQuarter(q: string, n: number): string {
  const m = QUARTER_PATTERN.exec(q);
  if (!m) throw bad('quarter', `'${q}' is not a quarter like 2026-Q3`);
  const k = Number(m[1]) * 4 + Number(m[2]) - 1 + n;
  return `${Math.floor(k / 4)}-Q${(k % 4) + 1}`;
}

/** The `months` months that end with the last day of quarter q (a designation assessment period). */
export function monthsEndingWithQuarter(q: string, months: number): Period {
  const end = parseQuarter(q);
  const y = Number(end.to.slice(0, 4));
  const m = Number(end.to.slice(5, 7)) - 1;
  const from = iso(utc(y, m - months + 1, 1));
  return { from, to: end.to, label: `${longDate(from)} to ${longDate(end.to)} (${months} months)` };
}

/** The day `months` calendar months after a last-of-month date, kept at the end of the month. */
export function endOfMonthAfter(lastDay: string, months: number): string {
  const y = Number(lastDay.slice(0, 4));
  const m = Number(lastDay.slice(5, 7)) - 1;
  return lastOfMonth(y, m + months);
}

export const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

/** ISO 8601 week '2026-W48' → Monday 23 November 2026 to Sunday 29 November 2026. */
export function parseIsoWeek(w: string, field = 'week'): Period {
  const m = WEEK_PATTERN.exec(w);
  if (!m) throw bad(field, `'${w}' is not an ISO week like 2026-W48`);
  const y = Number(m[1]);
  const n = Number(m[2]);
  if (y < 1990 || y > 2200) throw bad(field, 'must be a year from 1990 to 2200');
  // week 1 is the week with 4 January in it
  const jan4 = utc(y, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  if (n < 1 || n > weeksInIsoYear(y)) throw bad(field, `${y} has weeks 01 to ${weeksInIsoYear(y)}`);
  const from = monday1 + (n - 1) * 7 * DAY;
  return {
    from: iso(from),
    to: iso(from + 6 * DAY),
    label: `Week ${n} of ${y}: Monday ${longDate(iso(from))} to Sunday ${longDate(iso(from + 6 * DAY))}`,
  };
}

/** 52 or 53: a year has 53 ISO weeks when 1 January or 31 December is a Thursday. */
export function weeksInIsoYear(y: number): number {
  const thu = (t: number) => new Date(t).getUTCDay() === 4;
  return thu(utc(y, 0, 1)) || thu(utc(y, 11, 31)) ? 53 : 52;
}

/** The ISO week a date falls in: '2026-11-23' → '2026-W48'. */
export function isoWeekOf(date: string): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday 0
  const thursday = t + (3 - dow) * DAY; // the week's Thursday decides its year
  const y = new Date(thursday).getUTCFullYear();
  const n = Math.floor((thursday - utc(y, 0, 1)) / (7 * DAY)) + 1;
  return `${y}-W${String(n).padStart(2, '0')}`;
}

/** '2026-07-01' → '1 July 2026'. */
export const longDate = (d: string): string => ukDate(d);

export const within = (d: string | null | undefined, p: { from: string; to: string }) =>
  typeof d === 'string' && d >= p.from && d <= p.to;
