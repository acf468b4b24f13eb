/** audit_log writer. Rows are append-only (the database refuses UPDATE, DELETE and TRUNCATE); the statements
 *  are in ./repo.ts. */
import type { Knex } from 'knex';
import { insertAudit } from './repo.ts';

export { listAudit } from './repo.ts';

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
    | 'document_template'
    | 'job'
    | 'comment'
    | 'alert_subscription'
    | 'enforcement_letter'
    | 'enforcement_letter_template'
    | 'database';
  entityId: string | number | null;
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export async function writeAudit(db: Knex | Knex.Transaction, e: AuditEntry): Promise<void> {
  await insertAudit(db, {
    actorId: e.actor.id,
    actor: e.actor.username,
    action: e.action,
    entityType: e.entityType,
    entityId: e.entityId === null ? null : String(e.entityId),
    before: e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === undefined ? null : JSON.stringify(e.after),
    requestId: e.requestId ?? null,
  });
}
