/** The real app on a test file's own database, with a signed-in API token for each role. */
import type { Express } from 'express';
import request from 'supertest';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { createLogger } from '../../server/logger.ts';
import { intakeOptions } from '../../server/http/context.ts';
import { createToken, createUser, type User } from '../../server/modules/users/service.ts';
import { ROLES, type Role } from '../../shared/roles.ts';
import { freshDatabase, type TestDb } from './db.ts';
import { createDb } from '../../server/db/knex.ts';
import type { Knex } from 'knex';

export interface TestApp extends TestDb {
  app: Express;
  users: Record<Role, User>;
  tokens: Record<Role, string>;
  /** supertest with the role's bearer token */
  as(role: Role): {
    get: (u: string) => request.Test;
    post: (u: string) => request.Test;
    put: (u: string) => request.Test;
    patch: (u: string) => request.Test;
    delete: (u: string) => request.Test;
  };
  anon: ReturnType<typeof request>;
  /** the app's own connection (the serving role): its caches are the app's */
  appDb: Knex;
  config: ReturnType<typeof loadConfig>;
  closeApp(): Promise<void>;
}

/** `logDestination`: where the app's logs go, at the configured LOG_LEVEL (pass LOG_LEVEL in `env`); without it the app logs nothing. */
export async function startTestApp(
  env: Record<string, string> = {},
  logDestination?: NodeJS.WritableStream,
): Promise<TestApp> {
  const tdb = await freshDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', REDLINE_DATA_DIR: '/nonexistent', ...env });
  const log = logDestination ? createLogger(config.LOG_LEVEL, logDestination) : createLogger('silent');
  // the app serves as the role that owns nothing, as `npm start` does (server/db/roles.ts); the test's own `db`
  // (fixtures, checks) is the owner
  const servingDb = createDb(tdb.servingUrl, 6);
  const built = buildApp(
    {
      db: servingDb,
      readDb: servingDb,
      config,
      log,
      authorityId: tdb.authorityId,
      sessionSecret: 'x'.repeat(40),
      intake: intakeOptions(config, tdb.authorityId),
    },
    tdb.servingUrl,
  );
  const system = { id: null, username: 'test' };
  const users = {} as Record<Role, User>;
  const tokens = {} as Record<Role, string>;
  for (const role of ROLES) {
    users[role] = await createUser(tdb.db, system, {
      username: `${role}.user`,
      role,
      password: `${role}-password-123`,
    });
    tokens[role] = (await createToken(tdb.db, system, users[role].id, 'tests')).token;
  }
  const agent = request(built.app);
  const as = (role: Role) => {
    const auth = (t: request.Test) => t.set('Authorization', `Bearer ${tokens[role]}`);
    return {
      get: (u: string) => auth(agent.get(u)),
      post: (u: string) => auth(agent.post(u)),
      put: (u: string) => auth(agent.put(u)),
      patch: (u: string) => auth(agent.patch(u)),
      delete: (u: string) => auth(agent.delete(u)),
    };
  };
  return {
    ...tdb,
    appDb: servingDb,
    app: built.app,
    users,
    tokens,
    as,
    anon: agent,
    config,
    async closeApp() {
      await built.close();
      await servingDb.destroy();
      await tdb.close();
    },
  };
}
