/** What the statistics read from the cases (knex). Only this file knows the columns. */
import type { Knex } from 'knex';
import type { StatCase } from '../../../shared/domain/statistics/types.ts';

interface Row {
  id: number;
  reference: string;
  kind: 'application' | 'enforcement';
  applicationType: string | null;
  development: StatCase['development'] | null;
  siteAreaM2: string | number | null;
  status: string;
  receivedDate: string;
  validDate: string | null;
  decision: string | null;
  decisionDate: string | null;
  decisionMaker: StatCase['decisionMaker'];
  extensionsOfTime: StatCase['extensionsOfTime'] | null;
  ppa: StatCase['ppa'];
  appeals: StatCase['appeals'] | null;
  noticesServed: StatCase['noticesServed'] | null;
}

/**
 * The cases a return for [from, to] can count: applications received by `to` and not decided before `from` (decided
 * in the period, on hand, or never decided: non-determination appeals), and enforcement cases with notices served.
 */
export async function statCases(db: Knex, authorityId: number, p: { from: string; to: string }): Promise<StatCase[]> {
  const rows = (await db('case_record as c')
    .leftJoin('case_site as s', function () {
      this.on('s.case_id', 'c.id').andOnNull('s.superseded_at');
    })
    .where('c.authority_id', authorityId)
    .where('c.received_date', '<=', p.to)
    .where((q) =>
      q
        .where((a) =>
          a
            .where('c.kind', 'application')
            .where((d) => d.whereNull('c.decision_date').orWhere('c.decision_date', '>=', p.from)),
        )
        .orWhere((e) => e.where('c.kind', 'enforcement').whereRaw("c.notices_served <> '[]'::jsonb")),
    )
    .orderBy('c.id')
    .select(
      'c.id',
      'c.reference',
      'c.kind',
      'c.application_type as applicationType',
      'c.development',
      's.area_m2 as siteAreaM2',
      'c.status',
      'c.received_date as receivedDate',
      'c.valid_date as validDate',
      'c.decision',
      'c.decision_date as decisionDate',
      'c.decision_maker as decisionMaker',
      'c.extensions_of_time as extensionsOfTime',
      'c.ppa',
      'c.appeals',
      'c.notices_served as noticesServed',
    )) as Row[];
  return rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    kind: r.kind,
    applicationType: r.applicationType,
    development: r.development ?? {},
    ...(r.siteAreaM2 !== null ? { siteAreaHa: Number(r.siteAreaM2) / 10_000 } : {}),
    status: r.status,
    receivedDate: r.receivedDate,
    validDate: r.validDate,
    decision: r.decision,
    decisionDate: r.decisionDate,
    decisionMaker: r.decisionMaker,
    extensionsOfTime: r.extensionsOfTime ?? [],
    ppa: r.ppa,
    appeals: r.appeals ?? [],
    noticesServed: r.noticesServed ?? [],
  }));
}

export interface WeeklyRow {
  id: number;
  reference: string;
  applicationType: string;
  siteAddress: string | null;
  description: string;
  receivedDate: string;
  validDate: string | null;
  decision: string | null;
  decisionDate: string | null;
  decisionMaker: string | null;
  officer: string | null;
}

/** Applications with a received, valid or decision date in [from, to] (the weekly list). */
export async function weeklyCases(
  db: Knex,
  authorityId: number,
  p: { from: string; to: string },
): Promise<WeeklyRow[]> {
  const inWeek = (col: string) => (q: Knex.QueryBuilder) => q.whereBetween(col, [p.from, p.to]);
  return (await db('case_record as c')
    .leftJoin('app_user as u', 'u.id', 'c.officer_id')
    .where({ 'c.authority_id': authorityId, 'c.kind': 'application' })
    .where((q) => q.where(inWeek('c.received_date')).orWhere(inWeek('c.valid_date')).orWhere(inWeek('c.decision_date')))
    .orderBy('c.reference')
    .select(
      'c.id',
      'c.reference',
      'c.application_type as applicationType',
      'c.site_address as siteAddress',
      'c.description',
      'c.received_date as receivedDate',
      'c.valid_date as validDate',
      'c.decision',
      'c.decision_date as decisionDate',
      'c.decision_maker as decisionMaker',
      db.raw('coalesce(u.display_name, u.username) as officer'),
    )) as WeeklyRow[];
}
