/** Each test file's own database, copied from the migrated template (see tests/setup/global.ts). */
import crypto from 'node:crypto';
import { inject } from 'vitest';
import type { Knex } from 'knex';
import { createDb } from '../../server/db/knex.ts';
import { ensureDatabase } from '../../server/db/embedded.ts';

export interface TestDb {
  /** the owner (superuser) connection: fixtures and checks */
  db: Knex;
  url: string;
  /** the serving role's URL (owns nothing; what the test apps run as) */
  servingUrl: string;
  authorityId: number;
  close(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDb> {
  const baseUrl = inject('pgBaseUrl');
  const name = `redline_test_${crypto.randomBytes(6).toString('hex')}`;
  await ensureDatabase(baseUrl, name, inject('templateDb'));
  const url = `${baseUrl}/${name}`;
  const db = createDb(url, 4);
  const { id } = await db('authority').where({ code: 'SWK' }).first('id');
  return {
    db,
    url,
    servingUrl: `${inject('pgServingBaseUrl')}/${name}`,
    authorityId: id,
    async close() {
      await db.destroy();
      const admin = createDb(`${baseUrl}/postgres`, 1);
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.destroy());
    },
  };
}
