/** audit_log writer. Rows are append-only (the database refuses UPDATE, DELETE and TRUNCATE). */
import type { Knex } from 'knex';

export interface Actor {
  id: number | null;
  username: string;
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  entityType:
    | 'case'
    | 'case_site'
    | 'case_party'
    | 'user'
    | 'api_token'
    | 'layer'
    | 'authority'
    | 'constraint_check'
    | 'constraint_hit'
    | 'notification_run'
    | 'address'
    | 'property'
    | 'document'
    | 'document_template';
  entityId: string | number | null;
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export async function writeAudit(db: Knex | Knex.Transaction, e: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    actor_id: e.actor.id,
    actor: e.actor.username,
    action: e.action,
    entity_type: e.entityType,
    entity_id: e.entityId === null ? null : String(e.entityId),
    before: e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === undefined ? null : JSON.stringify(e.after),
    request_id: e.requestId ?? null,
  });
}

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
