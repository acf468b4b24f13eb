/** The audit_log table: every statement of the audit module. Rows are append-only (the database refuses UPDATE,
 *  DELETE and TRUNCATE). */
import type { Knex } from 'knex';

export interface AuditRow {
  actorId: number | null;
  actor: string;
  action: string;
  entityType: string;
  entityId: string | null;
  /** JSON text, or null */
  before: string | null;
  after: string | null;
  requestId: string | null;
}

export async function insertAudit(db: Knex | Knex.Transaction, row: AuditRow): Promise<void> {
  await db('audit_log').insert({
    actor_id: row.actorId,
    actor: row.actor,
    action: row.action,
    entity_type: row.entityType,
    entity_id: row.entityId,
    before: row.before,
    after: row.after,
    request_id: row.requestId,
  });
}

/** The audit log, newest first, optionally for one entity type and id. */
export async function listAudit(
  db: Knex,
  f: { entityType?: string; entityId?: string; limit: number; offset: number },
) {
  const q = db('audit_log').orderBy('id', 'desc').limit(f.limit).offset(f.offset);
  if (f.entityType) q.where('entity_type', f.entityType);
  if (f.entityId) q.where('entity_id', f.entityId);
  return q.select(
    'id',
    'at',
    'actor_id as actorId',
    'actor',
    'action',
    'entity_type as entityType',
    'entity_id as entityId',
    'before',
    'after',
    'request_id as requestId',
  );
}
