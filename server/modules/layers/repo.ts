/**
 * The layer tables (layer, constraint_feature, constraint_piece) and a load's working tables: the staging tables
 * ogr2ogr writes (layer_load_<unix time>_<random>_<source index>) and the temporary table `incoming`. Statements
 * that need no identifier are in sql/queries/layer_*.sql; the ones that name a staging table are here, each
 * identifier quoted by `ident` and every value bound.
 */
import type { Knex } from 'knex';
import { sqlQuery } from '../../db/queries.ts';
import type { LayerDefinition } from '../../../shared/layer-schema.ts';
import type { FieldMap, LoadReport, SkipReason } from './loader.ts';

type Db = Knex | Knex.Transaction;

export interface LayerRow {
  id: string;
  title: string;
  category: string;
  dataset: string | null;
  definition: LayerDefinition;
  definitionHash: string;
  origin: string;
  dataVersion: number;
  /** bumped (migration 0031's trigger) whenever the definition or the retirement changes: the definition's ETag */
  definitionVersion: number;
  sourceHash: string | null;
  loadedAt: Date | null;
  featureCount: number;
  lastLoad: unknown;
  /** when the layer was retired (kept for stored checks and maps, answered by no new check); null while active */
  retiredAt: Date | null;
  retiredReason: string | null;
}

const LAYER_COLUMNS = [
  'id',
  'title',
  'category',
  'dataset',
  'definition',
  'definition_hash as definitionHash',
  'origin',
  'data_version as dataVersion',
  'definition_version as definitionVersion',
  'source_hash as sourceHash',
  'loaded_at as loadedAt',
  'feature_count as featureCount',
  'last_load as lastLoad',
  'retired_at as retiredAt',
  'retired_reason as retiredReason',
];

/** Every active layer (or those of `ids`), by category and id, without its coverage; retired ones too with
 *  `includeRetired` (what a stored check or map that used them draws, and the list of layers). */
export async function listLayers(db: Db, ids?: string[], opts: { includeRetired?: boolean } = {}): Promise<LayerRow[]> {
  const q = db('layer').orderBy(['category', 'id']).select(LAYER_COLUMNS);
  if (ids) q.whereIn('id', ids);
  if (!opts.includeRetired) q.whereNull('retired_at');
  return q;
}

/** Marks the layer retired (now, with the reason). */
export async function markRetired(db: Db, id: string, reason: string | null): Promise<void> {
  await db('layer').where({ id }).update({ retired_at: db.fn.now(), retired_reason: reason, updated_at: db.fn.now() });
}

/** The stored checks (id, case) whose layers or hits name the layer, first 20 by id; and how many in all. */
export async function checksUsingLayer(
  db: Db,
  id: string,
): Promise<{ total: number; checks: Array<{ checkId: number; caseId: number }> }> {
  const q = db('constraint_check as c').where((w) =>
    w
      .whereRaw('c.layers @> ?::jsonb', [JSON.stringify([{ id }])])
      .orWhereExists((e) =>
        e.select(db.raw('1')).from('constraint_hit as h').whereRaw('h.check_id = c.id').where('h.layer_id', id),
      ),
  );
  const total = Number((await q.clone().count({ n: '*' }))[0]!.n);
  const checks = (await q.clone().orderBy('c.id').limit(20).select('c.id as checkId', 'c.case_id as caseId')) as Array<{
    checkId: number;
    caseId: number;
  }>;
  return { total, checks };
}

/** Deletes the layer with its pieces and features (pieces first, by layer: constraint_piece_layer_idx). */
export async function deleteLayerRows(db: Db, id: string): Promise<void> {
  await db('constraint_piece').where({ layer_id: id }).delete();
  await db('constraint_feature').where({ layer_id: id }).delete();
  await db('layer').where({ id }).delete();
}

export async function findLayer(db: Db, id: string, lock = false): Promise<LayerRow | undefined> {
  const q = db('layer').where({ id });
  if (lock) q.forUpdate();
  return q.first(LAYER_COLUMNS);
}

/** The layer's current data version, or undefined when there is no such layer. */
export async function layerDataVersion(db: Db, id: string): Promise<number | undefined> {
  const row = await db('layer').where({ id }).first('data_version');
  return row?.data_version as number | undefined;
}

export interface StoredDefinition {
  definition: LayerDefinition;
  definition_hash: string;
  origin: 'builtin' | 'local';
  definition_version: number;
}

/** The layer's stored definition, its row locked until the transaction ends; undefined when there is none. */
export async function lockLayerDefinition(db: Db, id: string): Promise<StoredDefinition | undefined> {
  return db('layer').where({ id }).forUpdate().first('definition', 'definition_hash', 'origin', 'definition_version');
}

