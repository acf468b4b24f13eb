/**
 * The layer definitions the constraint check reports with (the `layer` table without its coverage), kept in the
 * process so a check does not read them on every request.
 *
 * Never trusted blindly: every row of the check statement carries its layer's data_version and definition_hash
 * as the check itself saw them (same statement, same snapshot), and server/modules/constraints/service.ts uses the
 * cached definitions only when they match those exactly and cover exactly the layers the statement answered.
 * Otherwise it reloads them (and, if they changed again in between, runs the check once more). So a layer defined
 * or loaded by another Redline process, the CLI or the API is seen by the very next check, with no notification
 * or time window. Defining or loading a layer in this process also drops the cache at once.
 *
 * What the key does not cover: a `layer` row edited by hand in SQL without changing data_version or
 * definition_hash (the app never does this) is seen after the next define/load or restart.
 */
import type { Knex } from 'knex';
import { listLayers, type LayerRow } from './repo.ts';

interface Entry {
  layers: LayerRow[] | null;
  loading: Promise<LayerRow[]> | null;
}

// one cache per database handle (tests run several apps on several databases in one process)
const caches = new WeakMap<Knex, Entry>();
let generation = 0;
const seenGeneration = new WeakMap<Knex, number>();

function entryOf(db: Knex): Entry {
  let e = caches.get(db);
  if (!e || seenGeneration.get(db) !== generation) {
    e = { layers: null, loading: null };
    caches.set(db, e);
    seenGeneration.set(db, generation);
  }
  return e;
}

/** Every active layer (in listLayers order: category, id; retired layers are answered by no new check, as the check
 *  statement leaves them out), from the cache when it holds them. */
export async function cachedLayers(db: Knex): Promise<LayerRow[]> {
  const e = entryOf(db);
  if (e.layers) return e.layers;
  return reloadLayers(db);
}

/** Reads every layer again (concurrent callers share one read) and caches it. */
export function reloadLayers(db: Knex): Promise<LayerRow[]> {
  const e = entryOf(db);
  if (e.loading) return e.loading;
  const loading = listLayers(db).then(
    (rows) => {
      if (e.loading === loading) e.loading = null;
      // a define or load in this process during the read dropped the entry: do not bring the old state back
      if (caches.get(db) === e && seenGeneration.get(db) === generation) e.layers = rows;
      return rows;
    },
    (err: unknown) => {
      if (e.loading === loading) e.loading = null;
      throw err;
    },
  );
  e.loading = loading;
  e.layers = null;
  return loading;
}

/** Drops every cached layer list in this process (a layer was defined, changed or loaded). */
export function invalidateLayerCache(): void {
  generation++;
}
