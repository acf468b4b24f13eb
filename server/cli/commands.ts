/**
 * The CLI's commands as a table: each has its usage line, what it needs and what it does. server/cli.ts parses
 * the arguments, boots the database and runs the one asked for.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { lastMigrationBatch, migrateRollback, migrationStatus } from '../db/migrate.ts';
import { backupDatabase, manifestPath, restoreDatabase } from '../db/backup.ts';
import { ROLES } from '../../shared/domain/cases.ts';
import type { Actor } from '../modules/audit/audit.ts';
import {
  createToken,
  createUser,
  findUserByUsername,
  generatePassword,
  listUsers,
  revokeToken,
  updateUser,
} from '../modules/users/service.ts';
import { listLayers, parseDefinition, upsertDefinition } from '../modules/layers/definitions.ts';
import { loadLayer, type LoadReport } from '../modules/layers/loader.ts';
import { deleteLayer, retireLayer } from '../modules/layers/lifecycle.ts';
import { loadDemoLayers } from '../seed/layers.ts';
import { loadAddresses, loadProperties } from '../modules/addresses/loader.ts';
import {
  getAuthority,
  getBoundaryVersions,
  SciPolicySchema,
  setBoundary,
  setCopyright,
  setSciPolicy,
} from '../modules/authority/service.ts';
import { currentHolidayCalendar, GOV_UK_BANK_HOLIDAYS_URL, storeBankHolidays } from '../modules/publicity/holidays.ts';
import { writeAudit } from '../modules/audit/audit.ts';
import { describeChain, verifyAuditChain } from '../modules/audit/chain.ts';
import { createDb } from '../db/knex.ts';
import { AppError } from '../../shared/errors.ts';
import { createNotifier } from '../modules/notify/index.ts';
import { sendAlerts } from '../modules/alerts/service.ts';
import { authorityDetailsCommand } from '../modules/authority/cli.ts';
import { sessionSecret } from '../http/session-secret.ts';

export class UsageError extends Error {}

/** `audit:verify` found a broken link (exit status 1; the message says where). */
export class AuditChainBroken extends Error {}

/** The parsed options (node:util parseArgs) every command may read. */
export interface CliValues {
  username?: string;
  role?: string;
  name?: string;
  password?: string;
  id?: string;
  layer?: string;
  file?: string[];
  reference?: string;
  map?: string[];
  text?: string;
  'source-layer'?: string;
  uprns?: string;
  'source-crs'?: string;
  repair?: boolean;
  coverage?: string;
  force?: boolean;
  reason?: string;
  logo?: string;
  'i-understand-this-deletes-data'?: boolean;
}

export const CLI_OPTIONS = {
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
  reason: { type: 'string' },
  logo: { type: 'string' },
  'i-understand-this-deletes-data': { type: 'boolean' },
} as const;

export interface CliContext {
  command: string;
  values: CliValues;
  db: Knex;
  /** the serving role's connection URL */
  url: string;
  /** the owner's connection URL (migrations; backup and restore hand it to pg_dump / pg_restore) */
  ownerUrl: string;
  config: Config;
  actor: Actor;
  log: Logger;
  out(text: string): void;
}

interface Command {
  /** the options, as shown in the usage text */
  usage: string;
  /** false: the database is not migrated or seeded first (restore wants it empty) */
  prepare?: boolean;
  run(c: CliContext): Promise<void>;
}

function need(c: CliContext, key: 'username' | 'role' | 'name' | 'password' | 'id' | 'layer'): string {
  const v = c.values[key];
  if (typeof v !== 'string' || !v) throw new UsageError(`${c.command} needs --${key}`);
  return v;
}

function firstFile(c: CliContext, what: string): string {
  const file = c.values.file?.[0];
  if (!file) throw new UsageError(`${c.command} needs --file ${what}`);
  return file;
}

async function userByName(c: CliContext, username: string) {
  const u = await findUserByUsername(c.db, username.toLowerCase());
  if (!u) throw new UsageError(`There is no user "${username}".`);
  return u;
}

const progress = (c: CliContext) => (m: string) => c.out(`  ${m}\n`);

