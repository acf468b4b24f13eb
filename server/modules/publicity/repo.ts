/** Publicity event storage (knex). Only this file knows the layout of publicity_event; case rows are read through
 *  server/modules/cases/repo.ts and stored constraint checks through server/modules/constraints/repo.ts. */
import type { Knex } from 'knex';

type Q = Knex | Knex.Transaction;

export interface PublicityEventRow {
  id: number;
  kind: 'site-notice' | 'neighbour-letters' | 'press-advert' | 'website' | 'owner-notice';
  /** 'YYYY-MM-DD' */
  date: string;
  eia: boolean | null;
  notes: string | null;
  recordedBy: string | null;
  recordedAt: Date;
}

/** A case's publicity events in date order (then the order they were recorded), with who recorded them. */
export async function listEvents(db: Q, caseId: number): Promise<PublicityEventRow[]> {
  return db('publicity_event as e')
    .leftJoin('app_user as u', 'u.id', 'e.created_by')
    .where({ 'e.case_id': caseId })
    .orderBy(['e.date', 'e.id'])
    .select('e.id', 'e.kind', 'e.date', 'e.eia', 'e.notes', 'u.username as recordedBy', 'e.created_at as recordedAt');
}

export interface NewPublicityEvent {
  caseId: number;
  kind: PublicityEventRow['kind'];
  date: string;
  eia: boolean | null;
  notes: string | null;
  createdBy: number | null;
}

/** Stores an event; returns id, kind, date, eia and notes as stored. */
export async function insertEvent(
  db: Q,
  e: NewPublicityEvent,
): Promise<Pick<PublicityEventRow, 'id' | 'kind' | 'date' | 'eia' | 'notes'>> {
  const [row] = await db('publicity_event')
    .insert({
      case_id: e.caseId,
      kind: e.kind,
      date: e.date,
      eia: e.eia,
      notes: e.notes,
      created_by: e.createdBy,
    })
    .returning(['id', 'kind', 'date', 'eia', 'notes']);
  return row;
}
