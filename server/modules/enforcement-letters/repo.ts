/** Enforcement letter templates and letters (knex). Rows of both tables are never changed (a trigger refuses it). */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export interface LetterTemplateRow {
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
    `INSERT INTO enforcement_letter_template (authority_id, kind, version, title, body)
     SELECT :authorityId, :kind, 1, :title, :body
     WHERE NOT EXISTS (SELECT 1 FROM enforcement_letter_template WHERE authority_id = :authorityId AND kind = :kind)
     ON CONFLICT (authority_id, kind, version) DO NOTHING`,
    { authorityId, kind, title, body },
  );
}

const templates = (db: Q, authorityId: number) =>
  db('enforcement_letter_template as t')
    .leftJoin('app_user as u', 'u.id', 't.created_by')
    .where('t.authority_id', authorityId);

export async function currentTemplate(
  db: Q,
  authorityId: number,
  kind: string,
): Promise<LetterTemplateRow | undefined> {
  return templates(db, authorityId).where('t.kind', kind).orderBy('t.version', 'desc').first(TEMPLATE_COLUMNS);
}

export async function templateVersions(db: Q, authorityId: number, kind: string): Promise<LetterTemplateRow[]> {
  return templates(db, authorityId).where('t.kind', kind).orderBy('t.version', 'desc').select(TEMPLATE_COLUMNS);
}

export async function currentTemplates(db: Q, authorityId: number): Promise<LetterTemplateRow[]> {
  return db
    .select('*')
    .from(
      templates(db, authorityId)
        .distinctOn('t.kind')
        .orderBy([{ column: 't.kind' }, { column: 't.version', order: 'desc' }])
        .select(TEMPLATE_COLUMNS)
        .as('cur'),
    )
    .orderBy('kind');
}

/** Serialises saves of one kind's template for one authority, inside the caller's transaction. */
export async function lockTemplateKind(trx: Knex.Transaction, authorityId: number, kind: string): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('enforcement_letter_template:' || ? || ':' || ?))`, [
    authorityId,
    kind,
  ]);
}

export async function insertTemplate(
  trx: Knex.Transaction,
  t: { authorityId: number; kind: string; version: number; title: string; body: string; createdBy: number | null },
): Promise<number> {
  const [row] = await trx('enforcement_letter_template')
    .insert({
      authority_id: t.authorityId,
      kind: t.kind,
      version: t.version,
      title: t.title,
      body: t.body,
      created_by: t.createdBy,
    })
    .returning('id');
  return row.id as number;
}

/** The case's parties of one role, with their personal details (never logged, never on a public route). */
export async function partiesOfRole(db: Q, caseId: number, role: string) {
  return db('case_party').where({ case_id: caseId, role }).orderBy('id').select<
    Array<{
      id: number;
      name: string | null;
      organisation: string | null;
      address: string | null;
      postcode: string | null;
    }>
  >('id', 'name', 'organisation', 'address', 'postcode');
}

export interface NewLetter {
  caseId: number;
  kind: string;
  templateId: number;
  templateVersion: number;
  recipientKind: 'complainant' | 'owner-occupier';
  partyId: number | null;
  title: string;
  pdf: Buffer;
  sha256: string;
  pages: number;
  personalData: boolean;
  details: Record<string, unknown>;
  createdBy: number;
}

export async function insertLetter(trx: Knex.Transaction, l: NewLetter): Promise<number> {
  const [row] = await trx('enforcement_letter')
    .insert({
      case_id: l.caseId,
      kind: l.kind,
      template_id: l.templateId,
      template_version: l.templateVersion,
      recipient_kind: l.recipientKind,
      party_id: l.partyId,
      title: l.title,
      pdf: l.pdf,
      sha256: l.sha256,
      bytes: l.pdf.length,
      pages: l.pages,
      personal_data: l.personalData,
      details: JSON.stringify(l.details),
      created_by: l.createdBy,
    })
    .returning('id');
  return row.id as number;
}

export interface LetterRow {
  id: number;
  caseId: number;
  kind: string;
  templateId: number;
  templateVersion: number;
  recipientKind: string;
  title: string;
  sha256: string;
  bytes: number;
  pages: number;
  personalData: boolean;
  details: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
}

const LETTER_COLUMNS = [
  'l.id',
  'l.case_id as caseId',
  'l.kind',
  'l.template_id as templateId',
  'l.template_version as templateVersion',
  'l.recipient_kind as recipientKind',
  'l.title',
  'l.sha256',
  'l.bytes',
  'l.pages',
  'l.personal_data as personalData',
  'l.details',
  'u.username as createdBy',
  'l.created_at as createdAt',
];

/** Letters of a case of the authority. */
const letters = (db: Q, authorityId: number, caseId: number) =>
  db('enforcement_letter as l')
    .join('case_record as c', 'c.id', 'l.case_id')
    .leftJoin('app_user as u', 'u.id', 'l.created_by')
    .where({ 'l.case_id': caseId, 'c.authority_id': authorityId });

export async function listLetters(db: Q, authorityId: number, caseId: number): Promise<LetterRow[]> {
  return letters(db, authorityId, caseId).orderBy('l.id', 'desc').select(LETTER_COLUMNS);
}

export async function findLetter(db: Q, authorityId: number, caseId: number, id: number) {
  return letters(db, authorityId, caseId).where('l.id', id).first<LetterRow | undefined>(LETTER_COLUMNS);
}

export async function letterPdf(db: Q, authorityId: number, caseId: number, id: number) {
  return letters(db, authorityId, caseId)
    .where('l.id', id)
    .first<{ pdf: Buffer; sha256: string; kind: string; personalData: boolean; reference: string } | undefined>(
      'l.pdf',
      'l.sha256',
      'l.kind',
      'l.personal_data as personalData',
      'c.reference',
    );
}
