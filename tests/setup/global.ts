/**
 * Test database: a throwaway PostgreSQL + PostGIS cluster in a temporary folder (never the dev data folder),
 * or the server in TEST_DATABASE_URL. A template database is migrated once and holds the Southwark authority;
 * each test file gets its own copy (CREATE DATABASE … TEMPLATE), so files run in parallel without sharing state.
 * If PostgreSQL or PostGIS is missing and cannot be installed, the run fails here, saying what to install.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, ensureDatabase, type EmbeddedCluster } from '../../server/db/embedded.ts';
import { ensureClientBuilt } from '../../server/http/client-build.ts';
import { createDb } from '../../server/db/knex.ts';
import { migrateLatest } from '../../server/db/migrate.ts';
import { ensureLoginRole, grantServing, SERVING_ROLE } from '../../server/db/roles.ts';
import { ensureAuthority } from '../../server/seed/seed.ts';
import { syncBuiltinLayers } from '../../server/modules/layers/definitions.ts';

export const TEMPLATE_DB = 'redline_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgBaseUrl: string;
    /** the same server as the serving role (owns nothing, server/db/roles.ts): what the test apps connect as */
    pgServingBaseUrl: string;
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
  let servingBaseUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    baseUrl = baseOf(process.env.TEST_DATABASE_URL);
    // the serving role the test apps connect as (needs CREATEROLE for the TEST_DATABASE_URL user)
    const password = crypto.randomBytes(18).toString('base64url');
    const admin = createDb(`${baseUrl}/postgres`, 1);
    try {
      await ensureLoginRole(admin, SERVING_ROLE, password);
    } catch (e) {
      throw new Error(
        `The tests serve as a role that owns nothing (${SERVING_ROLE}); the TEST_DATABASE_URL user could not create it: ${(e as Error).message}. Give that user CREATEROLE.`,
      );
    } finally {
      await admin.destroy();
    }
    const u = new URL(baseUrl);
    u.username = SERVING_ROLE;
    u.password = password;
    servingBaseUrl = u.toString().replace(/\/$/, '');
  } else {
    await reapAbandonedClusters();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redline-test-'));
    fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid));
    fs.chmodSync(dir, 0o711);
    cluster = await startEmbedded({ dataDir: dir, ephemeral: true });
    baseUrl = baseOf(cluster.url);
    servingBaseUrl = baseOf(cluster.servingUrl);
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
    // table grants are copied with the template into every test file's database
    await grantServing(db, SERVING_ROLE);
  } finally {
    await db.destroy();
  }
  project.provide('pgBaseUrl', baseUrl);
  project.provide('pgServingBaseUrl', servingBaseUrl);
  project.provide('templateDb', TEMPLATE_DB);

  return async () => {
    if (cluster) await cluster.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  };
}
