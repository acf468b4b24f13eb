/** Publicity event storage (knex). Only this file knows the layout of publicity_event; case rows are read through
 *  server/modules/cases/repo.ts and stored constraint checks through server/modules/constraints/repo.ts. A
 *  correction is a new row superseding the old one (never an update of it); voiding fills the void columns once. */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

/** What an event of each kind records besides its kind and date (null: not applicable or not recorded). */
export interface EventFields {
  /** 'YYYY-MM-DD' */
  date: string;
  eia: boolean | null;
  notes: string | null;
  newspaper: string | null;
  /** 'YYYY-MM-DD' */
  editionDate: string | null;
  noticeCount: number | null;
  places: string[] | null;
  letterCount: number | null;
  runId: number | null;
}

export interface PublicityEventRow extends EventFields {
  id: number;
  kind: 'site-notice' | 'neighbour-letters' | 'press-advert' | 'website' | 'owner-notice';
  documentId: number | null;
  /** the event this one corrects */
  supersedes: number | null;
  correctionReason: string | null;
  /** the correction of this event, when it has one */
  supersededBy: number | null;
  voidedAt: Date | null;
  voidedBy: string | null;
  voidReason: string | null;
  recordedBy: string | null;
  recordedAt: Date;
}

const COLUMNS = [
  'e.id',
  'e.kind',
  'e.date',
  'e.eia',
  'e.notes',
  'e.newspaper',
  'e.edition_date as editionDate',
  'e.notice_count as noticeCount',
  'e.places',
  'e.letter_count as letterCount',
  'e.run_id as runId',
  'e.document_id as documentId',
  'e.supersedes',
  'e.correction_reason as correctionReason',
  'n.id as supersededBy',
  'e.voided_at as voidedAt',
  'v.username as voidedBy',
  'e.void_reason as voidReason',
  'u.username as recordedBy',
  'e.created_at as recordedAt',
];

function events(db: Q) {
  return db('publicity_event as e')
    .leftJoin('app_user as u', 'u.id', 'e.created_by')
    .leftJoin('app_user as v', 'v.id', 'e.voided_by')
    .leftJoin('publicity_event as n', 'n.supersedes', 'e.id');
}

/** Every event of a case ever recorded (corrected and voided ones too) in date order, then the order recorded. */
export async function listEvents(db: Q, caseId: number): Promise<PublicityEventRow[]> {
  return events(db).where({ 'e.case_id': caseId }).orderBy(['e.date', 'e.id']).select(COLUMNS);
}

/** One event of a case, locked for the rest of the transaction (so a correction and a void cannot cross). */
export async function lockEvent(trx: Knex.Transaction, caseId: number, id: number): Promise<PublicityEventRow | null> {
  const locked = await trx('publicity_event').where({ case_id: caseId, id }).forUpdate().first('id');
  if (!locked) return null;
  return (await events(trx).where({ 'e.id': id }).first(COLUMNS)) ?? null;
}

export interface NewPublicityEvent extends EventFields {
  caseId: number;
  kind: PublicityEventRow['kind'];
  documentId: number | null;
  supersedes: number | null;
  correctionReason: string | null;
  createdBy: number | null;
}

/** Stores an event (or a correction of one); returns it as listEvents does. */
export async function insertEvent(db: Q, e: NewPublicityEvent): Promise<PublicityEventRow> {
  const [row] = await db('publicity_event')
    .insert({
      case_id: e.caseId,
      kind: e.kind,
      date: e.date,
      eia: e.eia,
      notes: e.notes,
      newspaper: e.newspaper,
      edition_date: e.editionDate,
      notice_count: e.noticeCount,
      places: e.places,
      letter_count: e.letterCount,
      run_id: e.runId,
      document_id: e.documentId,
      supersedes: e.supersedes,
      correction_reason: e.correctionReason,
      created_by: e.createdBy,
    })
    .returning(['id']);
  return (await events(db).where({ 'e.id': row.id }).first(COLUMNS)) as PublicityEventRow;
}

/** Marks an event void (once: a voided event is not voided again). True when it was marked. */
export async function voidEvent(db: Q, id: number, v: { voidedBy: number | null; reason: string }): Promise<boolean> {
  const n = await db('publicity_event')
    .where({ id })
    .whereNull('voided_at')
    .update({ voided_at: db.fn.now(), voided_by: v.voidedBy, void_reason: v.reason });
  return n === 1;
}
