/**
 * Issue 11, item 8: `npm run redline -- holidays:refresh` reads a GOV.UK bank holidays file (--file, offline here;
 * without it, https://www.gov.uk/bank-holidays.json), merges it over the list in force (years it lists replace those
 * years, older ones are kept), stores it in the data folder (REDLINE_DATA_DIR, a temporary folder here: the test
 * changes no tracked file), says what changed, and audits; a malformed file is refused with nothing changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config/index.ts';
import { currentHolidayCalendar } from '../../server/modules/publicity/holidays.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { runCli } from '../helpers/cli.ts';

const t: TestApp = await startTestApp();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-holidays-cli-'));
const stored = path.join(dataDir, 'bank-holidays.json');
const fixture = (name: string) => path.join(repoRoot, 'tests', 'fixtures', 'bank-holidays', name);
const shipped = path.join(repoRoot, 'shared', 'domain', 'holidays', 'bank-holidays.json');
const shippedBefore = fs.readFileSync(shipped, 'utf8');
afterAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  await t.closeApp();
});
const refresh = (file: string) => runCli(t.url, ['holidays:refresh', '--file', file], { REDLINE_DATA_DIR: dataDir });

describe('npm run redline -- holidays:refresh --file', () => {
  it('adds 2029 from a GOV.UK file, keeps the older years, says what changed, and audits', async () => {
    const r = await refresh(fixture('gov-uk-2028-2029.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('changed: 8 added, 0 removed, 0 renamed');
    expect(r.stdout).toContain('added    2029-12-25 Christmas Day');
    expect(r.stdout).toContain('added    2029-03-30 Good Friday');
    expect(r.stdout).not.toContain('2029-01-02'); // Scotland's, not England's
    expect(r.stdout).toContain(`stored in ${stored}`);
    const cal = currentHolidayCalendar(dataDir);
    expect([cal.firstYear, cal.lastYear]).toEqual([2018, 2029]);
    expect(cal.bankHolidays).toContain('2029-05-28');
    expect(cal.bankHolidays).toContain('2018-12-26'); // an older year, kept
    expect(cal.bankHolidays).toContain('2026-12-28'); // the substitute day for Boxing Day 2026, kept
    const audit = await t.db('audit_log').where({ action: 'bank-holidays.refresh' }).orderBy('id', 'desc').first();
    expect(audit.after.changes.added).toHaveLength(8);
    expect(audit.after.lastYear).toBe(2029);
    // the shipped list (a tracked file) is not touched
    expect(fs.readFileSync(shipped, 'utf8')).toBe(shippedBefore);
  });

  it('run again with the same file: no change, and the stored 2029 is kept', async () => {
    const before = fs.readFileSync(stored, 'utf8');
    const r = await refresh(fixture('gov-uk-2028-2029.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no change');
    expect(fs.readFileSync(stored, 'utf8')).toBe(before);
  });

  it('a later file without 2029 keeps the stored 2029 (older years are never dropped)', async () => {
    const only2028 = path.join(dataDir, 'only-2028.json');
    const f = JSON.parse(fs.readFileSync(fixture('gov-uk-2028-2029.json'), 'utf8'));
    f['england-and-wales'].events = f['england-and-wales'].events.filter((e: { date: string }) =>
      e.date.startsWith('2028'),
    );
    fs.writeFileSync(only2028, JSON.stringify(f));
    const r = await refresh(only2028);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('no change');
    expect(currentHolidayCalendar(dataDir).bankHolidays).toContain('2029-12-26');
  });

  it('refuses a malformed file with a clear error, changing nothing', async () => {
    const before = fs.readFileSync(stored, 'utf8');
    const audits = (await t.db('audit_log').where({ action: 'bank-holidays.refresh' })).length;
    const bad = await refresh(fixture('invalid-date.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a GOV.UK bank holidays file');
    expect(bad.stderr).toContain('england-and-wales.events.0.date: is not a calendar date');
    expect(bad.stderr).toContain('Nothing was changed');
    const truncated = await refresh(fixture('not-json.json'));
    expect(truncated.code).toBe(2);
    expect(truncated.stderr).toContain('cannot read it as JSON');
    const missing = await refresh(path.join(dataDir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read it');
    expect(fs.readFileSync(stored, 'utf8')).toBe(before);
    expect((await t.db('audit_log').where({ action: 'bank-holidays.refresh' })).length).toBe(audits);
  });
});
