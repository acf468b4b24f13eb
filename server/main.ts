/** `npm start`: Redline with its database (embedded PostgreSQL + PostGIS unless DATABASE_URL is set) and demo data. */
import { once } from 'node:events';
import type { Logger } from 'pino';
import { loadConfig, ConfigError, type Config } from './config/index.ts';
import { createLogger } from './logger.ts';
import { bootDatabase, BootError, type Booted } from './boot.ts';
import { EmbeddedDatabaseError } from './db/embedded.ts';
import { buildApp } from './app.ts';
import { ensureClientBuilt } from './http/client-build.ts';
import { sessionSecret } from './http/session-secret.ts';
import { seedDemo, writeDemoUsers } from './seed/seed.ts';
import { loadDemoLayers } from './seed/layers.ts';
import { loadDemoAddresses } from './seed/addresses.ts';
import { gdalInstalled } from './modules/layers/loader.ts';
import { aptInstall } from './db/embedded.ts';
import { readDbFor } from './db/read.ts';
import { startAuditSealer } from './modules/audit/chain.ts';
import { startMemoryLog } from './memory-log.ts';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(e.message + '\n');
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  let booted;
  try {
    booted = await bootDatabase(config, log, { owner: true });
  } catch (e) {
    if (e instanceof EmbeddedDatabaseError || e instanceof BootError) {
      process.stderr.write(`Redline cannot start: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  try {
    await serve(config, log, booted, started);
  } catch (e) {
    // never leave the embedded cluster running behind a failed start
    await booted.shutdown().catch(() => undefined);
    throw e;
  }
}

async function serve(config: Config, log: Logger, booted: Booted, started: number) {
  const { db, authorityId } = booted;
  if (config.REDLINE_DEMO_DATA) {
    if (!gdalInstalled()) aptInstall(['gdal-bin'], log);
    if (gdalInstalled()) {
      const layers = await loadDemoLayers(db, { onProgress: (m) => log.debug(m) });
      for (const r of layers)
        log.info({ layer: r.layerId, loaded: r.loaded, skipped: r.skipped, ms: r.ms }, 'demo layer loaded');
    } else {
      log.warn(
        "GDAL's ogr2ogr is not installed, so the Southwark constraint layers were not loaded (checks will say unknown). Install it: sudo apt-get install gdal-bin, then restart Redline.",
      );
    }
    const seeded = await seedDemo(
      { db, authorityId, intake: booted.intake },
      { publicBaseUrl: config.PUBLIC_BASE_URL },
    );
    if (seeded) {
      const text = writeDemoUsers(config.REDLINE_DATA_DIR, seeded.users);
      // printed once, on the first start; also kept in the data folder (mode 600)
      process.stdout.write(`\nDemo accounts (also in ${config.REDLINE_DATA_DIR}/demo-users.txt):\n${text}\n`);
      log.info({ cases: seeded.cases, users: seeded.users.length }, 'demo data loaded');
    }
    if (gdalInstalled()) {
      for (const r of await loadDemoAddresses(db, config.REDLINE_DATA_DIR))
        log.info({ dataset: r.dataset, loaded: r.loaded, skipped: r.skipped, ms: r.ms }, 'demo addresses loaded');
      await (await import('./seed/base-layers.ts')).loadDemoBaseLayers(db, log);
    }
  }
  // the browser client: built by Vite when dist/client is missing or older than its sources
  await ensureClientBuilt((m) => log.info(m));
  // public routes read from the replica when DATABASE_READ_URL is set (server/db/read.ts)
  const read = readDbFor(db, config.DATABASE_READ_URL);
  const built = buildApp(
    {
      db,
      readDb: read.readDb,
      config,
      log,
      authorityId,
      intake: booted.intake,
      sessionSecret: sessionSecret(config.SESSION_SECRET, config.REDLINE_DATA_DIR),
    },
    booted.url,
  );
  // new audit rows join the hash chain a few seconds after they commit (server/modules/audit/chain.ts)
  const sealer = startAuditSealer(db, config.AUDIT_SEAL_SECONDS, log);
  const memory = startMemoryLog(config.MEMORY_LOG_SECONDS, log);
  const server = built.app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  log.info(
    { url: `http://localhost:${port}`, startupMs: Date.now() - started, embedded: Boolean(booted.cluster) },
    'Redline is listening',
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    sealer.stop();
    memory.stop();
    await built.close();
    await read.close();
    await booted.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  process.stderr.write(`Redline failed to start: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
