/**
 * Test database: a throwaway PostgreSQL + PostGIS cluster in a temporary folder (never the dev data folder),
 * or the server in TEST_DATABASE_URL. A template database is migrated once and holds the Southwark authority;
 * each test file gets its own copy (CREATE DATABASE … TEMPLATE), so files run in parallel without sharing state.
 * If PostgreSQL or PostGIS is missing and cannot be installed, the run fails here, saying what to install.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, ensureDatabase, type EmbeddedCluster } from '../../server/db/embedded.ts';
import { ensureClientBuilt } from '../../server/http/client-build.ts';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { ensureAuthority } from '../../server/seed/seed.ts';
import { syncBuiltinLayers } from '../../server/modules/layers/definitions.ts';

export const TEMPLATE_DB = 'redline_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
    templateDb: string;
  }
}

function baseOf(url: string) {
  const u = new URL(url);
  u.pathname = '';
  return u.toString().replace(/\/$/, '');
}

/** Stops and removes throwaway clusters left by test runs that were killed before their teardown. */
async function reapAbandonedClusters() {
  for (const name of fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('redline-test-'))) {
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(
      fs.existsSync(path.join(dir, 'owner.pid')) ? fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8') : 0,
    );
    let alive = false;
    try {
      if (owner) process.kill(owner, 0);
      alive = Boolean(owner);
    } catch {
      alive = false;
    }
    if (alive) continue;
    try {
      if (fs.existsSync(path.join(dir, 'pg', 'postmaster.pid'))) {
        const leftover = await startEmbedded({ dataDir: dir, ephemeral: true, allowInstall: false });
        await leftover.stop(true);
      }
    } catch {
      // not a cluster we can start or stop: just remove it
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export default async function setup(project: TestProject) {
  // the pages link the browser client's build, as `npm start` serves it (built when missing or stale)
  await ensureClientBuilt();
  let cluster: EmbeddedCluster | null = null;
  let dir: string | null = null;
  let baseUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    baseUrl = baseOf(process.env.TEST_DATABASE_URL);
  } else {
    await reapAbandonedClusters();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-test-'));
    fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
    fs.chmodSync(dir, 0o711);
    cluster = await startEmbedded({ dataDir: dir, ephemeral: true });
    baseUrl = baseOf(cluster.url);
  }
  // a fresh template for every run
  const admin = createDb(`${baseUrl}/postgres`, 1);
  await admin.raw(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.destroy();
  await ensureDatabase(baseUrl, TEMPLATE_DB);
  const db = createDb(`${baseUrl}/${TEMPLATE_DB}`, 1);
  try {
    await migrateLatest(db);
    await ensureAuthority(db, 'SWK');
    await syncBuiltinLayers(db);
  } finally {
    await db.destroy();
  }
  project.provide('pgBaseUrl', baseUrl);
  project.provide('templateDb', TEMPLATE_DB);

  return async () => {
    if (cluster) await cluster.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