/** Inserts a layer or updates its definition (updated_at now). */
export async function saveLayerDefinition(
  db: Db,
  d: LayerDefinition,
  hash: string,
  origin: 'builtin' | 'local',
  exists: boolean,
): Promise<void> {
  const row = {
    title: d.title,
    category: d.category,
    dataset: d.dataset,
    definition: JSON.stringify(d),
    definition_hash: hash,
    origin,
    updated_at: db.fn.now(),
  };
  if (exists) await db('layer').where({ id: d.id }).update(row);
  else await db('layer').insert({ id: d.id, ...row });
}

// ---- staging tables (one per source file, written by ogr2ogr outside any transaction) ----

const ident = (s: string) => '"' + s.replace(/"/g, '""') + '"';
/** staging tables live in their own schema (migration 0032): the serving role may create tables there only */
export const STAGING_SCHEMA = 'layer_staging';
const staging = (table: string) => `${STAGING_SCHEMA}.${ident(table)}`;

/** Every staging table, of any load. */
export async function stagingTableNames(db: Knex): Promise<string[]> {
  return (await db('pg_tables')
    .where('schemaname', STAGING_SCHEMA)
    .where('tablename', 'like', 'layer\\_load\\_%')
    .pluck('tablename')) as string[];
}

export async function dropStagingTable(db: Knex, table: string): Promise<void> {
  await db.raw(`DROP TABLE IF EXISTS ${staging(table)}`);
}

export async function stagingRowCount(db: Knex, table: string): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ n: number }> }>(`SELECT count(*)::int AS n FROM ${staging(table)}`);
  return Number(rows[0]!.n);
}

export async function stagingColumns(db: Knex, table: string): Promise<string[]> {
  return (await db('information_schema.columns')
    .where({ table_schema: STAGING_SCHEMA, table_name: table })
    .pluck('column_name')) as string[];
}

// ---- the load's transaction ----

/** Locks the layer's row until the transaction ends; its current data version. */
export async function lockLayerVersion(trx: Knex.Transaction, id: string): Promise<number> {
  const current = await trx('layer').where({ id }).forUpdate().first('data_version');
  return current.data_version as number;
}

/** Creates `incoming` and copies each staging table into it (source index i, label, constants added to props). */
export async function fillIncoming(
  trx: Knex.Transaction,
  staged: Array<{ table: string; label: string; constants: Record<string, string> }>,
): Promise<void> {
  await trx.raw(sqlQuery('layer_load_incoming_create'));
  for (const [i, s] of staged.entries()) {
    await trx.raw(
      // staged with -dim XYZ: a 2D source reads as Z = 0, so only real heights count as dropped
      `INSERT INTO incoming (src, label, fid, props, geom, heights)
       SELECT ?, ?, ogc_fid, (to_jsonb(t) - 'geom' - 'ogc_fid') || ?::jsonb, ST_Force2D(geom),
              COALESCE(ST_NDims(geom) > 2 AND (ST_ZMin(geom) <> 0 OR ST_ZMax(geom) <> 0), false)
       FROM ${staging(s.table)} t`,
      [i, s.label, JSON.stringify(s.constants)],
    );
  }
}

/** Incoming features: all of them, or those of one source. */
export async function incomingCount(trx: Knex.Transaction, src?: number): Promise<number> {
  const q = trx('incoming');
  if (src !== undefined) q.where({ src });
  return Number((await q.count({ n: '*' }))[0]!.n);
}

/** Skips features without geometry and of the wrong geometry type (GeometryCollections reduced first). */
export async function skipWrongGeometry(trx: Knex.Transaction, geometryKind: string): Promise<void> {
  await trx.raw(sqlQuery('layer_load_skip_no_geometry'));
  await trx.raw(sqlQuery('layer_load_extract_collections'));
  await trx.raw(sqlQuery('layer_load_skip_wrong_type'), { geometryKind });
}

/** How many features have geometry, how many of them the wrong type, and the types found (skip details). */
export async function geometryTypeCounts(
  trx: Knex.Transaction,
): Promise<{ wrong: number; withGeom: number; types: string[] }> {
  const wrong = Number((await trx('incoming').where({ skip: 'wrong-geometry-type' }).count({ n: '*' }))[0]!.n);
  const withGeom = Number(
    (await trx('incoming').whereNot({ skip: 'no-geometry' }).orWhereNull('skip').count({ n: '*' }))[0]!.n,
  );
  if (!(withGeom > 0 && wrong === withGeom)) return { wrong, withGeom, types: [] };
  const types = (await trx('incoming').whereNotNull('detail').distinct('detail').pluck('detail')) as string[];
  return { wrong, withGeom, types };
}

/** Skips (or, with repair, repairs) invalid geometry, then what lies outside every authority or has ended. */
export async function skipInvalidOutsideEnded(trx: Knex.Transaction, repair: boolean, toleranceM: number) {
  await trx.raw(sqlQuery('layer_load_invalid_detail'));
  if (repair) {
    await trx.raw(sqlQuery('layer_load_repair'));
    await trx.raw(sqlQuery('layer_load_skip_unrepairable'));
  } else {
    await trx.raw(sqlQuery('layer_load_skip_invalid'));
  }
  await trx.raw(sqlQuery('layer_load_skip_outside'), { toleranceM });
  await trx.raw(sqlQuery('layer_load_skip_ended'));
}

