/**
 * `npm run redline -- <command>`: administration from the shell. Uses the same database as `npm start`
 * (the embedded cluster in the data folder, started if needed, or DATABASE_URL).
 *
 *   migrate                       apply pending migrations
 *   migrate:status                list applied and pending migrations
 *   migrate:rollback --i-understand-this-deletes-data
 *                                 undo the last batch of migrations (their down steps drop tables and the data in them)
 *   backup --file F               pg_dump of the whole database to F (custom format) and F.manifest.json (row counts,
 *                                 migration level), from one snapshot while Redline keeps serving
 *   audit:verify                  seal new audit rows, then check every link of the audit hash chain (exit 1 when broken)
 *   restore --file F              restore a backup into an EMPTY database (a new data folder or DATABASE_URL), in one
 *                                 transaction, checked against the manifest
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
 *   authority:details [--file details.json] [--logo logo.png|logo.svg|none]
 *                                 show, or set, the contact details, logo and OS licence number printed on documents
 *   authority:copyright [--text "…"]
 *                                 show, or set, the copyright and licence statement printed on the authority's maps
 *   address:load --file F         load or replace the address points (CSV with OS Open UPRN / AddressBase-style
 *                                 columns, GeoJSON or GeoPackage)
 *   property:load --file F [--reference FIELD] [--name FIELD] [--uprns FIELD] [--repair]
 *                                 load or replace the property / building outlines (GeoJSON, GeoPackage, zipped Shapefile)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config/index.ts';
import { createLogger } from './logger.ts';
import { bootDatabase, BootError } from './boot.ts';
import { EmbeddedDatabaseError } from './db/embedded.ts';
import { BackupError } from './db/backup.ts';
import { isAppError } from '../shared/errors.ts';
import { AuditChainBroken, CLI_OPTIONS, COMMANDS, USAGE, UsageError } from './cli/commands.ts';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return command ? 0 : 2;
  }
  const { values } = parseArgs({ args: rest, options: CLI_OPTIONS, strict: true });
  const cmd = COMMANDS[command];
  if (!cmd) throw new UsageError(`Unknown command "${command}".\n\n${USAGE}`);
  const config = loadConfig();
  const log = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const booted = await bootDatabase(config, log, { owner: false, prepare: cmd.prepare !== false });
  try {
    await cmd.run({
      command,
      values,
      db: booted.db,
      url: booted.url,
      ownerUrl: booted.ownerUrl,
      config,
      actor: { id: null, username: `cli:${os.userInfo().username}` },
      log,
      out: (text) => process.stdout.write(text),
    });
    return 0;
  } finally {
    await booted.shutdown();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof AuditChainBroken) {
      process.stderr.write(`redline: ${e.message}\n`);
      process.exit(1);
    }
    const known = [UsageError, ConfigError, EmbeddedDatabaseError, BootError, BackupError].some((k) => e instanceof k);
    if (known || isAppError(e)) {
      process.stderr.write(`redline: ${(e as Error).message}\n`);
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
