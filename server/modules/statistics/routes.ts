/**
 * Statistics and reports API (staff: every role that reads cases).
 *
 *   GET /api/statistics/ps2[.csv]?quarter=2026-Q3            PS2: decisions by development type and speed
 *   GET /api/statistics/ps1[.csv]?quarter=2026-Q3            PS1: volumes, delegated, withdrawn, notices served
 *   GET /api/statistics/designation[.csv]?to=2026-Q3&speedMonths=24   speed and quality designation measures
 *   GET /api/reports/weekly-list[.csv|.pdf]?week=2026-W48[&format=csv|pdf|json]   received, validated, decided
 *
 * A quarter is a calendar quarter (Q3 = July to September); without one, the last complete quarter.
 */
import { Router, type Response } from 'express';
import type { AppContext } from '../../http/context.ts';
import type { Views } from '../../http/views.ts';
import { parseQuery } from '../../http/validate.ts';
import { requireRole } from '../auth/middleware.ts';
import { PERMISSIONS } from '../../../shared/roles.ts';
import { getAuthorityDetails } from '../authority/details.ts';
import { DesignationQuery, QuarterQuery, WeeklyQuery, lastQuarter, lastWeek } from './schema.ts';
import * as svc from './service.ts';
import { statisticsPages } from './pages.ts';

const sendCsv = (res: Response, name: string, body: string) =>
  res
    .type('text/csv; charset=utf-8')
    .attachment(name)
    .send('\ufeff' + body);

/** The API and the staff pages (./pages.ts). */
export function statisticsRoutes(ctx: AppContext, views: Views) {
  const r = Router();
  r.use(statisticsPages(ctx, views));
  const s: svc.StatisticsService = { db: ctx.db, authorityId: ctx.authorityId };
  const staff = requireRole(...PERMISSIONS.caseRead);

  for (const csv of [false, true]) {
    const ext = csv ? '.csv' : '';
    r.get(`/api/statistics/ps2${ext}`, staff, async (req, res) => {
      const quarter = parseQuery(QuarterQuery, req.query).quarter ?? lastQuarter();
      const out = await svc.ps2(s, quarter);
      if (csv) sendCsv(res, `ps2-${quarter}.csv`, svc.ps2Csv(out));
      else res.json({ quarter, ...out });
    });
    r.get(`/api/statistics/ps1${ext}`, staff, async (req, res) => {
      const quarter = parseQuery(QuarterQuery, req.query).quarter ?? lastQuarter();
      const out = await svc.ps1(s, quarter);
      if (csv) sendCsv(res, `ps1-${quarter}.csv`, svc.ps1Csv(out));
      else res.json({ quarter, ...out });
    });
    r.get(`/api/statistics/designation${ext}`, staff, async (req, res) => {
      const q = parseQuery(DesignationQuery, req.query);
      const to = q.to ?? lastQuarter();
      const out = await svc.designation(s, to, Number(q.speedMonths) as 12 | 24);
      if (csv) sendCsv(res, `designation-to-${to}.csv`, svc.designationCsv(out));
      else res.json(out);
    });
  }

  for (const ext of ['', '.csv', '.pdf', '.json'] as const) {
    r.get(`/api/reports/weekly-list${ext}`, staff, async (req, res) => {
      const q = parseQuery(WeeklyQuery, req.query);
      const format = ext ? ext.slice(1) : (q.format ?? 'csv');
      const week = q.week ?? lastWeek();
      const list = await svc.weeklyList(s, week);
      if (format === 'json') return res.json(list);
      if (format === 'csv') return sendCsv(res, `weekly-list-${week}.csv`, svc.weeklyCsv(list));
      const authority = await getAuthorityDetails(ctx.db, ctx.authorityId);
      const { pdf } = await svc.weeklyPdf(list, authority.name);
      res.type('application/pdf').setHeader('Content-Disposition', `inline; filename="weekly-list-${week}.pdf"`);
      res.send(pdf);
    });
  }
  return r;
}
