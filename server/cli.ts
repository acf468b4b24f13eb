/**
 * `npm run redline -- <command>`: administration from the shell. Uses the same database as `npm start`
 * (the embedded cluster in the data folder, started if needed, or DATABASE_URL).
 *
 *   migrate                       apply pending migrations
 *   migrate:status                list applied and pending migrations
 *   migrate:rollback              undo the last batch of migrations
 *   user:create --username U --role R [--name "Full Name"] [--password P]
 *                                 create a staff account; prints a generated password when none is given
 *   user:list                     list staff accounts
 *   user:password --username U    set a new generated password and print it
 *   user:disable --username U     disable an account (its sessions and tokens stop working)
 *   token:create --username U --name N
 *                                 create an API token for scripts and GIS tools; printed once
 *   token:revoke --id N           revoke an API token
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, ConfigError } from './config/index.ts';
import { createLogger } from './logger.ts';
import { bootDatabase, BootError } from './boot.ts';
import { EmbeddedDatabaseError } from './db/embedded.ts';
import { migrateRollback, migrationStatus } from './db/migrate.ts';
import { ROLES } from './domain/cases.ts';
import { isAppError } from './errors.ts';
import { createToken, createUser, findUserByUsername, generatePassword, listUsers, revokeToken, updateUser } from './modules/users/service.ts';
import type { Actor } from './modules/audit/audit.ts';

const USAGE = `Usage: npm run redline -- <command> [options]

  migrate | migrate:status | migrate:rollback
  user:create --username U --role ${ROLES.join('|')} [--name "Full Name"] [--password P]
  user:list
  user:password --username U
  user:disable --username U
  token:create --username U --name N
  token:revoke --id N
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { username: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, id: { type: 'string' } },
    strict: true,
  });
  const need = (key: keyof typeof values): string => {
    const v = values[key];
    if (typeof v !== 'string' || !v) throw new UsageError(`${command} needs --${key}`);
    return v;
  };
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const booted = await bootDatabase(config, log, { owner: false });
  const db = booted.db;
  const actor: Actor = { id: null, username: `cli:${os.userInfo().username}` };
  const userByName = async (username: string) => {
    const u = await findUserByUsername(db, username.toLowerCase());
    if (!u) throw new UsageError(`There is no user "${username}".`);
    return u;
  };
  try {
    switch (command) {
      case 'migrate':
        process.stdout.write('Migrations are up to date.\n');
        break;
      case 'migrate:status': {
        const s = await migrationStatus(db);
        process.stdout.write(`applied: ${s.done.join(', ') || '(none)'}\npending: ${s.pending.join(', ') || '(none)'}\n`);
        break;
      }
      case 'migrate:rollback':
        process.stdout.write(`rolled back: ${(await migrateRollback(db)).join(', ') || '(nothing)'}\n`);
        break;
      case 'user:create': {
        const role = z.enum(ROLES).safeParse(need('role'));
        if (!role.success) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        const username = need('username').toLowerCase();
        if (values.password !== undefined && values.password.length < 12) throw new UsageError('--password must be at least 12 characters');
        const password = values.password ?? generatePassword();
        const user = await createUser(db, actor, { username, role: role.data, displayName: values.name, password });
        process.stdout.write(`created user ${user.username} (${user.role}, id ${user.id})\n`);
        if (!values.password) process.stdout.write(`password: ${password}\n(shown once: pass it on securely)\n`);
        break;
      }
      case 'user:list':
        for (const u of await listUsers(db)) {
          process.stdout.write(`${String(u.id).padStart(4)}  ${u.username.padEnd(20)} ${u.role.padEnd(12)} ${u.disabled ? 'disabled' : 'active'}  ${u.displayName}\n`);
        }
        break;
      case 'user:password': {
        const u = await userByName(need('username'));
        const password = generatePassword();
        await updateUser(db, actor, u.id, { password });
        process.stdout.write(`new password for ${u.username}: ${password}\n`);
        break;
      }
      case 'user:disable': {
        const u = await userByName(need('username'));
        await updateUser(db, actor, u.id, { disabled: true });
        process.stdout.write(`disabled ${u.username}\n`);
        break;
      }
      case 'token:create': {
        const u = await userByName(need('username'));
        const t = await createToken(db, actor, u.id, need('name'));
        process.stdout.write(`token ${t.id} for ${u.username} (${t.name}):\n${t.token}\n(shown once; send it as "Authorization: Bearer <token>")\n`);
        break;
      }
      case 'token:revoke':
        await revokeToken(db, actor, Number(need('id')));
        process.stdout.write(`revoked token ${values.id}\n`);
        break;
      default:
        throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
    }
    return 0;
  } finally {
    await booted.shutdown();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof EmbeddedDatabaseError || e instanceof BootError || isAppError(e)) {
      process.stderr.write(`redline: ${e.message}\n`);
      process.exit(2);
    }
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`redline: ${(e as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`redline: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
