/** The public holiday calendar the server counts publicity periods with: the file written by
 *  `npm run redline -- holidays:refresh --file bank-holidays.json` in the data folder (REDLINE_DATA_DIR, default
 *  data/; file bank-holidays.json, the GOV.UK shape), else the list shipped in shared/domain/holidays/. The file is
 *  re-read when it changes (by modification time). Sources and licence: shared/domain/holidays/SOURCES.md. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../config/index.ts';
import {
  BankHolidaysFileSchema,
  calendarOf,
  mergeBankHolidays,
  SHIPPED_BANK_HOLIDAYS,
  SHIPPED_CALENDAR,
  type BankHolidaysFile,
  type HolidayCalendar,
} from '../../../shared/domain/holidays/index.ts';
import { AppError } from '../../../shared/errors.ts';

export const HOLIDAYS_FILE = 'bank-holidays.json';

/** Where the refreshed list is stored: the same folder as the config's REDLINE_DATA_DIR (same default). */
export function holidaysPath(dataDir = process.env.REDLINE_DATA_DIR || path.join(repoRoot, 'data')): string {
  return path.join(path.resolve(dataDir), HOLIDAYS_FILE);
}

/** Validates a GOV.UK bank holidays file; a VALIDATION_FAILED error lists what is wrong and where. */
export function parseBankHolidays(json: unknown, where: string): BankHolidaysFile {
  const parsed = BankHolidaysFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw new AppError(
    'VALIDATION_FAILED',
    `${where} is not a GOV.UK bank holidays file: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    { issues },
  );
}

/** The GOV.UK file `holidays:refresh` reads when it is given no --file. */
export const GOV_UK_BANK_HOLIDAYS_URL = 'https://www.gov.uk/bank-holidays.json';

/** What a refresh changed in the England and Wales list: dates added, dates removed, dates whose title changed. */
export interface HolidayChanges {
  added: Array<{ date: string; title: string }>;
  removed: Array<{ date: string; title: string }>;
  retitled: Array<{ date: string; from: string; to: string }>;
}

function diffEvents(before: BankHolidaysFile, after: BankHolidaysFile): HolidayChanges {
  const map = (f: BankHolidaysFile) => new Map(f['england-and-wales'].events.map((e) => [e.date, e.title]));
  const b = map(before);
  const a = map(after);
  const changes: HolidayChanges = { added: [], removed: [], retitled: [] };
  for (const [date, title] of a) {
    const was = b.get(date);
    if (was === undefined) changes.added.push({ date, title });
    else if (was !== title) changes.retitled.push({ date, from: was, to: title });
  }
  for (const [date, title] of b) if (!a.has(date)) changes.removed.push({ date, title });
  for (const l of [changes.added, changes.removed, changes.retitled]) l.sort((x, y) => x.date.localeCompare(y.date));
  return changes;
}

/** The list in force as a file: the stored one (merged over the shipped list, so newer shipped years count), else
 *  the shipped one. */
function storedOrShipped(file: string): BankHolidaysFile {
  if (!fs.existsSync(file)) return SHIPPED_BANK_HOLIDAYS;
  return mergeBankHolidays(SHIPPED_BANK_HOLIDAYS, parseBankHolidays(JSON.parse(fs.readFileSync(file, 'utf8')), file));
}

/**
 * Validates `json`, merges it over the list in force (year by year: each year the file lists replaces that year;
 * older years, and years the file does not list, are kept) and writes it where the server reads it, all or nothing.
 * Says what changed. A file that does not validate changes nothing.
 */
export function storeBankHolidays(json: unknown, where: string, dataDir?: string) {
  const refreshed = parseBankHolidays(json, where);
  const file = holidaysPath(dataDir);
  const before = storedOrShipped(file);
  const merged = mergeBankHolidays(before, refreshed);
  const changes = diffEvents(before, merged);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(merged, null, 2) + '\n');
  fs.renameSync(tmp, file); // all or nothing
  cache = null;
  return { file, calendar: calendarOf(merged, file), refreshedYears: yearsOf(refreshed), changes };
}

const yearsOf = (f: BankHolidaysFile) => [...new Set(f['england-and-wales'].events.map((e) => e.date.slice(0, 4)))];

let cache: { file: string; mtimeMs: number; calendar: HolidayCalendar } | null = null;

/** The calendar in force: the refreshed file when there is one, else the shipped list. A refreshed file that no
 *  longer validates is an error (a wrong holiday list would give wrong dates), not a silent fallback. */
export function currentHolidayCalendar(dataDir?: string): HolidayCalendar {
  const file = holidaysPath(dataDir);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return SHIPPED_CALENDAR;
    throw e;
  }
  if (cache && cache.file === file && cache.mtimeMs === stat.mtimeMs) return cache.calendar;
  const calendar = calendarOf(parseBankHolidays(JSON.parse(fs.readFileSync(file, 'utf8')), file), file);
  cache = { file, mtimeMs: stat.mtimeMs, calendar };
  return calendar;
}
