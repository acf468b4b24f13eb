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
 *   layer:list                    constraint layers, their data versions and feature counts
 *   layer:define --file def.json  add or change a local layer (same schema as layers/definitions/*.json)
 *   layer:load --layer ID --file F [--file F2 …] [--reference FIELD] [--name FIELD] [--map target=SOURCE …]
 *              [--source-layer L] [--source-crs EPSG:27700] [--repair] [--coverage authority|extent]
 *                                 load or refresh a layer from GeoPackage, zipped Shapefile, GeoJSON or CSV
 *   layer:load-demo [--force]     load the bundled Southwark layers (done on first start with demo data)
 *   authority:sci [--file policy.json]
 *                                 show, or set, the publicity the authority's Statement of Community Involvement adds
 *                                 to the statutory minimum: { name, lettersAlways, siteNoticeForMajors, pressForMajors, letterRadiusM }
 *   authority:copyright [--text "…"]
 *                                 show, or set, the copyright and licence statement printed on the authority's maps
 *   address:load --file F         load or replace the address points (CSV with OS Open UPRN / AddressBase-style
 *                                 columns, GeoJSON or GeoPackage)
 *   property:load --file F [--reference FIELD] [--name FIELD] [--uprns FIELD] [--repair]
 *                                 load or replace the property / building outlines (GeoJSON, GeoPackage, zipped Shapefile)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, ConfigError } from './config/index.ts';
import { createLogger } from './logger.ts';
import { bootDatabase, BootError } from './boot.ts';
import { EmbeddedDatabaseError } from './db/embedded.ts';
import { migrateRollback, migrationStatus } from './db/migrate.ts';
import { ROLES } from '../shared/domain/cases.ts';
import { isAppError } from '../shared/errors.ts';
import {
  createToken,
  createUser,
  findUserByUsername,
  generatePassword,
  listUsers,
  revokeToken,
  updateUser,
} from './modules/users/service.ts';
import type { Actor } from './modules/audit/audit.ts';
import fs from 'node:fs';
import path from 'node:path';
import { listLayers, parseDefinition, upsertDefinition } from './modules/layers/definitions.ts';
import { loadLayer, type LoadReport } from './modules/layers/loader.ts';
import { loadDemoLayers } from './seed/layers.ts';
import { loadAddresses, loadProperties } from './modules/addresses/loader.ts';
import { writeAudit } from './modules/audit/audit.ts';

/** The authority's Statement of Community Involvement policy (shared/domain/publicity.ts SciPolicy). */
const SciPolicySchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    lettersAlways: z.boolean().optional(),
    siteNoticeForMajors: z.boolean().optional(),
    pressForMajors: z.boolean().optional(),
    letterRadiusM: z.number().positive().max(1000).optional(),
  })
  .strict();

