/**
 * The weekly list (issue 15 item 5): applications received, validated and decided in an ISO week (Monday to Sunday),
 * as CSV, JSON and a tagged PDF, and its staff page. Week 2026-W48 is Monday 23 to Sunday 29 November 2026.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { readPdf } from '../helpers/pdf.ts';

let t: TestApp;
const refs: Record<string, string> = {};
beforeAll(async () => {
  t = await startTestApp();
  const make = async (key: string, body: Record<string, unknown>) => {
    const res = await t
      .as('officer')
      .post('/api/cases')
      .send({ kind: 'application', applicationType: 'hh', description: `Rear extension (${key})`, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    refs[key] = res.body.reference;
  };
  // received Monday 23 Nov (first day of the week)
  await make('recMon', { receivedDate: '2026-11-23', siteAddress: '1 High Street, Town' });
  // received Sunday 29 Nov (last day) and validated the same day: in two lists
  await make('recSunValid', { receivedDate: '2026-11-29', validDate: '2026-11-29' });
  // received Sunday 22 Nov (the week before): not received this week; validated Tue 24 Nov
  await make('validTue', { receivedDate: '2026-11-22', validDate: '2026-11-24' });
  // decided Friday 27 Nov; received long before
  await make('decidedFri', {
    receivedDate: '2026-09-01',
    validDate: '2026-09-02',
    decision: 'granted',
    decisionDate: '2026-11-27',
    decisionMaker: 'delegated',
    description: 'Loft conversion, "dormer", rear — with a comma',
  });
  // withdrawn Wednesday 25 Nov: listed as decided with its outcome
  await make('withdrawnWed', {
    receivedDate: '2026-10-01',
    status: 'withdrawn',
    decision: 'withdrawn',
    decisionDate: '2026-11-25',
  });
  // received Monday 30 Nov: the week after
  await make('nextWeek', { receivedDate: '2026-11-30' });
}, 120_000);
afterAll(async () => {
  await t.closeApp();
});

const EXPECTED = {
  received: ['recMon', 'recSunValid'],
  validated: ['recSunValid', 'validTue'],
  decided: ['decidedFri', 'withdrawnWed'],
};

describe('GET /api/reports/weekly-list', () => {
  it('CSV (the default): each list with its applications, boundaries inclusive', async () => {
    const res = await t.as('support').get('/api/reports/weekly-list?week=2026-W48').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'list,reference,application_type,site_address,description,received_date,valid_date,decision,decision_date,decision_maker,officer',
    );
    const got: Record<string, string[]> = { received: [], validated: [], decided: [] };
    for (const l of lines.slice(1)) {
      const [list, ref] = l.split(',');
      got[list!]!.push(Object.keys(refs).find((k) => refs[k] === ref)!);
    }
    for (const k of Object.keys(got)) got[k]!.sort();
    expect(got).toEqual(EXPECTED);
    expect(res.text).toContain('"Loft conversion, ""dormer"", rear — with a comma"');
  });
  it('.json and ?format=json agree', async () => {
    const a = (await t.as('officer').get('/api/reports/weekly-list.json?week=2026-W48').expect(200)).body;
    const b = (await t.as('officer').get('/api/reports/weekly-list?week=2026-W48&format=json').expect(200)).body;
    expect(a).toEqual(b);
    expect(a.period).toMatchObject({ from: '2026-11-23', to: '2026-11-29' });
    expect(a.lists.map((l: { items: unknown[] }) => l.items.length)).toEqual([2, 2, 2]);
  });
  it('PDF: a tagged PDF with one list item per row', async () => {
    const res = await t
      .as('officer')
      .get('/api/reports/weekly-list.pdf?week=2026-W48')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const doc = await readPdf(pdf);
    expect(doc.info.Title).toBe('Weekly list 2026-W48');
    const page = await doc.page(1);
    const items = JSON.stringify(page.tree).match(/"role":"LI"/g) ?? [];
    expect(items).toHaveLength(6); // 2 + 2 + 2 rows
    await doc.close();
    // and with poppler's pdftotext: every reference, the right number of times
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weekly-'));
    fs.writeFileSync(path.join(dir, 'w.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'w.pdf'), '-']).toString();
    fs.rmSync(dir, { recursive: true });
    expect(text).toContain('Applications received (2)');
    expect(text).toContain('Applications validated (2)');
    expect(text).toContain('Applications decided (2)');
    const times = (k: string) => text.split(refs[k]!).length - 1;
    expect(times('recSunValid')).toBe(2);
    expect(times('recMon')).toBe(1);
    expect(times('validTue')).toBe(1);
    expect(times('decidedFri')).toBe(1);
    expect(times('withdrawnWed')).toBe(1);
    expect(times('nextWeek')).toBe(0);
  });
  it('?format=pdf is the same document', async () => {
    const res = await t.as('officer').get('/api/reports/weekly-list?week=2026-W48&format=pdf').expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
  });
  it.each(['2026-W54', '2026-48', 'W48'])('refuses week=%s', async (w) => {
    const res = await t.as('officer').get(`/api/reports/weekly-list?week=${w}`).expect(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
  it('an empty week says none', async () => {
    const res = await t.as('officer').get('/api/reports/weekly-list.csv?week=2026-W10').expect(200);
    expect(
      res.text
        .replace(/^\ufeff/, '')
        .trimEnd()
        .split('\r\n'),
    ).toHaveLength(1);
  });
  it('needs an account', async () => {
    await t.anon.get('/api/reports/weekly-list?week=2026-W48').expect(401);
  });
});

describe('the staff page /staff/weekly-list', () => {
  it('lists the three tables and links to the PDF and CSV', async () => {
    const html = (await t.as('gis').get('/staff/weekly-list?week=2026-W48').expect(200)).text;
    expect(html).toContain('Applications received (2)');
    expect(html).toContain('Applications validated (2)');
    expect(html).toContain('Applications decided (2)');
    expect(html).toContain('href="/api/reports/weekly-list.pdf?week=2026-W48"');
    expect(html).toContain(refs.withdrawnWed!);
  });
  it('a wrong week: 400 and the error', async () => {
    const res = await t.as('officer').get('/staff/weekly-list?week=2026-W60').expect(400);
    expect(res.text).toContain('2026 has weeks 01 to 53');
  });
});
