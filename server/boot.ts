/** Shared start-up for the server and the CLI: database (embedded or DATABASE_URL), migrations, authority. */
import { postgisAvailable } from './db/health.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Knex } from 'knex';
import type { Config } from './config/index.ts';
import { createDb } from './db/knex.ts';
import { startEmbedded, type EmbeddedCluster } from './db/embedded.ts';
import { migrateLatest } from './db/migrate.ts';
import { grantServing, roleReport } from './db/roles.ts';
import { ensureAuthority } from './seed/seed.ts';
import { syncBuiltinLayers } from './modules/layers/definitions.ts';
import { ensureDefaultTemplates } from './modules/documents/templates.ts';
import { intakeOptions } from './http/context.ts';
import type { AuthorityIntake } from './modules/geometry/intake.ts';

export interface Booted {
  /** the serving connection (a role that owns nothing, ./db/roles.ts), or the owner's when `prepare: false` */
  db: Knex;
  url: string;
  /** the owner's URL: migrations, backup, restore, rollback */
  ownerUrl: string;
  authorityId: number;
  /** the geometry intake options for the AppContext (and the demo seed), built once from config */
  intake: AuthorityIntake;
  cluster: EmbeddedCluster | null;
  shutdown(): Promise<void>;
}

export class BootError extends Error {}

/**
 * Connects (starting the embedded cluster when there is no DATABASE_URL), migrates, ensures the authority.
 * `prepare: false` only connects (restore needs the database as it is: empty).
 */
export async function bootDatabase(
  config: Config,
  log: Logger,
  opts: { owner: boolean; prepare?: boolean },
): Promise<Booted> {
  let cluster: EmbeddedCluster | null = null;
  let url = config.DATABASE_URL;
  let ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_URL;
  if (config.DATABASE_OWNER_URL && !config.DATABASE_URL)
    throw new BootError(
      'DATABASE_OWNER_URL is set without DATABASE_URL: set DATABASE_URL to the serving role too (README "Database roles"), or unset both to use the embedded cluster.',
    );
  if (!url) {
    const dataDir = path.resolve(config.REDLINE_DATA_DIR);
    if (opts.owner) claimDataDir(dataDir);
    cluster = await startEmbedded({ dataDir, log });
    url = cluster.servingUrl;
    ownerUrl = cluster.url;
  }
  // restore needs the owner (it creates every table); everything else serves as the role that owns nothing
  const db = createDb(opts.prepare === false ? ownerUrl! : url);
  const shutdown = async () => {
    await db.destroy();
    // the server owns the cluster (and adopts one a killed Redline left running); the CLI never stops it
    if (cluster) await cluster.stop(opts.owner);
    if (opts.owner && !config.DATABASE_URL)
      fs.rmSync(path.join(path.resolve(config.REDLINE_DATA_DIR), 'redline.pid'), { force: true });
  };
  if (opts.prepare === false)
    return { db, url, ownerUrl: ownerUrl!, authorityId: 0, intake: intakeOptions(config, 0), cluster, shutdown };
  try {
    const owner = createDb(ownerUrl!, 2);
    try {
      if (!(await postgisAvailable(owner))) {
        throw new BootError(
          'The database server has no PostGIS. Install PostGIS >= 3.3 on it (Debian: apt-get install postgresql-15-postgis-3), or leave DATABASE_URL unset to use the embedded cluster.',
        );
      }
      const applied = await migrateLatest(owner);
      if (applied.length) log.info({ applied }, 'migrations applied');
      await grantServing(owner, (await roleReport(db)).role);
    } finally {
      await owner.destroy();
    }
    const serving = await roleReport(db);
    if (opts.owner && (serving.superuser || serving.ownsTables > 0 || serving.canRewriteAudit))
      log.warn(
        { role: serving.role, superuser: serving.superuser, ownsTables: serving.ownsTables },
        'Redline serves as a database role that can rewrite its own audit trail: give it a role that owns nothing and set DATABASE_OWNER_URL for the migrations (README "Database roles")',
      );
    const authorityId = await ensureAuthority(db, config.REDLINE_AUTHORITY);
    await syncBuiltinLayers(db);
    // letters and notices: version 1 of each template from the shipped defaults, where the authority has none
    await ensureDefaultTemplates(db, authorityId);
    return { db, url, ownerUrl: ownerUrl!, authorityId, intake: intakeOptions(config, authorityId), cluster, shutdown };
  } catch (e) {
    await shutdown().catch(() => undefined);
    throw e;
  }
}

/** One Redline server per data folder: refuses to start when another live process holds it. */
function claimDataDir(dataDir: string) {
  fs.mkdirSync(dataDir, { recursive: true });
  const pidFile = path.join(dataDir, 'redline.pid');
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    if (pid && pid !== process.pid) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (alive)
        throw new BootError(
          `Redline is already running on the data folder ${dataDir} (process ${pid}). Stop it first, or set REDLINE_DATA_DIR to another folder.`,
        );
    }
  }
  fs.writeFileSync(pidFile, String(process.pid));
}
