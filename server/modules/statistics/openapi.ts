/** The statistics and weekly-list routes in the OpenAPI document (server/http/openapi.ts spreads them into its
 *  paths). */
import { PERMISSIONS } from '../../../shared/roles.ts';

interface Helpers {
  staff: (roles: readonly string[]) => object;
  err: (description: string) => object;
  common: Record<string, object>;
}

export interface Param {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema: object;
}

const quarterParam = (name: string, description: string): Param => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string', pattern: '^\\d{4}-Q[1-4]$', example: '2026-Q3' },
});
const weekParam: Param = {
  name: 'week',
  in: 'query',
  required: false,
  description: 'ISO 8601 week, Monday to Sunday (default: last week)',
  schema: { type: 'string', pattern: '^\\d{4}-W\\d{2}$', example: '2026-W48' },
};
const speedMonthsParam: Param = {
  name: 'speedMonths',
  in: 'query',
  required: false,
  description: 'Speed over 24 months (the 2022 criteria, default) or 12 months (from 2025)',
  schema: { type: 'string', enum: ['12', '24'], default: '24' },
};
const csv = { content: { 'text/csv': { schema: { type: 'string' } } } };
const jsonObj = { content: { 'application/json': { schema: { type: 'object' } } } };

export function statisticsOpenApiPaths({ staff, err, common }: Helpers) {
  const tags = ['statistics'];
  const roles = staff(PERMISSIONS.caseRead);
  const quarter = quarterParam('quarter', 'Calendar quarter (Q3 = July to September); default: the last complete one');
  const bad = { '400': err('A quarter, week or speedMonths that is not one (VALIDATION_FAILED)') };
  const op = (summary: string, parameters: Param[], ok: object) => ({
    get: { tags, summary, ...roles, parameters, responses: { '200': ok, ...bad, ...common } },
  });
  const ps2 =
    'PS2: decisions by development-type line (Q01–Q27), granted/refused, within the statutory period, within agreed time, late';
  const ps1 =
    'PS1: applications received, decided, delegated, committee, withdrawn, on hand; PPAs, EoTs; notices served';
  const des = 'Designation measures: speed (majors ≥ 60%, non-majors ≥ 70%) and quality (overturned at appeal ≤ 10%)';
  const to = quarterParam('to', 'The last quarter of the assessment periods; default: the last complete one');
  const weekly = 'The weekly list: applications received, validated and decided in an ISO week';
  const format: Param = {
    name: 'format',
    in: 'query',
    required: false,
    schema: { type: 'string', enum: ['csv', 'pdf', 'json'], default: 'csv' },
  };
  const pdf = {
    description: 'Tagged PDF',
    content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
  };
  return {
    '/api/statistics/ps2': op(`${ps2} (JSON, with each case and why)`, [quarter], { description: 'PS2', ...jsonObj }),
    '/api/statistics/ps2.csv': op(`${ps2} (CSV)`, [quarter], { description: 'PS2 CSV', ...csv }),
    '/api/statistics/ps1': op(`${ps1} (JSON)`, [quarter], { description: 'PS1', ...jsonObj }),
    '/api/statistics/ps1.csv': op(`${ps1} (CSV)`, [quarter], { description: 'PS1 CSV', ...csv }),
    '/api/statistics/designation': op(`${des} (JSON)`, [to, speedMonthsParam], { description: 'Measures', ...jsonObj }),
    '/api/statistics/designation.csv': op(`${des} (CSV)`, [to, speedMonthsParam], { description: 'CSV', ...csv }),
    '/api/reports/weekly-list': op(`${weekly} (format: csv, pdf or json)`, [weekParam, format], {
      description: 'The list in the format asked for',
      content: { ...csv.content, ...pdf.content, ...jsonObj.content },
    }),
    '/api/reports/weekly-list.csv': op(`${weekly} (CSV)`, [weekParam, format], { description: 'CSV', ...csv }),
    '/api/reports/weekly-list.pdf': op(`${weekly} (PDF)`, [weekParam, format], pdf),
    '/api/reports/weekly-list.json': op(`${weekly} (JSON)`, [weekParam, format], { description: 'JSON', ...jsonObj }),
    '/staff/statistics': {
      get: {
        tags: ['pages'],
        summary: 'Staff: PS2, PS1 and designation charts with their tables, quarter chosen by a GET form (HTML)',
        parameters: [quarter, speedMonthsParam],
        responses: { '200': { description: 'HTML' }, '400': { description: 'Not a quarter (HTML)' } },
      },
    },
    '/staff/weekly-list': {
      get: {
        tags: ['pages'],
        summary:
          'Staff: the weekly list of applications received, validated and decided, with PDF and CSV links (HTML)',
        parameters: [weekParam],
        responses: { '200': { description: 'HTML' }, '400': { description: 'Not a week (HTML)' } },
      },
    },
  };
}
