/**
 * Staff pages (GOV.UK style, no JavaScript needed): the statistics (PS2, PS1, designation measures; each chart a
 * server-rendered SVG with its data table beside it) and the weekly list, with links to the CSV and PDF.
 *
 *   GET /staff/statistics?quarter=2026-Q3&speedMonths=24
 *   GET /staff/weekly-list?week=2026-W48
 */
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { AppError } from '../../../shared/errors.ts';
import {
  QUARTER_PATTERN,
  WEEK_PATTERN,
  longDate,
  parseQuarter,
  shiftQuarter,
  type Designation,
  type Ps1Return,
  type Ps2Return,
} from '../../../shared/domain/statistics/index.ts';
import { signedInPage } from '../staff/routes.ts';
import { barChart, COLOURS } from './charts.ts';
import { lastQuarter, lastWeek } from './schema.ts';
import * as svc from './service.ts';

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

export function statisticsPages(ctx: AppContext, views: Views) {
  const r = Router();
  const s: svc.StatisticsService = { db: ctx.db, authorityId: ctx.authorityId };
  const page = signedInPage();
  const staffOnly = (req: Request, res: Response) => {
    if ((PERMISSIONS.caseRead as readonly string[]).includes(req.user!.role)) return true;
    res.status(403);
    views.render(res, 'staff/error.njk', {
      title: 'You cannot do this',
      heading: 'You cannot do this',
      text: `Statistics are for the roles ${PERMISSIONS.caseRead.join(', ')}.`,
    });
    return false;
  };

  r.get('/staff/statistics', page, async (req, res) => {
    if (!staffOnly(req, res)) return;
    const asked = str(req.query.quarter);
    const errors: Array<{ text: string; href: string }> = [];
    let quarter = lastQuarter();
    if (asked) {
      if (QUARTER_PATTERN.test(asked)) quarter = asked;
      else errors.push({ text: 'Select a quarter like 2026-Q3', href: '#quarter' });
    }
    const speedMonths = str(req.query.speedMonths) === '12' ? 12 : 24;
    const [p2, p1, des] = await Promise.all([
      svc.ps2(s, quarter),
      svc.ps1(s, quarter),
      svc.designation(s, quarter, speedMonths),
    ]);
    const newest = lastQuarter();
    const quarters = Array.from({ length: 16 }, (_, i) => shiftQuarter(newest, 1 - i)).map((q) => ({
      value: q,
      text: `${q} (${parseQuarter(q).label})`,
      selected: q === quarter,
    }));
    if (!quarters.some((q) => q.selected))
      quarters.push({ value: quarter, text: `${quarter} (${parseQuarter(quarter).label})`, selected: true });
    if (errors.length) res.status(400);
    views.render(res, 'staff/statistics.njk', {
      title: `Planning statistics: ${quarter}`,
      navCurrent: 'statistics',
      quarter,
      period: p2.period,
      quarters,
      speedMonths,
      errors,
      ps2: p2,
      ps2Lines: p2.rows.filter((x) => x.total > 0),
      ps2Chart: ps2Chart(p2),
      ps1: p1,
      ps1Chart: ps1Chart(p1),
      des,
      designationChart: designationChart(des),
      query: `quarter=${quarter}`,
    });
  });

  r.get('/staff/weekly-list', page, async (req, res) => {
    if (!staffOnly(req, res)) return;
    const asked = str(req.query.week);
    let week = lastWeek();
    const errors: Array<{ text: string; href: string }> = [];
    if (asked) {
      if (WEEK_PATTERN.test(asked)) week = asked;
      else errors.push({ text: 'Enter a week like 2026-W48', href: '#week' });
    }
    let list;
    try {
      list = await svc.weeklyList(s, week);
    } catch (e) {
      if (!(e instanceof AppError) || e.status !== 400) throw e;
      errors.push({ text: e.message.replace(/^week: /, ''), href: '#week' });
      week = lastWeek();
      list = await svc.weeklyList(s, week);
    }
    if (errors.length) res.status(400);
    views.render(res, 'staff/weekly-list.njk', {
      title: `Weekly list: ${week}`,
      navCurrent: 'statistics',
      week,
      asked: asked || week,
      list,
      longDate,
      humanise: (v: string | null) => (v ? v.charAt(0).toUpperCase() + v.slice(1).replace(/-/g, ' ') : ''),
      errors,
    });
  });
  return r;
}

function ps2Chart(r: Ps2Return): string | null {
  const lines = r.rows.filter((x) => x.total > 0);
  if (!lines.length) return null;
  return barChart({
    id: 'ps2-chart',
    title: `PS2 decisions by development type, ${r.period.label}`,
    desc: `Stacked bars: for each development-type line with decisions, the decisions made within the statutory period, within an agreed extended time, late, and of unknown timeliness. The table below gives the numbers.`,
    series: [
      { name: 'Within statutory period', colour: COLOURS.green },
      { name: 'Within agreed time', colour: COLOURS.blue },
      { name: 'Late', colour: COLOURS.red },
      { name: 'Time unknown', colour: COLOURS.grey },
    ],
    bars: lines.map((x) => ({
      label: `${x.line} ${x.name}`,
      values: [x.withinStatutory, x.withinAgreed, x.late, x.timeUnknown],
    })),
  });
}

function ps1Chart(r: Ps1Return): string {
  const shown = ['received', 'decided', 'delegated', 'committee', 'withdrawn', 'on-hand'];
  return barChart({
    id: 'ps1-chart',
    title: `PS1 application volumes, ${r.period.label}`,
    desc: 'Bars: applications received, decided, decided under delegated powers, decided by committee, withdrawn, and on hand at the end of the quarter. The table below gives every PS1 count.',
    series: [{ name: 'Applications', colour: COLOURS.blue }],
    bars: r.rows
      .filter((x) => shown.includes(x.measure))
      .map((x) => ({ label: x.label.replace(/ \(.*\)$/, ''), values: [x.count] })),
  });
}

function designationChart(d: Designation): string {
  const bars = [
    ...d.speed.map((x) => ({
      label: `Speed, ${x.group} (threshold ${x.threshold}%)`,
      values: [x.percent ?? 0],
    })),
    ...d.quality.map((x) => ({
      label: `Quality, ${x.group} overturned (max ${x.threshold}%)`,
      values: [x.percent ?? 0],
    })),
  ];
  return barChart({
    id: 'designation-chart',
    title: `Designation measures for the assessment periods ending ${parseQuarter(d.toQuarter).label.replace(/^.* to /, '')}`,
    desc: 'Bars: the percentage of major and of non-major decisions made in time (speed; higher is better), and the percentage overturned at appeal (quality; lower is better). The table below gives the numbers, thresholds and periods.',
    series: [{ name: 'Percent', colour: COLOURS.purple }],
    bars,
    max: 100,
    unit: '%',
  });
}
