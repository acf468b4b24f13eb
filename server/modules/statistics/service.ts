/**
 * Statistics (issue 15 items 4–5): the PS1 and PS2 returns and the designation measures computed from the cases
 * (rules in shared/domain/statistics/), as JSON and CSV, and the weekly list of applications received, validated
 * and decided (CSV and PDF).
 */
import type { Knex } from 'knex';
import {
  designationMeasures,
  monthsEndingWithQuarter,
  parseIsoWeek,
  parseQuarter,
  longDate,
  ps1Return,
  ps2Return,
  DESIGNATION,
  type Designation,
  type Ps1Return,
  type Ps2Return,
} from '../../../shared/domain/statistics/index.ts';
import { APPLICATION_TYPES } from '../../../shared/domain/cases.ts';
import { writePdf } from '../../documents/pdf.ts';
import type { Block } from '../../../shared/domain/documents.ts';
import { toCsv } from './csv.ts';
import * as repo from './repo.ts';

export interface StatisticsService {
  db: Knex;
  authorityId: number;
}

/** Today in Europe/London as YYYY-MM-DD. */
export const londonToday = () => new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

export async function ps2(svc: StatisticsService, quarter: string): Promise<Ps2Return> {
  const p = parseQuarter(quarter);
  return ps2Return(await repo.statCases(svc.db, svc.authorityId, p), p);
}

export async function ps1(svc: StatisticsService, quarter: string): Promise<Ps1Return> {
  const p = parseQuarter(quarter);
  return ps1Return(await repo.statCases(svc.db, svc.authorityId, p), p);
}

export async function designation(
  svc: StatisticsService,
  toQuarter: string,
  speedMonths: 12 | 24,
  asOf = londonToday(),
): Promise<Designation> {
  parseQuarter(toQuarter, 'to');
  const widest = monthsEndingWithQuarter(toQuarter, Math.max(speedMonths, DESIGNATION.qualityMonths));
  return designationMeasures(await repo.statCases(svc.db, svc.authorityId, widest), toQuarter, asOf, speedMonths);
}

export function ps2Csv(r: Ps2Return): string {
  const rows = r.rows.map((x) => [
    x.line,
    x.name,
    x.total,
    x.granted,
    x.refused,
    x.otherOutcome,
    x.withinStatutory,
    x.withinAgreed,
    x.late,
    x.timeUnknown,
  ]);
  const t = r.total;
  rows.push([
    'total',
    'All lines',
    t.total,
    t.granted,
    t.refused,
    t.otherOutcome,
    t.withinStatutory,
    t.withinAgreed,
    t.late,
    t.timeUnknown,
  ]);
  return toCsv(
    [
      'line',
      'development_type',
      'decisions',
      'granted',
      'refused',
      'other_outcome',
      'within_statutory_period',
      'within_agreed_time',
      'late',
      'time_unknown',
    ],
    rows,
  );
}

export function ps1Csv(r: Ps1Return): string {
  return toCsv(
    ['section', 'measure', 'label', 'count'],
    r.rows.map((x) => [x.section, x.measure, x.label, x.count]),
  );
}