function formatLoadReport(r: LoadReport): string {
  const skipped =
    Object.entries(r.skipped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  const examples = r.skippedExamples
    .map(
      (e) =>
        `    skipped (${e.reason}): ${e.source} feature ${e.fid}${e.reference ? ` ref ${e.reference}` : ''}${e.detail ? ` — ${e.detail}` : ''}`,
    )
    .join('\n');
  return `${r.layerId}: loaded ${r.loaded} of ${r.read} features as version ${r.dataVersion} (was ${r.previousVersion}); repaired ${r.repaired}; skipped: ${skipped}; ${r.pieces} pieces; ${r.ms} ms\n${examples ? examples + '\n' : ''}`;
}

const USAGE = `Usage: npm run redline -- <command> [options]

  migrate | migrate:status | migrate:rollback
  user:create --username U --role ${ROLES.join('|')} [--name "Full Name"] [--password P]
  user:list
  user:password --username U
  user:disable --username U
  token:create --username U --name N
  token:revoke --id N
  layer:list
  layer:define --file definition.json
  layer:load --layer ID --file F [--file F2 …] [--reference FIELD] [--name FIELD] [--map target=SOURCE …]
             [--source-layer L] [--source-crs EPSG:27700] [--repair] [--coverage authority|extent]
  layer:load-demo [--force]
  authority:sci [--file policy.json]
  authority:copyright [--text "Contains OS data © Crown copyright and database right 2026 …"]
  address:load --file F
  property:load --file F [--reference FIELD] [--name FIELD] [--uprns FIELD] [--repair]
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
    options: {
      username: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      id: { type: 'string' },
      layer: { type: 'string' },
      file: { type: 'string', multiple: true },
      reference: { type: 'string' },
      map: { type: 'string', multiple: true },
      text: { type: 'string' },
      'source-layer': { type: 'string' },
      uprns: { type: 'string' },
      'source-crs': { type: 'string' },
      repair: { type: 'boolean' },
      coverage: { type: 'string' },
      force: { type: 'boolean' },
    },
    strict: true,
  });
  const need = (key: 'username' | 'role' | 'name' | 'password' | 'id' | 'layer'): string => {
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
        process.stdout.write(
          `applied: ${s.done.join(', ') || '(none)'}\npending: ${s.pending.join(', ') || '(none)'}\n`,
        );
        break;
      }
      case 'migrate:rollback':
        process.stdout.write(`rolled back: ${(await migrateRollback(db)).join(', ') || '(nothing)'}\n`);
        break;
      case 'user:create': {
        const role = z.enum(ROLES).safeParse(need('role'));
        if (!role.success) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        const username = need('username').toLowerCase();
        if (values.password !== undefined && values.password.length < 12)
          throw new UsageError('--password must be at least 12 characters');
        const password = values.password ?? generatePassword();
        const user = await createUser(db, actor, { username, role: role.data, displayName: values.name, password });
        process.stdout.write(`created user ${user.username} (${user.role}, id ${user.id})\n`);
        if (!values.password) process.stdout.write(`password: ${password}\n(shown once: pass it on securely)\n`);
        break;
      }
      case 'user:list':
        for (const u of await listUsers(db)) {
          process.stdout.write(
            `${String(u.id).padStart(4)}  ${u.username.padEnd(20)} ${u.role.padEnd(12)} ${u.disabled ? 'disabled' : 'active'}  ${u.displayName}\n`,
          );
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
        process.stdout.write(
          `token ${t.id} for ${u.username} (${t.name}):\n${t.token}\n(shown once; send it as "Authorization: Bearer <token>")\n`,
        );
        break;
      }
      case 'token:revoke':
        await revokeToken(db, actor, Number(need('id')));
        process.stdout.write(`revoked token ${values.id}\n`);
        break;
      case 'layer:list':
        for (const l of await listLayers(db)) {
          process.stdout.write(
            `${l.id.padEnd(36)} ${l.origin.padEnd(8)} v${String(l.dataVersion).padEnd(4)} ${String(l.featureCount).padStart(8)} features  ${l.loadedAt ? new Date(l.loadedAt).toISOString() : 'not loaded'}\n`,
          );
        }
        break;
      case 'layer:define': {
        const file = values.file?.[0];
        if (!file) throw new UsageError('layer:define needs --file definition.json');
        const def = parseDefinition(JSON.parse(fs.readFileSync(file, 'utf8')), path.basename(file));
        await db.transaction((trx) => upsertDefinition(trx, actor, def, 'local'));
        process.stdout.write(`defined local layer ${def.id}\n`);
        break;
      }
      case 'layer:load': {
        const files = values.file ?? [];
        if (!files.length) throw new UsageError('layer:load needs at least one --file');
        const properties: Record<string, string> = {};
        for (const m of values.map ?? []) {
          const eq = m.indexOf('=');
          if (eq < 1) throw new UsageError(`--map needs target=SOURCE, got "${m}"`);
          properties[m.slice(0, eq)] = m.slice(eq + 1);
        }
        if (values.coverage && !['authority', 'extent'].includes(values.coverage))
          throw new UsageError('--coverage is authority or extent');
        const custom = values.reference || values.name || Object.keys(properties).length;
        const report = await loadLayer(db, {
          layerId: need('layer'),
          sources: files.map((f) => ({
            file: path.resolve(f),
            sourceLayer: values['source-layer'],
            sourceCrs: values['source-crs'],
          })),
          fieldMap: custom ? { reference: values.reference, name: values.name, properties } : undefined,
          repair: values.repair,
          coverage: values.coverage as 'authority' | 'extent' | undefined,
          toleranceM: config.AUTHORITY_BOUNDARY_TOLERANCE_M,
          actor,
          onProgress: (m) => process.stdout.write(`  ${m}\n`),
        });
        process.stdout.write(formatLoadReport(report));
        break;
      }
      case 'layer:load-demo':
        for (const r of await loadDemoLayers(db, {
          force: values.force,
          actor,
          onProgress: (m) => process.stdout.write(`  ${m}\n`),
        }))
          process.stdout.write(formatLoadReport(r));
        break;
      case 'authority:sci': {
        const file = values.file?.[0];
        const row = await db('authority').where({ code: config.REDLINE_AUTHORITY }).first('id', 'sci_policy');
        if (file) {
          const parsed = SciPolicySchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
          if (!parsed.success)
            throw new UsageError(
              `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
            );
          await db.transaction(async (trx) => {
            await trx('authority')
              .where({ id: row.id })
              .update({ sci_policy: JSON.stringify(parsed.data) });
            await writeAudit(trx, {
              actor,
              action: 'authority.sci.update',
              entityType: 'authority',
              entityId: row.id,
              before: row.sci_policy,
              after: parsed.data,
            });
          });
          process.stdout.write(`Statement of Community Involvement policy set for ${config.REDLINE_AUTHORITY}\n`);
        }
        process.stdout.write(
          JSON.stringify(
            file ? (await db('authority').where({ id: row.id }).first('sci_policy')).sci_policy : row.sci_policy,
            null,
            2,
          ) + '\n',
        );
        break;
      }
      case 'authority:copyright': {
        const row = await db('authority').where({ code: config.REDLINE_AUTHORITY }).first('id', 'copyright_statement');
        if (values.text !== undefined) {
          const text = values.text.replace(/\s+/g, ' ').trim();
          if (text.length < 10 || text.length > 1000)
            throw new UsageError(
              '--text: the statement must be 10 to 1000 characters (it is printed at the foot of every map)',
            );
          await db.transaction(async (trx) => {
            await trx('authority').where({ id: row.id }).update({ copyright_statement: text });
            await writeAudit(trx, {
              actor,
              action: 'authority.copyright.update',
              entityType: 'authority',
              entityId: row.id,
              before: { copyrightStatement: row.copyright_statement },
              after: { copyrightStatement: text },
            });
          });
          process.stdout.write(`Copyright statement set for ${config.REDLINE_AUTHORITY}\n`);
        }
        process.stdout.write(
          `${values.text !== undefined ? (await db('authority').where({ id: row.id }).first('copyright_statement')).copyright_statement : row.copyright_statement}\n`,
        );
        break;
      }
      case 'address:load':
      case 'property:load': {
        const file = values.file?.[0];
        if (!file) throw new UsageError(`${command} needs --file`);
        const progress = (m: string) => process.stdout.write(`  ${m}\n`);
        const r =
          command === 'address:load'
            ? await loadAddresses(db, { file: path.resolve(file), actor, onProgress: progress })
            : await loadProperties(db, {
                file: path.resolve(file),
                reference: values.reference,
                name: values.name,
                uprns: values.uprns,
                repair: values.repair,
                actor,
                onProgress: progress,
              });
        const skipped =
          Object.entries(r.skipped)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') || 'none';
        process.stdout.write(
          `${r.dataset}: loaded ${r.loaded} of ${r.read} as version ${r.dataVersion} (was ${r.previousVersion}); skipped: ${skipped}; ${r.ms} ms\n`,
        );
        for (const e of r.skippedExamples)
          process.stdout.write(`    skipped (${e.reason}): row ${e.row} — ${e.detail}\n`);
        break;
      }
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
    if (
      e instanceof UsageError ||
      e instanceof ConfigError ||
      e instanceof EmbeddedDatabaseError ||
      e instanceof BootError ||
      isAppError(e)
    ) {
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