function formatLoadReport(r: LoadReport): string {
  const skipped =
    Object.entries(r.skipped)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  const examples = r.skippedExamples
    .map((e) => {
      const ref = e.reference ? ` ref ${e.reference}` : '';
      return `    skipped (${e.reason}): ${e.source} feature ${e.fid}${ref}${e.detail ? ` — ${e.detail}` : ''}`;
    })
    .join('\n');
  const head =
    `${r.layerId}: loaded ${r.loaded} of ${r.read} features as version ${r.dataVersion} (was ${r.previousVersion}); ` +
    `repaired ${r.repaired}; skipped: ${skipped}; ${r.pieces} pieces; ${r.ms} ms`;
  const notes = r.notes.map((n) => `  ${n}\n`).join('');
  return `${head}\n${examples ? examples + '\n' : ''}${notes}`;
}

/** --map target=SOURCE pairs as an object */
function fieldMapOf(c: CliContext): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const m of c.values.map ?? []) {
    const eq = m.indexOf('=');
    if (eq < 1) throw new UsageError(`--map needs target=SOURCE, got "${m}"`);
    properties[m.slice(0, eq)] = m.slice(eq + 1);
  }
  return properties;
}

async function layerLoad(c: CliContext) {
  const { values } = c;
  const files = values.file ?? [];
  if (!files.length) throw new UsageError('layer:load needs at least one --file');
  const properties = fieldMapOf(c);
  if (values.coverage && !['authority', 'extent'].includes(values.coverage))
    throw new UsageError('--coverage is authority or extent');
  const custom = values.reference || values.name || Object.keys(properties).length;
  const report = await loadLayer(c.db, {
    layerId: need(c, 'layer'),
    sources: files.map((f) => ({
      file: path.resolve(f),
      sourceLayer: values['source-layer'],
      sourceCrs: values['source-crs'],
    })),
    fieldMap: custom ? { reference: values.reference, name: values.name, properties } : undefined,
    repair: values.repair,
    coverage: values.coverage as 'authority' | 'extent' | undefined,
    toleranceM: c.config.AUTHORITY_BOUNDARY_TOLERANCE_M,
    actor: c.actor,
    log: c.log,
    onProgress: progress(c),
  });
  c.out(formatLoadReport(report));
}

async function addressOrPropertyLoad(c: CliContext) {
  const file = path.resolve(firstFile(c, 'F'));
  const { values } = c;
  const r =
    c.command === 'address:load'
      ? await loadAddresses(c.db, { file, actor: c.actor, onProgress: progress(c) })
      : await loadProperties(c.db, {
          file,
          reference: values.reference,
          name: values.name,
          uprns: values.uprns,
          repair: values.repair,
          actor: c.actor,
          onProgress: progress(c),
        });
  const skipped =
    Object.entries(r.skipped)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  c.out(
    `${r.dataset}: loaded ${r.loaded} of ${r.read} as version ${r.dataVersion} (was ${r.previousVersion}); ` +
      `skipped: ${skipped}; ${r.ms} ms\n`,
  );
  for (const e of r.skippedExamples) c.out(`    skipped (${e.reason}): row ${e.row} — ${e.detail}\n`);
  for (const n of r.notes) c.out(`  ${n}\n`);
}

async function authoritySci(c: CliContext) {
  const file = c.values.file?.[0];
  const code = c.config.REDLINE_AUTHORITY;
  if (file) {
    const parsed = SciPolicySchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
      throw new UsageError(`${file}: ${problems.join('; ')}`);
    }
    await setSciPolicy(c.db, c.actor, code, parsed.data);
    c.out(`Statement of Community Involvement policy set for ${code}\n`);
  }
  c.out(JSON.stringify((await getAuthority(c.db, code)).sciPolicy, null, 2) + '\n');
}

async function authorityBoundary(c: CliContext) {
  const code = c.config.REDLINE_AUTHORITY;
  const file = c.values.file?.[0];
  if (file) {
    if (!fs.existsSync(file)) throw new UsageError(`--file ${file}: no such file`);
    const r = await setBoundary(c.db, c.actor, code, {
      file,
      label: path.basename(file),
      sourceLayer: c.values['source-layer'],
    });
    c.out(
      `Boundary of ${code} is now version ${r.version} (${r.areaM2} m², from ${r.source}; was version ${r.previous?.version ?? '-'}, ${r.previous?.areaM2.toFixed(3) ?? '-'} m²).\n`,
    );
    if (r.layersRecovered.length)
      c.out(
        `Coverage now follows the new boundary for: ${r.layersRecovered.map((l) => l.id).join(', ')} (layers covered by their data's extent are unchanged)\n`,
      );
    return;
  }
  for (const v of (await getBoundaryVersions(c.db, code)).versions)
    c.out(`${v.version}\t${v.areaM2.toFixed(3)} m²\t${v.loadedAt}\t${v.loadedBy ?? 'seed'}\t${v.source}\n`);
}

