/** Interchange SQL. The exports read ONLY the public view public_application (sql/migrations/0018_public_register.sql)
 *  and the authority's code; the ODP import writes the fee of a case it has just created. */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

/** One published application in planning.data.gov.uk terms: WGS84 WKT and GeoJSON, the site's area in m². */
export interface ExportRow {
  id: number;
  reference: string;
  slug: string;
  applicationType: string;
  proposal: string;
  siteAddress: string | null;
  status: string;
  decision: string | null;
  decisionDate: string | null;
  receivedDate: string;
  entryDate: string;
  geometryWkt: string | null;
  pointWkt: string | null;
  geometryJson: string | null;
  areaM2: number | null;
}

/** A page of published applications after `afterId` (keyset paging by id: every row exactly once). */
export async function exportPage(db: Q, authorityId: number, afterId: number, limit: number): Promise<ExportRow[]> {
  const rows = await db
    .select<ExportRow[]>(
      'id',
      'reference',
      'slug',
      'application_type as applicationType',
      'proposal',
      'site_address as siteAddress',
      'status',
      'decision',
      db.raw(`to_char(decision_date, 'YYYY-MM-DD') AS "decisionDate"`),
      db.raw(`to_char(received_date, 'YYYY-MM-DD') AS "receivedDate"`),
      db.raw(`to_char(updated_at AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') AS "entryDate"`),
      db.raw(`ST_AsText(ST_Transform(site_geom, 4326), 7) AS "geometryWkt"`),
      db.raw(`ST_AsText(ST_Transform(point_geom, 4326), 7) AS "pointWkt"`),
      db.raw(`ST_AsGeoJSON(ST_Transform(site_geom, 4326), 7) AS "geometryJson"`),
      db.raw(`round(ST_Area(site_geom)::numeric, 2)::float8 AS "areaM2"`),
    )
    .from('public_application')
    .where('authority_id', authorityId)
    .andWhere('id', '>', afterId)
    .orderBy('id')
    .limit(limit);
  return rows;
}

export async function authorityCode(db: Q, authorityId: number): Promise<string | null> {
  const row = await db('authority').where({ id: authorityId }).first('code');
  return (row?.code as string | undefined) ?? null;
}

export interface CaseFee {
  calculated: number | null;
  payable: number | null;
  reference: string | null;
}

/** The fee of a case (migration 0029), written in the transaction that created it. */
export async function setFee(trx: Knex.Transaction, caseId: number, fee: CaseFee, submissionId: string | null) {
  await trx('case_record').where({ id: caseId }).update({
    fee_payable: fee.payable,
    fee_calculated: fee.calculated,
    fee_reference: fee.reference,
    odp_submission_id: submissionId,
  });
}

/** The case already imported from this ODP submission id, if any. */
export async function caseBySubmissionId(db: Q, authorityId: number, submissionId: string) {
  const row = await db('case_record')
    .where({ authority_id: authorityId, odp_submission_id: submissionId })
    .first('id', 'reference');
  return (row as { id: number; reference: string } | undefined) ?? null;
}