/** SQL expression (over jsonb `props`) for a field name or a "{A} {B}" template; values bound, never spliced. */
function fieldExpression(db: Db, spec: string): Knex.Raw {
  if (!spec.includes('{')) return db.raw('props->>?', [spec]);
  const parts: Knex.Raw[] = [];
  const re = /\{([^}]+)\}|([^{]+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) {
    parts.push(m[1] !== undefined ? db.raw("coalesce(props->>?, '')", [m[1]]) : db.raw('?::text', [m[2] ?? '']));
  }
  return db.raw(
    `nullif(btrim(regexp_replace(concat(${parts.map(() => '?').join(', ')}), '\\s+', ' ', 'g')), '')`,
    parts,
  );
}

const referenceExpression = (trx: Knex.Transaction, fieldMap: FieldMap) =>
  fieldMap.reference ? fieldExpression(trx, fieldMap.reference) : trx.raw('NULL::text');

/** Inserts the kept incoming features as the layer's new data version; how many. */
export async function insertFeatures(
  trx: Knex.Transaction,
  layerId: string,
  version: number,
  fieldMap: FieldMap,
): Promise<number> {
  const mapped = Object.entries(fieldMap.properties ?? {});
  const properties = mapped.length
    ? trx.raw(
        `props || jsonb_strip_nulls(jsonb_build_object(${mapped.map(() => '?::text, ?').join(', ')}))`,
        mapped.flatMap(([k, v]) => [k, fieldExpression(trx, v)]),
      )
    : trx.raw('props');
  await trx.raw(sqlQuery('layer_load_insert_features'), {
    layerId,
    version,
    reference: referenceExpression(trx, fieldMap),
    name: fieldMap.name ? fieldExpression(trx, fieldMap.name) : trx.raw('NULL::text'),
    properties,
  });
  return Number(
    (await trx('constraint_feature').where({ layer_id: layerId, data_version: version }).count({ n: '*' }))[0]!.n,
  );
}

/** Inserts the pieces of the version's features; how many. */
export async function insertPieces(trx: Knex.Transaction, layerId: string, version: number): Promise<number> {
  await trx.raw(sqlQuery('layer_load_insert_pieces'), { layerId, version });
  return Number(
    (await trx('constraint_piece').where({ layer_id: layerId, data_version: version }).count({ n: '*' }))[0]!.n,
  );
}

/** Skipped features by reason, the first five of each, and how many kept features were repaired. */
export async function skippedSummary(
  trx: Knex.Transaction,
  fieldMap: FieldMap,
): Promise<{
  skipped: Record<SkipReason, number>;
  examples: LoadReport['skippedExamples'];
  repaired: number;
  heightsDropped: number;
}> {
  const rows = (await trx('incoming').whereNotNull('skip').groupBy('skip').select('skip').count({ n: '*' })) as Array<{
    skip: SkipReason;
    n: string;
  }>;
  const skipped: Record<SkipReason, number> = {
    'no-geometry': 0,
    'invalid-geometry': 0,
    'wrong-geometry-type': 0,
    'outside-authority': 0,
    ended: 0,
  };
  for (const r of rows) skipped[r.skip] = Number(r.n);
  const examples = await trx.raw<{ rows: LoadReport['skippedExamples'] }>(sqlQuery('layer_load_skipped_examples'), {
    reference: referenceExpression(trx, fieldMap),
  });
  const repaired = Number((await trx('incoming').where({ repaired: true }).whereNull('skip').count({ n: '*' }))[0]!.n);
  const heightsDropped = Number(
    (await trx('incoming').where({ heights: true }).whereNull('skip').count({ n: '*' }))[0]!.n,
  );
  return { skipped, examples: examples.rows, repaired, heightsDropped };
}

/** Makes `version` the layer's current data (with its coverage and the load's record) and deletes the others. */
export async function recordLoad(
  trx: Knex.Transaction,
  load: {
    layerId: string;
    version: number;
    sourceHash: string;
    featureCount: number;
    lastLoad: string;
    coverage: 'authority' | 'extent';
    toleranceM: number;
    expandM: number;
  },
): Promise<void> {
  await trx.raw(sqlQuery('layer_load_record'), load);
  // the old version's pieces first, by (layer_id, data_version) (constraint_piece_layer_idx), in one statement: the
  // features' ON DELETE CASCADE then finds no piece left (constraint_piece_feature_idx, migration 0009), instead of
  // one lookup (before that index, one scan of every layer's pieces) per deleted feature finding its own
  await trx('constraint_piece').where({ layer_id: load.layerId }).whereNot({ data_version: load.version }).delete();
  await trx('constraint_feature').where({ layer_id: load.layerId }).whereNot({ data_version: load.version }).delete();
}
