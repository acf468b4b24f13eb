/** notify_outbox: the recording notifier's messages (personal data: read by tests and operators only). */
import type { Knex } from 'knex';
import type { NotifyMessage } from './index.ts';

export interface OutboxRow {
  id: string;
  template: string;
  to: string;
  personalisation: Record<string, string>;
  reference: string | null;
  unsubscribeUrl: string | null;
  createdAt: Date;
}

export async function insertOutbox(db: Knex, msg: NotifyMessage): Promise<{ id: string }> {
  const [row] = await db('notify_outbox')
    .insert({
      template: msg.template,
      to_address: msg.to,
      personalisation: JSON.stringify(msg.personalisation),
      reference: msg.reference ?? null,
      unsubscribe_url: msg.unsubscribeUrl ?? null,
    })
    .returning<Array<{ id: string }>>('id');
  return { id: row!.id };
}

/** The recorded messages, oldest first (optionally one template's). */
export async function listOutbox(db: Knex, template?: string): Promise<OutboxRow[]> {
  const q = db('notify_outbox').orderBy('created_at').orderBy('id');
  if (template) q.where({ template });
  const rows = await q.select<
    Array<{
      id: string;
      template: string;
      to_address: string;
      personalisation: Record<string, string>;
      reference: string | null;
      unsubscribe_url: string | null;
      created_at: Date;
    }>
  >('*');
  return rows.map((r) => ({
    id: r.id,
    template: r.template,
    to: r.to_address,
    personalisation: r.personalisation,
    reference: r.reference,
    unsubscribeUrl: r.unsubscribe_url,
    createdAt: r.created_at,
  }));
}
