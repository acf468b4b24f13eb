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

/** Seals committed, unsealed audit rows into the hash chain (audit_seal() in migration 0032, run as the owner);
 *  returns how many it sealed. */
export async function sealAudit(db: Knex, maxRows = 10_000): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>('SELECT audit_seal(?) AS n', [maxRows]);
  return Number(rows[0]!.n);
}

export interface ChainState {
  sealed: number;
  unsealed: number;
  /** the newest link: keep it somewhere else (the log has it) to notice rows removed from the end */
  head: { seq: number; id: number; hash: string } | null;
  /** the first link that does not hold, or null */
  broken: { seq: number; id: number; reason: 'changed' | 'missing-before' } | null;
}

/** Recomputes every link: each row's hash must be sha256(previous hash || its content), the sequence unbroken. */
export async function auditChainState(db: Knex): Promise<ChainState> {
  const { rows: links } = await db.raw<{ rows: Array<{ seq: number; id: number; step: number; ok: boolean }> }>(
    `SELECT seq, id, step, ok FROM (
       SELECT a.chain_seq AS seq, a.id,
              a.chain_seq - coalesce(lag(a.chain_seq) OVER w, 0) AS step,
              a.chain_hash = sha256(coalesce(lag(a.chain_hash) OVER w, decode(repeat('00', 32), 'hex'))
                                    || audit_log_content(a)) AS ok
         FROM audit_log a
        WHERE a.chain_seq IS NOT NULL
       WINDOW w AS (ORDER BY a.chain_seq)) v
      WHERE step <> 1 OR NOT ok
      ORDER BY seq
      LIMIT 1`,
  );
  const { rows: counts } = await db.raw<{
    rows: Array<{ sealed: number; unsealed: number; seq: number | null; id: number | null; hash: string | null }>;
  }>(
    `SELECT (SELECT count(*)::int FROM audit_log WHERE chain_seq IS NOT NULL) AS sealed,
            (SELECT count(*)::int FROM audit_log WHERE chain_seq IS NULL) AS unsealed,
            h.chain_seq AS seq, h.id, encode(h.chain_hash, 'hex') AS hash
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (SELECT chain_seq, id, chain_hash FROM audit_log WHERE chain_seq IS NOT NULL
                           ORDER BY chain_seq DESC LIMIT 1) h ON true`,
  );
  const c = counts[0]!;
  const b = links[0];
  return {
    sealed: c.sealed,
    unsealed: c.unsealed,
    head: c.seq === null ? null : { seq: Number(c.seq), id: Number(c.id), hash: c.hash! },
    broken: b
      ? { seq: Number(b.seq), id: Number(b.id), reason: Number(b.step) !== 1 ? 'missing-before' : 'changed' }
      : null,
  };
}

/** The newest sealed link. */
export async function auditChainHead(db: Knex): Promise<{ seq: number; hash: string } | null> {
  const row = (await db('audit_log')
    .whereNotNull('chain_seq')
    .orderBy('chain_seq', 'desc')
    .first('chain_seq as seq', db.raw("encode(chain_hash, 'hex') AS hash"))) as
    { seq: number; hash: string } | undefined;
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}
