/** Query shapes of the statistics and report routes (zod). */
import { z } from 'zod';
import {
  QUARTER_PATTERN,
  WEEK_PATTERN,
  quarterOf,
  shiftQuarter,
  isoWeekOf,
} from '../../../shared/domain/statistics/periods.ts';
import { londonToday } from './service.ts';

/** The last complete quarter (Europe/London). */
export const lastQuarter = () => shiftQuarter(quarterOf(londonToday()), -1);
/** The ISO week before this one. */
export const lastWeek = () => {
  const d = new Date(`${londonToday()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 7);
  return isoWeekOf(d.toISOString().slice(0, 10));
};

const quarter = z.string().max(10).regex(QUARTER_PATTERN, 'must be a quarter like 2026-Q3');

export const QuarterQuery = z.object({ quarter: quarter.optional() }).strict();

export const DesignationQuery = z
  .object({
    /** the last quarter of the assessment period */
    to: quarter.optional(),
    /** speed over 24 months (2022 criteria) or 12 months (from 2025) */
    speedMonths: z.enum(['12', '24']).default('24'),
  })
  .strict();

export const WeeklyQuery = z
  .object({
    week: z.string().max(10).regex(WEEK_PATTERN, 'must be an ISO week like 2026-W48').optional(),
    format: z.enum(['csv', 'pdf', 'json']).optional(),
  })
  .strict();

export const StatisticsPageQuery = z
  .object({
    quarter: quarter.optional(),
    speedMonths: z.enum(['12', '24']).optional(),
  })
  .strip();