export function designationCsv(d: Designation): string {
  const rows: unknown[][] = [];
  for (const s of d.speed)
    rows.push([
      'speed',
      s.group,
      s.period.from,
      s.period.to,
      '',
      s.decisions,
      s.inTime,
      s.timeUnknown,
      s.percent,
      `>= ${s.threshold}`,
      s.meets === null ? 'unknown' : s.meets ? 'meets' : 'below threshold',
      '',
    ]);
  for (const q of d.quality)
    rows.push([
      'quality',
      q.group,
      q.period.from,
      q.period.to,
      q.appealsCountedTo,
      q.decisions,
      q.overturned,
      '',
      q.percent,
      `<= ${q.threshold}`,
      q.underPerforming === null ? 'unknown' : q.underPerforming ? 'under-performing' : 'meets',
      q.provisional ? 'provisional' : 'final',
    ]);
  return toCsv(
    [
      'measure',
      'group',
      'period_from',
      'period_to',
      'appeals_counted_to',
      'decisions',
      'in_time_or_overturned',
      'time_unknown',
      'percent',
      'threshold',
      'result',
      'status',
    ],
    rows,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The weekly list
// ---------------------------------------------------------------------------------------------------------------

export const WEEKLY_LISTS = [
  { key: 'received', title: 'Applications received', date: 'receivedDate' },
  { key: 'validated', title: 'Applications validated', date: 'validDate' },
  { key: 'decided', title: 'Applications decided', date: 'decisionDate' },
] as const;

const typeNames = new Map(APPLICATION_TYPES.map((t) => [t.reference, t.name]));
const humanise = (s: string | null) => (s ? s.charAt(0).toUpperCase() + s.slice(1).replace(/-/g, ' ') : '');

export interface WeeklyList {
  week: string;
  period: { from: string; to: string; label: string };
  lists: Array<{ key: string; title: string; items: Array<repo.WeeklyRow & { applicationTypeName: string }> }>;
}

export async function weeklyList(svc: StatisticsService, week: string): Promise<WeeklyList> {
  const period = parseIsoWeek(week);
  const rows = await repo.weeklyCases(svc.db, svc.authorityId, period);
  return {
    week,
    period,
    lists: WEEKLY_LISTS.map((l) => ({
      key: l.key,
      title: l.title,
      items: rows
        .filter((r) => {
          const d = r[l.date];
          return d !== null && d >= period.from && d <= period.to;
        })
        .map((r) => ({ ...r, applicationTypeName: typeNames.get(r.applicationType) ?? r.applicationType })),
    })),
  };
}

export function weeklyCsv(w: WeeklyList): string {
  return toCsv(
    [
      'list',
      'reference',
      'application_type',
      'site_address',
      'description',
      'received_date',
      'valid_date',
      'decision',
      'decision_date',
      'decision_maker',
      'officer',
    ],
    w.lists.flatMap((l) =>
      l.items.map((r) => [
        l.key,
        r.reference,
        r.applicationTypeName,
        r.siteAddress,
        r.description,
        r.receivedDate,
        r.validDate,
        r.decision,
        r.decisionDate,
        r.decisionMaker,
        r.officer,
      ]),
    ),
  );
}

/** The weekly list as a tagged PDF (report style): a heading per list, each application a list item. */
export async function weeklyPdf(w: WeeklyList, authority: string): Promise<{ pdf: Buffer; pages: number }> {
  const blocks: Block[] = [
    { type: 'h1', text: `Weekly list of planning applications` },
    { type: 'p', text: w.period.label },
  ];
  for (const l of w.lists) {
    blocks.push({ type: 'h2', text: `${l.title} (${l.items.length})` });
    if (!l.items.length) {
      blocks.push({ type: 'p', text: 'None this week.' });
      continue;
    }
    blocks.push({
      type: 'list',
      ordered: false,
      items: l.items.map((r) => ({
        label: '•',
        text:
          `${r.reference}: ` +
          [
            r.applicationTypeName,
            r.siteAddress,
            r.description,
            `Received ${longDate(r.receivedDate)}; ${r.validDate ? `valid ${longDate(r.validDate)}` : 'not yet valid'}`,
            r.decision
              ? `${humanise(r.decision)}${r.decisionDate ? ` ${longDate(r.decisionDate)}` : ''}${r.decisionMaker ? ` (${r.decisionMaker})` : ''}`
              : null,
            r.officer ? `Officer: ${r.officer}` : null,
          ]
            .filter(Boolean)
            .map((x) => String(x).replace(/\.$/, ''))
            .join('. ') +
          '.',
      })),
    });
  }
  return writePdf({
    title: `Weekly list ${w.week}`,
    author: authority,
    subject: 'Weekly list of planning applications received, validated and decided',
    keywords: w.week,
    style: 'report',
    sectionTags: false,
    sections: [{ blocks, footer: `${authority} · weekly list ${w.week}` }],
  });
}
