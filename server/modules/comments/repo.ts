/** Comment storage (knex). Only this file knows the layout of table comment. Public reads go through the views
 *  public_application and public_comment only (sql/migrations/0018_public_register.sql, 0019_comments.sql). */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export type Stance = 'support' | 'object' | 'neutral';
export type CommentStatus = 'new' | 'published' | 'rejected';

/** What the comment page needs of a published application (from public_application only). */
export interface PublicApplicationRow {
  id: number;
  reference: string;
  slug: string;
  proposal: string;
  siteAddress: string | null;
  status: string;
  /** 'YYYY-MM-DD', null when the consultation end is not known */
  consultationEndDate: string | null;
}

export async function findPublicApplication(
  db: Q,
  authorityId: number,
  slug: string,
): Promise<PublicApplicationRow | null> {
  const row = await db('public_application')
    .where({ authority_id: authorityId, slug })
    .first(
      'id',
      'reference',
      'slug',
      'proposal',
      'site_address as siteAddress',
      'status',
      'consultation_end_date as consultationEndDate',
    );
  return (row as PublicApplicationRow | undefined) ?? null;
}

/** A published comment as the public may see it: the (redacted) text and the street, nothing else. */
export interface PublicCommentRow {
  id: number;
  stance: Stance;
  text: string;
  street: string | null;
  publishedAt: Date;
}

export async function listPublicComments(db: Q, applicationId: number): Promise<PublicCommentRow[]> {
  return db('public_comment')
    .where({ application_id: applicationId })
    .orderBy([
      { column: 'published_at', order: 'asc' },
      { column: 'id', order: 'asc' },
    ])
    .select('id', 'stance', 'text', 'street', 'published_at as publishedAt');
}

export interface NewComment {
  caseId: number;
  authorityId: number;
  name: string;
  address: string;
  postcode: string;
  email: string;
  stance: Stance;
  text: string;
  textHash: string;
  street: string | null;
  late: boolean;
  ipHash: string;
}

export async function insertComment(db: Q, c: NewComment): Promise<{ id: number; receivedAt: Date }> {
  const [row] = await db('comment')
    .insert({
      case_id: c.caseId,
      authority_id: c.authorityId,
      name: c.name,
      address: c.address,
      postcode: c.postcode,
      email: c.email,
      stance: c.stance,
      text: c.text,
      text_hash: c.textHash,
      street: c.street,
      late: c.late,
      ip_hash: c.ipHash,
    })
    .returning(['id', 'received_at as receivedAt']);
  return row as { id: number; receivedAt: Date };
}

/** Whether the same text was already sent on this application by the same email address or from the same client. */
export async function duplicateExists(
  db: Q,
  caseId: number,
  textHash: string,
  email: string,
  ipHash: string,
): Promise<boolean> {
  const row = await db('comment')
    .where({ case_id: caseId, text_hash: textHash })
    .andWhere((q) => q.whereRaw('lower(email) = ?', [email.toLowerCase()]).orWhere({ ip_hash: ipHash }))
    .first('id');
  return Boolean(row);
}

/** Holds, to the end of the transaction, the right to store this text on this application. */
export async function lockCommentText(trx: Knex.Transaction, caseId: number, textHash: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`comment:${caseId}:${textHash}`]);
}

export async function markAcknowledged(db: Q, id: number): Promise<void> {
  await db('comment').where({ id }).update({ ack_sent_at: db.fn.now() });
}

/** The streets of the addresses at a postcode (first address line), for a commenter whose address names none. */
export async function addressLinesAtPostcode(db: Q, authorityId: number, postcode: string): Promise<string[][]> {
  const rows = await db('address')
    .where((q) => q.where({ authority_id: authorityId }).orWhereNull('authority_id'))
    .andWhereRaw("upper(replace(postcode, ' ', '')) = ?", [postcode.replace(/\s+/g, '').toUpperCase()])
    .limit(200)
    .select('address_lines as lines');
  return rows.map((r: { lines: string[] }) => r.lines);
}

/** A case of this authority: its kind (null when there is none). */
export async function caseKind(db: Q, authorityId: number, caseId: number): Promise<string | null> {
  const row = await db('case_record').where({ id: caseId, authority_id: authorityId }).first('kind');
  return (row?.kind as string | undefined) ?? null;
}

/** A comment as staff see it (personal details included: the service drops them for roles that may not see them). */
export interface StaffCommentRow {
  id: number;
  caseId: number;
  name: string;
  address: string;
  postcode: string;
  email: string;
  stance: Stance;
  text: string;
  redactedText: string | null;
  street: string | null;
  status: CommentStatus;
  statusReason: string | null;
  statusChangedAt: Date | null;
  statusChangedBy: string | null;
  late: boolean;
  receivedAt: Date;
  publishedAt: Date | null;
  publishedBy: string | null;
  ackSentAt: Date | null;
}

const STAFF_COLUMNS = [
  'cm.id',
  'cm.case_id as caseId',
  'cm.name',
  'cm.address',
  'cm.postcode',
  'cm.email',
  'cm.stance',
  'cm.text',
  'cm.redacted_text as redactedText',
  'cm.street',
  'cm.status',
  'cm.status_reason as statusReason',
  'cm.status_changed_at as statusChangedAt',
  's.username as statusChangedBy',
  'cm.late',
  'cm.received_at as receivedAt',
  'cm.published_at as publishedAt',
  'p.username as publishedBy',
  'cm.ack_sent_at as ackSentAt',
];

const staffQuery = (db: Q) =>
  db('comment as cm')
    .leftJoin('app_user as s', 's.id', 'cm.status_changed_by')
    .leftJoin('app_user as p', 'p.id', 'cm.published_by')
    .select(STAFF_COLUMNS);

export async function listCaseComments(db: Q, caseId: number): Promise<StaffCommentRow[]> {
  return staffQuery(db)
    .where('cm.case_id', caseId)
    .orderBy([
      { column: 'cm.received_at', order: 'asc' },
      { column: 'cm.id', order: 'asc' },
    ]);
}

export async function findCaseComment(
  db: Q,
  caseId: number,
  commentId: number,
  forUpdate = false,
): Promise<StaffCommentRow | null> {
  const q = staffQuery(db).where({ 'cm.case_id': caseId, 'cm.id': commentId });
  const row = await (forUpdate ? q.forUpdate('cm') : q).first();
  return (row as StaffCommentRow | undefined) ?? null;
}

export async function setCommentStatus(
  db: Q,
  id: number,
  change: { status: 'published' | 'rejected'; redactedText?: string | null; reason: string; userId: number },
  wasPublished: boolean,
): Promise<void> {
  const publish = change.status === 'published';
  await db('comment')
    .where({ id })
    .update({
      status: change.status,
      status_reason: change.reason,
      status_changed_at: db.fn.now(),
      status_changed_by: change.userId,
      ...(change.redactedText !== undefined ? { redacted_text: change.redactedText } : {}),
      // published_at keeps the first publication while the comment stays published
      ...(publish && !wasPublished ? { published_at: db.fn.now(), published_by: change.userId } : {}),
      ...(publish && wasPublished ? { published_by: change.userId } : {}),
      ...(!publish ? { published_at: null, published_by: null } : {}),
    });
}
