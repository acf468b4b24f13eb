/**
 * Calendar date arithmetic for the publicity rules (pure): 'YYYY-MM-DD' dates as whole days since 1970-01-01, no
 * time zone and no clock. Public holidays are counted out of the DMPO windows in windows.ts (the calendar is in
 * shared/domain/holidays/); here they matter only for the optional BOPS letter-posting assumption (next working
 * day), and are then a list passed in (no network).
 * Rules file: shared/domain/publicity/RULES.md §2b (windows) and §6c (determination dates).
 */
import { AppError } from '../../errors.ts';

export const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { issues: [{ path: field, message }] });
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date; throws VALIDATION_FAILED for anything else (including 2026-02-30). */
export function toDay(iso: string, field: string): number {
  const m = ISO_DATE.exec(iso);
  if (!m) throw invalid(field, `'${iso}' is not a date (YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    throw invalid(field, `'${iso}' is not a calendar date`);
  return ms / DAY_MS;
}
export const fromDay = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const weekdayOf = (day: number) => WEEKDAYS[new Date(day * DAY_MS).getUTCDay()]!;

/** date + n calendar days. */
export function addDays(iso: string, n: number): string {
  return fromDay(toDay(iso, 'date') + n);
}

/** The first day after `iso` that is Monday–Friday and not in `bankHolidays`. */
export function nextWorkingDay(iso: string, bankHolidays: readonly string[] = []): string {
  const holidays = new Set(bankHolidays.map((h, i) => toDay(h, `bankHolidays[${i}]`)));
  let day = toDay(iso, 'date') + 1;
  for (;;) {
    const dow = new Date(day * DAY_MS).getUTCDay();
    if (dow !== 0 && dow !== 6 && !holidays.has(day)) return fromDay(day);
    day++;
  }
}
