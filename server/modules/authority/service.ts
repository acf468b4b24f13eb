/** Settings an authority keeps: its Statement of Community Involvement policy and its map copyright line. Audited. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { AppError } from '../../../shared/errors.ts';
import { writeAudit, type Actor } from '../audit/audit.ts';
import { findAuthorityByCode, updateCopyright, updateSciPolicy, type AuthorityRow } from './repo.ts';

/** The authority's Statement of Community Involvement policy (shared/domain/publicity SciPolicy). */
export const SciPolicySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    lettersAlways: z.boolean().optional(),
    siteNoticeForMajors: z.boolean().optional(),
    pressForMajors: z.boolean().optional(),
    letterRadiusM: z.number().positive().max(1000).optional(),
  })
  .strict();

export async function getAuthority(db: Knex, code: string): Promise<AuthorityRow> {
  const row = await findAuthorityByCode(db, code);
  if (!row) throw new AppError('NOT_FOUND', `There is no authority ${code}.`);
  return row;
}

export async function setSciPolicy(db: Knex, actor: Actor, code: string, policy: z.infer<typeof SciPolicySchema>) {
  const before = await getAuthority(db, code);
  await db.transaction(async (trx) => {
    await updateSciPolicy(trx, before.id, policy);
    await writeAudit(trx, {
      actor,
      action: 'authority.sci.update',
      entityType: 'authority',
      entityId: before.id,
      before: before.sciPolicy,
      after: policy,
    });
  });
  return getAuthority(db, code);
}

export async function setCopyright(db: Knex, actor: Actor, code: string, text: string) {
  const before = await getAuthority(db, code);
  await db.transaction(async (trx) => {
    await updateCopyright(trx, before.id, text);
    await writeAudit(trx, {
      actor,
      action: 'authority.copyright.update',
      entityType: 'authority',
      entityId: before.id,
      before: { copyrightStatement: before.copyrightStatement },
      after: { copyrightStatement: text },
    });
  });
  return getAuthority(db, code);
}