async function authorityCopyright(c: CliContext) {
  const code = c.config.REDLINE_AUTHORITY;
  if (c.values.text !== undefined) {
    const text = c.values.text.replace(/\s+/g, ' ').trim();
    if (text.length < 10 || text.length > 1000)
      throw new UsageError(
        '--text: the statement must be 10 to 1000 characters (it is printed at the foot of every map)',
      );
    await setCopyright(c.db, c.actor, code, text);
    c.out(`Copyright statement set for ${code}\n`);
  }
  c.out(`${(await getAuthority(c.db, code)).copyrightStatement}\n`);
}

/** Validates a GOV.UK bank holidays file (--file, else https://www.gov.uk/bank-holidays.json), merges it over the list
 *  in force (each year it lists replaces that year; other years are kept) and stores it in the data folder
 *  (REDLINE_DATA_DIR/bank-holidays.json), where the server reads it (server/modules/publicity/holidays.ts). Says what
 *  changed; a file that cannot be read or does not validate changes nothing. */
async function holidaysRefresh(c: CliContext) {
  const file = c.values.file?.[0];
  const where = file ?? GOV_UK_BANK_HOLIDAYS_URL;
  let text: string;
  if (file) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--file ${file}: cannot read it (${(e as Error).message})`);
    }
  } else {
    try {
      const res = await fetch(GOV_UK_BANK_HOLIDAYS_URL, { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (e) {
      throw new UsageError(
        `${GOV_UK_BANK_HOLIDAYS_URL} could not be fetched (${(e as Error).message}); download it and pass --file bank-holidays.json. Nothing was changed.`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${where}: cannot read it as JSON (${(e as Error).message}). Nothing was changed.`);
  }
  const before = currentHolidayCalendar(c.config.REDLINE_DATA_DIR);
  let stored: ReturnType<typeof storeBankHolidays>;
  try {
    stored = storeBankHolidays(json, where, c.config.REDLINE_DATA_DIR);
  } catch (e) {
    if (e instanceof AppError) throw new UsageError(`${e.message}. Nothing was changed.`);
    throw e;
  }
  const { calendar, changes } = stored;
  await writeAudit(c.db, {
    actor: c.actor,
    action: 'bank-holidays.refresh',
    entityType: 'authority', // the list the authority's server counts publicity periods with
    entityId: c.config.REDLINE_AUTHORITY,
    before: {
      source: before.source,
      firstYear: before.firstYear,
      lastYear: before.lastYear,
      count: before.bankHolidays.length,
    },
    after: {
      source: stored.file,
      from: where,
      firstYear: calendar.firstYear,
      lastYear: calendar.lastYear,
      count: calendar.bankHolidays.length,
      refreshedYears: stored.refreshedYears,
      changes,
    },
  });
  const lines = [
    ...changes.added.map((h) => `  added    ${h.date} ${h.title}`),
    ...changes.removed.map((h) => `  removed  ${h.date} ${h.title}`),
    ...changes.retitled.map((h) => `  renamed  ${h.date} ${h.from} -> ${h.to}`),
  ];
  c.out(
    `bank holidays (England and Wales): ${calendar.bankHolidays.length} dates, ${calendar.firstYear}–${calendar.lastYear} ` +
      `(years from ${where}: ${stored.refreshedYears.join(', ')}), stored in ${stored.file}\n` +
      (lines.length
        ? `changed: ${changes.added.length} added, ${changes.removed.length} removed, ${changes.retitled.length} renamed\n${lines.join('\n')}\n`
        : 'no change: the list already had these dates\n'),
  );
}

