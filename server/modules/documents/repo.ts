/** Document templates and documents (knex). Rows of both tables are never changed (a trigger refuses it). */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export interface TemplateRow {
  id: number;
  kind: string;
  version: number;
  title: string;
  body: string;
  createdBy: string | null;
  createdAt: Date;
}

const TEMPLATE_COLUMNS = [
  't.id',
  't.kind',
  't.version',
  't.title',
  't.body',
  'u.username as createdBy',
  't.created_at as createdAt',
];

/** Inserts version 1 of a kind for the authority when it has none (the default shipped with Redline). */
export async function insertDefaultTemplate(
  db: Q,
  authorityId: number,
  kind: string,
  title: string,
  body: string,
): Promise<void> {
  await db.raw(
    `INSERT INTO document_template (authority_id, kind, version, title, body)
     SELECT :authorityId, :kind, 1, :title, :body
     WHERE NOT EXISTS (SELECT 1 FROM document_template WHERE authority_id = :authorityId AND kind = :kind)
     ON CONFLICT (authority_id, kind, version) DO NOTHING`,
    { authorityId, kind, title, body },
  );
}

export async function currentTemplate(db: Q, authorityId: number, kind: string): Promise<TemplateRow | undefined> {
  return db('document_template as t')
    .leftJoin('app_user as u', 'u.id', 't.created_by')
    .where({ 't.authority_id': authorityId, 't.kind': kind })
    .orderBy('t.version', 'desc')
    .first(TEMPLATE_COLUMNS);
}

export async function templateVersions(db: Q, authorityId: number, kind: string): Promise<TemplateRow[]> {
  return db('document_template as t')
    .leftJoin('app_user as u', 'u.id', 't.created_by')
    .where({ 't.authority_id': authorityId, 't.kind': kind })
    .orderBy('t.version', 'desc')
    .select(TEMPLATE_COLUMNS);
}

export async function currentTemplates(db: Q, authorityId: number): Promise<TemplateRow[]> {
  return db
    .select('*')
    .from(
      db('document_template as t')
        .leftJoin('app_user as u', 'u.id', 't.created_by')
        .where('t.authority_id', authorityId)
        .distinctOn('t.kind')
        .orderBy([{ column: 't.kind' }, { column: 't.version', order: 'desc' }])
        .select(TEMPLATE_COLUMNS)
        .as('cur'),
    )
    .orderBy('kind');
}

/** Serialises saves of one kind's template for one authority, inside the caller's transaction. */
export async function lockTemplateKind(trx: Knex.Transaction, authorityId: number, kind: string): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('document_template:' || ? || ':' || ?))`, [authorityId, kind]);
}

export async function insertTemplate(
  trx: Knex.Transaction,
  row: { authorityId: number; kind: string; version: number; title: string; body: string; createdBy: number | null },
): Promise<number> {
  const [r] = await trx('document_template')
    .insert({
      authority_id: row.authorityId,
      kind: row.kind,
      version: row.version,
      title: row.title,
      body: row.body,
      created_by: row.createdBy,
    })
    .returning('id');
  return r.id as number;
}

export interface DocumentInsert {
  caseId: number;
  kind: string;
  templateId: number;
  templateVersion: number;
  runId: number | null;
  title: string;
  pdf: Buffer;
  sha256: string;
  pages: number;
  recipients: number | null;
  personalData: boolean;
  text: string | null;
  details: Record<string, unknown>;
  createdBy: number | null;
}

export async function insertDocument(trx: Knex.Transaction, d: DocumentInsert): Promise<number> {
  const [r] = await trx('document')
    .insert({
      case_id: d.caseId,
      kind: d.kind,
      template_id: d.templateId,
      template_version: d.templateVersion,
      run_id: d.runId,
      title: d.title,
      pdf: d.pdf,
      sha256: d.sha256,
      bytes: d.pdf.length,
      pages: d.pages,
      recipients: d.recipients,
      personal_data: d.personalData,
      text: d.text,
      details: JSON.stringify(d.details),
      created_by: d.createdBy,
    })
    .returning('id');
  return r.id as number;
}

export interface DocumentRow {
  id: number;
  caseId: number;
  kind: string;
  title: string;
  templateId: number;
  templateVersion: number;
  runId: number | null;
  pages: number;
  bytes: number;
  sha256: string;
  recipients: number | null;
  personalData: boolean;
  text: string | null;
  details: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
}

const DOCUMENT_COLUMNS = [
  'd.id',
  'd.case_id as caseId',
  'd.kind',
  'd.title',
  'd.template_id as templateId',
  'd.template_version as templateVersion',
  'd.run_id as runId',
  'd.pages',
  'd.bytes',
  'd.sha256',
  'd.recipients',
  'd.personal_data as personalData',
  'd.text',
  'd.details',
  'u.username as createdBy',
  'd.created_at as createdAt',
];

const documents = (db: Q, authorityId: number) =>
  db('document as d')
    .join('case_record as c', 'c.id', 'd.case_id')
    .leftJoin('app_user as u', 'u.id', 'd.created_by')
    .where('c.authority_id', authorityId);

export async function listDocuments(db: Q, authorityId: number, caseId: number): Promise<DocumentRow[]> {
  return documents(db, authorityId).where('d.case_id', caseId).orderBy('d.id', 'desc').select(DOCUMENT_COLUMNS);
}

export async function findDocument(
  db: Q,
  authorityId: number,
  caseId: number,
  id: number,
): Promise<DocumentRow | undefined> {
  return documents(db, authorityId).where({ 'd.case_id': caseId, 'd.id': id }).first(DOCUMENT_COLUMNS);
}

export async function documentPdf(
  db: Q,
  authorityId: number,
  caseId: number,
  id: number,
): Promise<(Pick<DocumentRow, 'kind' | 'sha256' | 'personalData'> & { pdf: Buffer; reference: string }) | undefined> {
  return documents(db, authorityId)
    .where({ 'd.case_id': caseId, 'd.id': id })
    .first('d.kind', 'd.sha256', 'd.personal_data as personalData', 'd.pdf', 'c.reference');
}

export async function latestRunId(db: Q, caseId: number): Promise<number | undefined> {
  const r = await db('notification_run').where({ case_id: caseId }).orderBy('id', 'desc').first('id');
  return r?.id;
}
