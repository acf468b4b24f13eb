/**
 * Public holidays in England (pure): the dated list of bank holidays shipped with Redline
 * (shared/domain/holidays/bank-holidays.json, in the shape of the GOV.UK file https://www.gov.uk/bank-holidays.json,
 * England and Wales division; sources and licence in SOURCES.md), its validation, and the calendar the publicity
 * rules count with.
 *
 * "Public holiday" (DMPO 2015 art. 2 as amended by SI 2018/119; RULES.md §2b) = Christmas Day, Good Friday, or a
 * bank holiday in England under the Banking and Financial Dealings Act 1971 (including substitute days). Christmas
 * Day (25 December, whatever the weekday) and Good Friday (from the date of Easter) are worked out for any year;
 * bank holidays only from the list, so a year the list does not cover is a year whose holidays Redline cannot know.
 */
import { z } from 'zod';
import shipped from './bank-holidays.json' with { type: 'json' };

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** One event of the GOV.UK file. */
export const BankHolidayEventSchema = z.object({
  title: z.string().min(1),
  date: z
    .string()
    .regex(ISO, 'must be a date (YYYY-MM-DD)')
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
    }, 'is not a calendar date'),
  notes: z.string(),
  bunting: z.boolean(),
});

/** The GOV.UK bank holidays file; only the England and Wales division is read (and required). */
export const BankHolidaysFileSchema = z
  .object({
    'england-and-wales': z.object({
      division: z.literal('england-and-wales'),
      events: z.array(BankHolidayEventSchema).min(1, 'must list at least one bank holiday'),
    }),
  })
  .passthrough();
export type BankHolidaysFile = z.infer<typeof BankHolidaysFileSchema>;
export type BankHolidayEvent = z.infer<typeof BankHolidayEventSchema>;

/** The bank holidays the rules count with, and the whole years the list covers (first to last year it lists). */
export interface HolidayCalendar {
  /** England and Wales bank holidays, 'YYYY-MM-DD', sorted, without duplicates */
  bankHolidays: readonly string[];
  firstYear: number;
  lastYear: number;
  /** where the list came from, for messages */
  source: string;
}

export function calendarOf(file: BankHolidaysFile, source: string): HolidayCalendar {
  const dates = [...new Set(file['england-and-wales'].events.map((e) => e.date))].sort();
  return {
    bankHolidays: dates,
    firstYear: Number(dates[0]!.slice(0, 4)),
    lastYear: Number(dates[dates.length - 1]!.slice(0, 4)),
    source,
  };
}

/** The list shipped in the repository (England and Wales, 2018–2028). */
export const SHIPPED_BANK_HOLIDAYS: BankHolidaysFile = BankHolidaysFileSchema.parse(shipped);
export const SHIPPED_CALENDAR: HolidayCalendar = calendarOf(
  SHIPPED_BANK_HOLIDAYS,
  'the list shipped with Redline (shared/domain/holidays/bank-holidays.json)',
);

/**
 * A refreshed file merged over the shipped one: for each year the refreshed file lists, its events replace the
 * shipped ones; years it does not list keep the shipped events (the GOV.UK file covers only a few years).
 */
export function mergeBankHolidays(base: BankHolidaysFile, refreshed: BankHolidaysFile): BankHolidaysFile {
  const years = new Set(refreshed['england-and-wales'].events.map((e) => e.date.slice(0, 4)));
  const events = [
    ...base['england-and-wales'].events.filter((e) => !years.has(e.date.slice(0, 4))),
    ...refreshed['england-and-wales'].events,
  ].sort((a, b) => a.date.localeCompare(b.date));
  return { 'england-and-wales': { division: 'england-and-wales', events } };
}

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm), as 'YYYY-MM-DD'. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Good Friday of a year: two days before Easter Sunday. */
export function goodFriday(year: number): string {
  const t = Date.parse(`${easterSunday(year)}T00:00:00Z`) - 2 * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** What a date is as a public holiday: its name, or null when it is not one. Christmas Day and Good Friday for any
 *  year; bank holidays from the calendar. Does not say whether the calendar covers the year (see `covers`). */
export function publicHolidayName(iso: string, calendar: HolidayCalendar): string | null {
  if (iso.slice(5) === '12-25') return 'Christmas Day';
  if (iso === goodFriday(Number(iso.slice(0, 4)))) return 'Good Friday';
  return calendar.bankHolidays.includes(iso) ? 'bank holiday' : null;
}

/** The calendar lists the bank holidays of the date's year. */
export const covers = (calendar: HolidayCalendar, iso: string) => {
  const y = Number(iso.slice(0, 4));
  return y >= calendar.firstYear && y <= calendar.lastYear;
};