export const COMMANDS: Record<string, Command> = {
  migrate: { usage: '', run: async (c) => c.out('Migrations are up to date.\n') },
  'migrate:status': {
    usage: '',
    run: async (c) => {
      const s = await migrationStatus(c.db);
      c.out(`applied: ${s.done.join(', ') || '(none)'}\npending: ${s.pending.join(', ') || '(none)'}\n`);
    },
  },
  'migrate:rollback': {
    usage: '--i-understand-this-deletes-data',
    run: async (c) => {
      const batch = await lastMigrationBatch(c.db);
      if (!c.values['i-understand-this-deletes-data'])
        throw new UsageError(
          `migrate:rollback would undo ${batch.length ? batch.join(', ') : 'nothing'}; their down steps drop tables and every row in them ` +
            '(for the first migration: all cases and the audit trail). Take a backup first (npm run redline -- backup --file F), ' +
            'then run it again with --i-understand-this-deletes-data.',
        );
      const owner = createDb(c.ownerUrl, 1);
      try {
        c.out(`rolled back: ${(await migrateRollback(owner)).join(', ') || '(nothing)'}\n`);
      } finally {
        await owner.destroy();
      }
    },
  },
  'audit:verify': {
    usage: '',
    run: async (c) => {
      const state = await verifyAuditChain(c.db);
      c.out(describeChain(state) + '\n');
      if (state.broken) throw new AuditChainBroken(describeChain(state));
    },
  },
  backup: {
    usage: '--file F',
    run: async (c) => {
      const file = c.values.file?.[0];
      if (!file) throw new UsageError('backup needs --file (where to write the backup)');
      const started = Date.now();
      const m = await backupDatabase(c.ownerUrl, file);
      const rows = Object.values(m.tables).reduce((a, b) => a + b, 0);
      await writeAudit(c.db, {
        actor: c.actor,
        action: 'system.backup',
        entityType: 'database',
        entityId: null,
        after: { file: path.basename(file), bytes: m.bytes, rows, migrationLevel: m.migrations.at(-1) ?? null },
      });
      c.out(
        `backup written: ${path.resolve(file)} (${(m.bytes / 1e6).toFixed(1)} MB, ${Object.keys(m.tables).length} tables, ${rows.toLocaleString('en-GB')} rows, ` +
          `migration level ${m.migrations.at(-1) ?? 'none'}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
          `manifest: ${manifestPath(path.resolve(file))}\n`,
      );
    },
  },
  restore: {
    usage: '--file F',
    prepare: false,
    run: async (c) => {
      const file = c.values.file?.[0];
      if (!file) throw new UsageError('restore needs --file (a backup written by `backup`)');
      const started = Date.now();
      const r = await restoreDatabase(c.ownerUrl, file);
      const rows = Object.values(r.tables).reduce((a, b) => a + b, 0);
      c.out(
        `restored ${path.resolve(file)} (taken ${r.manifest.createdAt}): ${Object.keys(r.tables).length} tables, ` +
          `${rows.toLocaleString('en-GB')} rows, all as in the manifest, in ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
          'Start Redline as usual: it applies any newer migrations.\n',
      );
    },
  },
  'user:create': {
    usage: `--username U --role ${ROLES.join('|')} [--name "Full Name"] [--password P]`,
    run: async (c) => {
      const role = z.enum(ROLES).safeParse(need(c, 'role'));
      if (!role.success) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const username = need(c, 'username').toLowerCase();
      const given = c.values.password;
      if (given !== undefined && given.length < 12) throw new UsageError('--password must be at least 12 characters');
      const password = given ?? generatePassword();
      const user = await createUser(c.db, c.actor, { username, role: role.data, displayName: c.values.name, password });
      c.out(`created user ${user.username} (${user.role}, id ${user.id})\n`);
      if (!given) c.out(`password: ${password}\n(shown once: pass it on securely)\n`);
    },
  },
  'user:list': {
    usage: '',
    run: async (c) => {
      for (const u of await listUsers(c.db)) {
        const state = u.disabled ? 'disabled' : 'active';
        c.out(
          `${String(u.id).padStart(4)}  ${u.username.padEnd(20)} ${u.role.padEnd(12)} ${state}  ${u.displayName}\n`,
        );
      }
    },
  },
  'user:password': {
    usage: '--username U',
    run: async (c) => {
      const u = await userByName(c, need(c, 'username'));
      const password = generatePassword();
      await updateUser(c.db, c.actor, u.id, { password });
      c.out(`new password for ${u.username}: ${password}\n`);
    },
  },
  'user:disable': {
    usage: '--username U',
    run: async (c) => {
      const u = await userByName(c, need(c, 'username'));
      await updateUser(c.db, c.actor, u.id, { disabled: true });
      c.out(`disabled ${u.username}\n`);
    },
  },
  'token:create': {
    usage: '--username U --name N',
    run: async (c) => {
      const u = await userByName(c, need(c, 'username'));
      const t = await createToken(c.db, c.actor, u.id, need(c, 'name'));
      c.out(`token ${t.id} for ${u.username} (${t.name}):\n${t.token}\n`);
      c.out('(shown once; send it as "Authorization: Bearer <token>")\n');
    },
  },
  'token:revoke': {
    usage: '--id N',
    run: async (c) => {
      await revokeToken(c.db, c.actor, Number(need(c, 'id')));
      c.out(`revoked token ${c.values.id}\n`);
    },
  },
  'layer:list': {
    usage: '',
    run: async (c) => {
      for (const l of await listLayers(c.db, undefined, { includeRetired: true })) {
        const loaded = l.loadedAt ? new Date(l.loadedAt).toISOString() : 'not loaded';
        const version = `v${String(l.dataVersion).padEnd(4)}`;
        c.out(
          `${l.id.padEnd(36)} ${l.origin.padEnd(8)} ${version} ${String(l.featureCount).padStart(8)} features  ${loaded}${l.retiredAt ? `  retired ${new Date(l.retiredAt).toISOString()}` : ''}\n`,
        );
      }
    },
  },
  'layer:define': {
    usage: '--file definition.json',
    run: async (c) => {
      const file = firstFile(c, 'definition.json');
      const def = parseDefinition(JSON.parse(fs.readFileSync(file, 'utf8')), path.basename(file));
      await c.db.transaction((trx) => upsertDefinition(trx, c.actor, def, 'local'));
      c.out(`defined local layer ${def.id}\n`);
    },
  },
  'layer:load': {
    usage:
      '--layer ID --file F [--file F2 …] [--reference FIELD] [--name FIELD] [--map target=SOURCE …]\n' +
      '             [--source-layer L] [--source-crs EPSG:27700] [--repair] [--coverage authority|extent]',
    run: layerLoad,
  },
  'layer:retire': {
    usage: '--layer ID [--reason TEXT]',
    run: async (c) => {
      const l = await retireLayer(c.db, need(c, 'layer'), c.actor, c.values.reason?.trim() || null);
      c.out(`retired layer ${l.id}: new checks leave it out; stored checks and maps still show it\n`);
    },
  },
  'layer:delete': {
    usage: '--layer ID',
    run: async (c) => {
      const id = need(c, 'layer');
      await deleteLayer(c.db, id, c.actor);
      c.out(`deleted layer ${id} with its features\n`);
    },
  },
  'layer:load-demo': {
    usage: '[--force]',
    run: async (c) => {
      const reports = await loadDemoLayers(c.db, { force: c.values.force, actor: c.actor, onProgress: progress(c) });
      for (const r of reports) c.out(formatLoadReport(r));
    },
  },
  'authority:sci': { usage: '[--file policy.json]', run: authoritySci },
  'authority:boundary': { usage: '[--file boundary.geojson|.gpkg [--source-layer L]]', run: authorityBoundary },
  'authority:details': {
    usage: '[--file details.json] [--logo logo.png|logo.svg|none] (contact details, logo and OS licence on documents)',
    run: (c) =>
      authorityDetailsCommand({
        db: c.db,
        code: c.config.REDLINE_AUTHORITY,
        actor: c.actor,
        file: c.values.file?.[0],
        logo: c.values.logo,
        out: c.out,
        usage: (m) => {
          throw new UsageError(m);
        },
      }),
  },
  'authority:copyright': {
    usage: '[--text "Contains OS data © Crown copyright and database right 2026 …"]',
    run: authorityCopyright,
  },
  'holidays:refresh': {
    usage: '[--file bank-holidays.json] (the GOV.UK file; default: fetched from https://www.gov.uk/bank-holidays.json)',
    run: holidaysRefresh,
  },
  'address:load': { usage: '--file F', run: addressOrPropertyLoad },
  'alerts:send': {
    usage: '(match new and newly published applications to confirmed alert subscriptions and email them)',
    run: async (c) => {
      const notifier = createNotifier(c.config, c.db, c.log);
      const secret = sessionSecret(c.config.SESSION_SECRET, c.config.REDLINE_DATA_DIR);
      const r = await sendAlerts(c.db, notifier, { baseUrl: c.config.PUBLIC_BASE_URL, secret }, c.log);
      c.out(
        `alerts: ${r.emails} email${r.emails === 1 ? '' : 's'} sent listing ${r.applications} application${r.applications === 1 ? '' : 's'}` +
          (r.failed ? `; ${r.failed} could not be sent (their applications are retried next time)` : '') +
          '\n',
      );
    },
  },
  'property:load': {
    usage: '--file F [--reference FIELD] [--name FIELD] [--uprns FIELD] [--repair]',
    run: addressOrPropertyLoad,
  },
};

export const USAGE =
  'Usage: npm run redline -- <command> [options]\n\n' +
  Object.entries(COMMANDS)
    .map(([name, cmd]) => `  ${name}${cmd.usage ? ` ${cmd.usage}` : ''}\n`)
    .join('');
